//! The three lists a district office keeps (三个清单): hazards found true (隐患清单), ordered
//! rectifications (整改清单) and who answers for each open case (责任清单), with the columns the
//! office expects, for pages and CSV exports. Every export is recorded in the audit log.

use super::audit;
use super::auth::Staff;
use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::cases::{self, CaseFileRow};
use crate::db::tips::TipRow;
use crate::domain::access::Permission;
use crate::domain::catalog::Catalog;
use crate::domain::status::Status;
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Hazards,
    Rectifications,
    Responsibilities,
}

impl ListKind {
    pub fn parse(s: &str) -> Option<ListKind> {
        match s {
            "hazards" => Some(ListKind::Hazards),
            "rectifications" => Some(ListKind::Rectifications),
            "responsibilities" => Some(ListKind::Responsibilities),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Hazards => "hazards",
            ListKind::Rectifications => "rectifications",
            ListKind::Responsibilities => "responsibilities",
        }
    }

    fn includes(self, status: Status, file: &CaseFileRow) -> bool {
        let found_true = status.found_true(file.rectification_due.is_some());
        match self {
            ListKind::Hazards => found_true,
            ListKind::Rectifications => file.rectification_due.is_some(),
            ListKind::Responsibilities => !matches!(
                status,
                Status::Submitted
                    | Status::Rejected
                    | Status::Duplicate
                    | Status::Unsubstantiated
                    | Status::Closed
            ),
        }
    }
}

/// One row, with the columns of every list.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub case_number: String,
    pub sector: String,
    pub street: Option<String>,
    pub enterprise: Option<String>,
    pub address: String,
    pub hazard: String,
    pub severity: String,
    pub department: String,
    pub responsible_party: Option<String>,
    pub measures: Option<String>,
    pub deadline: Option<chrono::NaiveDate>,
    pub status: Status,
    pub suspend_operations: bool,
    pub days_overdue: i64,
    /// How the tip came in.
    pub channel: String,
}

/// The columns, in order, as message keys.
pub const COLUMNS: &[&str] = &[
    "list-col-case",
    "list-col-sector",
    "list-col-street",
    "list-col-enterprise",
    "list-col-address",
    "list-col-hazard",
    "list-col-level",
    "list-col-department",
    "list-col-responsible",
    "list-col-measures",
    "list-col-deadline",
    "list-col-status",
    "list-col-days-overdue",
    "intake-channel",
];

/// A row's cells under [`COLUMNS`] in a language (the list page and its file show the same).
pub fn cells(catalog: &Catalog, lang: Lang, r: &ListRow) -> Vec<String> {
    let names = Names::new(catalog, lang);
    let mut status = lang.t(&format!("status-{}", r.status));
    if r.suspend_operations {
        status = format!("{status} · {}", lang.t("list-suspended"));
    }
    vec![
        r.case_number.clone(),
        names.sector(&r.sector),
        r.street
            .as_deref()
            .map(|s| names.street(s))
            .unwrap_or_default(),
        r.enterprise.clone().unwrap_or_default(),
        r.address.clone(),
        r.hazard.clone(),
        lang.t(&format!("severity-{}", r.severity)),
        names.unit(&r.department),
        r.responsible_party.clone().unwrap_or_default(),
        r.measures.clone().unwrap_or_default(),
        r.deadline.map(|d| d.to_string()).unwrap_or_default(),
        status,
        r.days_overdue.to_string(),
        lang.try_t(&format!("history-channel-{}", r.channel))
            .unwrap_or_else(|| r.channel.clone()),
    ]
}

impl Services {
    /// A list as this staff member may see it; `export` records it in the audit log.
    pub fn list(&self, staff: &Staff, kind: ListKind, export: bool) -> ServiceResult<Vec<ListRow>> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        let unit = staff.scope();
        let today = self.today();
        let rows = {
            let mut reader = self.db.read()?;
            cases::with_files(&mut reader, unit.as_deref())?
        };
        let out: Vec<ListRow> = rows
            .into_iter()
            .filter_map(|(tip, file)| {
                let status = tip.status;
                kind.includes(status, &file)
                    .then(|| row(tip, file, status, today))
            })
            .collect();
        if export {
            self.db.write(|c| -> ServiceResult<()> {
                Ok(audit::append(
                    self,
                    c,
                    &NewEntry {
                        actor: &staff.username,
                        action: "export",
                        detail: Some(&format!("{} ({} rows)", kind.as_str(), out.len())),
                        ..NewEntry::default()
                    },
                )?)
            })?;
        }
        Ok(out)
    }
}

fn row(tip: TipRow, file: CaseFileRow, status: Status, today: chrono::NaiveDate) -> ListRow {
    let deadline = file.rectification_due.or(tip.next_deadline);
    let open = !matches!(
        status,
        Status::Rectified | Status::Closed | Status::Rejected
    );
    let days_overdue = match deadline {
        Some(d) if open && d < today => (today - d).num_days(),
        _ => 0,
    };
    ListRow {
        case_number: tip.case_number,
        sector: tip.sector,
        street: tip.street,
        enterprise: tip.enterprise,
        address: tip.address,
        hazard: tip.description,
        severity: tip.severity.as_str().to_owned(),
        department: tip.department,
        responsible_party: file.responsible_party,
        measures: file.measures,
        deadline,
        status: tip.status,
        suspend_operations: file.suspend_operations,
        days_overdue,
        channel: tip.channel.as_str().to_owned(),
    }
}
