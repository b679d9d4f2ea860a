//! The three lists the campaign keeps (三个清单), built from hazards (every source, not only
//! tips): 隐患清单 (what and where, grade, source, found on), 整改清单 (measures, deadline,
//! progress, completion, 复查, 销号) and 责任清单 (the four responsible people of each hazard).
//! Each list has its own columns; every list names the hazard's number and, for a hazard from a
//! tip, its case number. The filters (street, department, source, grade, status, found from/to)
//! filter in the database; a unit's staff see the hazards their unit supervises or hosts. Cells
//! are words in the caller's language (names, never codes), the same on the page and in the
//! files (`services::exports`); every export is recorded in the audit log.

use super::auth::Staff;
use super::hazards::Fields;
use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::hazards::{self, HazardFilter, Listed};
use crate::db::listings::ListedKind;
use crate::domain::access::Permission;
use crate::domain::hazard::{HazardId, HazardStatus, Source, Step};
use crate::domain::tip::Severity;
use crate::i18n::Lang;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The most rows a list page shows (the files carry every row).
pub const PAGE_ROWS: i64 = 500;
/// The most rows a file carries.
const FILE_ROWS: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Hazards,
    Rectifications,
    Responsibilities,
}

impl ListKind {
    pub const ALL: [ListKind; 3] = [
        ListKind::Hazards,
        ListKind::Rectifications,
        ListKind::Responsibilities,
    ];

    pub fn parse(s: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Hazards => "hazards",
            ListKind::Rectifications => "rectifications",
            ListKind::Responsibilities => "responsibilities",
        }
    }

    /// The list's title's message key (`隐患清单`…).
    pub fn title_key(self) -> String {
        format!("list-{}", self.as_str())
    }

    /// The columns: message key of the title, and the width in a spreadsheet (characters).
    pub fn columns(self) -> &'static [(&'static str, f64)] {
        match self {
            ListKind::Hazards => HAZARD_COLUMNS,
            ListKind::Rectifications => RECTIFICATION_COLUMNS,
            ListKind::Responsibilities => RESPONSIBILITY_COLUMNS,
        }
    }
}

/// 隐患清单. The import (`services::import`) reads these titles back.
pub const HAZARD_COLUMNS: &[(&str, f64)] = &[
    ("lists-col-number", 16.0),
    ("lists-col-case", 16.0),
    ("lists-col-enterprise", 26.0),
    ("lists-col-credit-code", 22.0),
    ("lists-col-address", 28.0),
    ("lists-col-street", 12.0),
    ("lists-col-description", 40.0),
    ("lists-col-grade", 10.0),
    ("lists-col-basis", 28.0),
    ("lists-col-source", 12.0),
    ("lists-col-found-on", 12.0),
    ("lists-col-department", 18.0),
    ("lists-col-status", 12.0),
    ("lists-col-listed", 28.0),
];

/// 整改清单.
const RECTIFICATION_COLUMNS: &[(&str, f64)] = &[
    ("lists-col-number", 16.0),
    ("lists-col-case", 16.0),
    ("lists-col-enterprise", 26.0),
    ("lists-col-description", 36.0),
    ("lists-col-measures", 36.0),
    ("lists-col-deadline", 12.0),
    ("lists-col-original-deadline", 12.0),
    ("lists-col-progress", 22.0),
    ("lists-col-completed-on", 12.0),
    ("lists-col-reviewer", 12.0),
    ("lists-col-reviewed-on", 12.0),
    ("lists-col-review-result", 10.0),
    ("lists-col-closed-on", 12.0),
    ("lists-col-suspension", 24.0),
];

/// 责任清单.
const RESPONSIBILITY_COLUMNS: &[(&str, f64)] = &[
    ("lists-col-number", 16.0),
    ("lists-col-case", 16.0),
    ("lists-col-enterprise", 26.0),
    ("lists-col-description", 36.0),
    ("lists-col-grade", 10.0),
    ("lists-col-department", 18.0),
    ("lists-col-responsible-person", 14.0),
    ("lists-col-supervisor", 14.0),
    ("lists-col-street", 12.0),
    ("lists-col-street-official", 14.0),
    ("lists-col-leader", 14.0),
    ("lists-col-status", 12.0),
];

/// The filters as typed (the page's GET form, the export's query): codes, dates `YYYY-MM-DD`
/// (found on, both ends included); blank means any.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A sub-district's code.
    #[param(required = false)]
    pub street: String,
    /// A department's code.
    #[param(required = false)]
    pub department: String,
    /// `tip`, `self_inspection`, `department_inspection`, `street_inspection`,
    /// `joint_inspection` or `supervision`.
    #[param(required = false)]
    pub source: String,
    /// `general` or `major`.
    #[param(required = false)]
    pub grade: String,
    /// `open`, `rectified` or `closed`.
    #[param(required = false)]
    pub status: String,
    /// Found on or after (`YYYY-MM-DD`).
    #[param(required = false)]
    pub from: String,
    /// Found on or before (`YYYY-MM-DD`).
    #[param(required = false)]
    pub to: String,
}

impl ListQuery {
    /// The query string of the filters given (export and print links keep them).
    pub fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("street", &self.street),
            ("department", &self.department),
            ("source", &self.source),
            ("grade", &self.grade),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// A cell: words, or a date (a spreadsheet gets a real date).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Date(Option<NaiveDate>),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// One hazard on a list.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    pub id: HazardId,
    pub overdue: bool,
    /// Under listed supervision (挂牌督办) now.
    pub supervised: bool,
    /// The due date (督办期限) of the listed supervision in force.
    pub listing: Option<NaiveDate>,
    pub cells: Vec<Cell>,
}

/// The count the campaign is judged by: hazards not struck off, and of those, the ones that are
/// (or, by their deadline, will be) still open past the campaign's end.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignCount {
    pub name: String,
    pub ends: NaiveDate,
    /// Today is after the campaign's end.
    pub ended: bool,
    pub not_closed: i64,
    pub past_end: i64,
}

/// A list as this staff member sees it, in a language.
#[derive(Debug, Clone, Serialize)]
pub struct HazardList {
    #[serde(skip)]
    pub kind: ListKind,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<ListRow>,
    /// How many hazards match (the page may show fewer than that).
    pub total: i64,
    pub campaign: CampaignCount,
}

/// The latest 复查 of a hazard: who, when, passed or not.
struct Review {
    by: String,
    on: NaiveDate,
    passed: bool,
}

impl Services {
    /// A list as this staff member may see it, filtered, at most `limit` rows.
    pub fn hazard_list(
        &self,
        staff: &Staff,
        kind: ListKind,
        query: &ListQuery,
        lang: Lang,
        limit: Option<i64>,
    ) -> ServiceResult<HazardList> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        let filter = self.list_filter(staff, query)?;
        let mut conn = self.db.read()?;
        let (listed, total) = hazards::list(&mut conn, &filter, 0, limit.unwrap_or(FILE_ROWS))?;
        let reviews = match kind {
            ListKind::Rectifications => self.reviews(&mut conn)?,
            _ => HashMap::new(),
        };
        let (not_closed, deadline_after) =
            hazards::not_closed(&mut conn, filter.unit.as_deref(), self.campaign.ends)?;
        let ended = self.today() > self.campaign.ends;
        let names = Names::new(&self.catalog, lang);
        let today = self.today();
        let ids: Vec<i64> = listed.iter().map(|l| l.hazard.id.0).collect();
        let listings = self.listings_of(&mut conn, ListedKind::Hazard, &ids)?;
        let rows = listed
            .iter()
            .map(|l| {
                let listing = listings.get(&l.hazard.id.0);
                let mut cells = cells(kind, names, l, reviews.get(&l.hazard.id), today);
                if kind == ListKind::Hazards {
                    cells.push(Cell::Text(listing_words(lang, listing)));
                }
                ListRow {
                    id: l.hazard.id,
                    overdue: l.hazard.status == HazardStatus::Open && l.hazard.deadline < today,
                    supervised: l.hazard.supervised,
                    listing: listing.map(|x| x.due),
                    cells,
                }
            })
            .collect();
        Ok(HazardList {
            kind,
            title: lang.t(&kind.title_key()),
            headers: kind.columns().iter().map(|(k, _)| lang.t(k)).collect(),
            rows,
            total,
            campaign: CampaignCount {
                name: self.campaign.name.clone(),
                ends: self.campaign.ends,
                ended,
                not_closed,
                past_end: if ended { not_closed } else { deadline_after },
            },
        })
    }

    /// A whole list for a file, recorded in the audit log (`file` names it: `hazards.xlsx`).
    pub(super) fn exported_list(
        &self,
        staff: &Staff,
        kind: ListKind,
        query: &ListQuery,
        lang: Lang,
        file: &str,
    ) -> ServiceResult<HazardList> {
        let list = self.hazard_list(staff, kind, query, lang, None)?;
        let filters = query.query_string();
        let detail = match filters.is_empty() {
            true => format!("{file} ({} rows)", list.rows.len()),
            false => format!("{file} ({} rows; {filters})", list.rows.len()),
        };
        self.db
            .write(|c| self.audit_staff_step(c, staff, "export", &detail))?;
        Ok(list)
    }

    /// The filters read: known codes, dates; every wrong one is told at once.
    fn list_filter(&self, staff: &Staff, q: &ListQuery) -> ServiceResult<HazardFilter> {
        let mut f = Fields::default();
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let street = given(&q.street);
        if street
            .as_deref()
            .is_some_and(|s| self.catalog.street(s).is_none())
        {
            f.err("street", "unknown_street");
        }
        let department = given(&q.department);
        if department
            .as_deref()
            .is_some_and(|d| self.catalog.department(d).is_none())
        {
            f.err("department", "unknown_unit");
        }
        let source = given(&q.source).and_then(|s| {
            s.parse::<Source>().ok().or_else(|| {
                f.err("source", "unknown_source");
                None
            })
        });
        let grade = given(&q.grade).and_then(|g| {
            Severity::parse(&g).or_else(|| {
                f.err("grade", "unknown_severity");
                None
            })
        });
        let status = given(&q.status).and_then(|s| {
            s.parse::<HazardStatus>().ok().or_else(|| {
                f.err("status", "unknown_hazard_status");
                None
            })
        });
        let mut date = |field: &'static str, text: &str| {
            given(text).and_then(|s| f.take(super::hazards::date_field(field, Some(&s)).map(Some)))
        };
        let (from, to) = (date("from", &q.from), date("to", &q.to));
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            f.err("to", "before_from");
        }
        if !f.errors.is_empty() {
            return Err(ServiceError::Validation(f.errors));
        }
        Ok(HazardFilter {
            unit: staff.scope(),
            street,
            department,
            source,
            grade,
            status,
            from,
            to,
            ..HazardFilter::default()
        })
    }

    /// The latest 复查 of every hazard that had one.
    fn reviews(&self, conn: &mut DbConn) -> ServiceResult<HashMap<HazardId, Review>> {
        let kinds = [Step::ReviewPass.as_str(), Step::ReviewFail.as_str()];
        let mut out = HashMap::new();
        // Who reviewed, by their display name (the username when the account is gone).
        let people = self.people(conn)?;
        // Oldest first: a later review replaces an earlier one.
        for e in hazards::events_of_kinds(conn, &kinds)? {
            let review = Review {
                by: people.get(&e.actor).cloned().unwrap_or(e.actor),
                on: self.local_date(e.at),
                passed: e.kind == Step::ReviewPass.as_str(),
            };
            out.insert(e.hazard_id, review);
        }
        Ok(out)
    }
}

/// A row's cells under its list's columns.
fn cells(
    kind: ListKind,
    names: Names,
    l: &Listed,
    review: Option<&Review>,
    today: NaiveDate,
) -> Vec<Cell> {
    let lang = names.lang;
    let h = &l.hazard;
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
    let number = text(&h.number);
    let case = opt(&l.case_number);
    let enterprise = Cell::Text(
        l.enterprise
            .clone()
            .or_else(|| l.tip_enterprise.clone())
            .unwrap_or_default(),
    );
    let street = Cell::Text(
        h.street
            .as_deref()
            .map(|s| names.street(s))
            .unwrap_or_default(),
    );
    let grade = Cell::Text(lang.t(&format!("severity-{}", h.grade.as_str())));
    let department = Cell::Text(names.unit(&h.department));
    let status = Cell::Text(lang.t(&format!("lists-status-{}", h.status.as_str())));
    let description = text(&h.description);
    match kind {
        ListKind::Hazards => vec![
            number,
            case,
            enterprise,
            opt(&l.credit_code),
            Cell::Text(
                l.enterprise_address
                    .clone()
                    .or_else(|| l.tip_address.clone())
                    .unwrap_or_default(),
            ),
            street,
            description,
            grade,
            opt(&h.basis),
            Cell::Text(lang.t(&format!("lists-source-{}", h.source.as_str()))),
            Cell::Date(Some(h.found_on)),
            department,
            status,
        ],
        ListKind::Rectifications => vec![
            number,
            case,
            enterprise,
            description,
            text(&h.measures),
            Cell::Date(Some(h.deadline)),
            Cell::Date((h.original_deadline != h.deadline).then_some(h.original_deadline)),
            Cell::Text(progress(lang, h, today)),
            Cell::Date(h.rectified_on),
            Cell::Text(review.map(|r| r.by.clone()).unwrap_or_default()),
            Cell::Date(review.map(|r| r.on)),
            Cell::Text(
                review
                    .map(|r| {
                        lang.t(if r.passed {
                            "lists-review-pass"
                        } else {
                            "lists-review-fail"
                        })
                    })
                    .unwrap_or_default(),
            ),
            Cell::Date(h.reviewed_on.filter(|_| h.status == HazardStatus::Closed)),
            Cell::Text(suspension(lang, h.suspend_operations, h.resumed_on)),
        ],
        ListKind::Responsibilities => vec![
            number,
            case,
            enterprise,
            description,
            grade,
            department,
            text(&h.responsible_person),
            text(&h.supervisor),
            street,
            opt(&h.street_official),
            opt(&h.leader),
            status,
        ],
    }
}

/// Where the rectification stands, in words: the status, days past the deadline, escalation,
/// listed supervision.
fn progress(lang: Lang, h: &crate::db::hazards::HazardRow, today: NaiveDate) -> String {
    let mut parts = vec![lang.t(&format!("lists-status-{}", h.status.as_str()))];
    if h.status == HazardStatus::Open && h.deadline < today {
        let days = (today - h.deadline).num_days();
        parts.push(lang.t_args("lists-days-overdue", &[("days", days)]));
    }
    if h.escalated_on.is_some() {
        parts.push(lang.t("lists-escalated"));
    }
    if h.supervised {
        parts.push(lang.t("lists-supervised"));
    }
    parts.join(" · ")
}

/// The listed supervision in force in words: its reason and due date (督办期限); blank when none.
fn listing_words(lang: Lang, l: Option<&super::listing::ListedSupervision>) -> String {
    l.map(|l| {
        let due = l.due.to_string();
        lang.t_str("lists-listed", &[("reason", &l.reason), ("due", &due)])
    })
    .unwrap_or_default()
}

/// 停产停业整改, and the day work resumed (复工).
fn suspension(lang: Lang, suspended: bool, resumed: Option<NaiveDate>) -> String {
    match (suspended, resumed) {
        (false, _) => String::new(),
        (true, None) => lang.t("lists-suspended"),
        (true, Some(d)) => lang.t_str("lists-resumed", &[("date", &d.to_string())]),
    }
}

/// The year of a date, for the spreadsheet writer's date cells.
pub fn ymd(d: NaiveDate) -> (u16, u8, u8) {
    (
        u16::try_from(d.year()).unwrap_or(1900),
        u8::try_from(d.month()).unwrap_or(1),
        u8::try_from(d.day()).unwrap_or(1),
    )
}
