//! Supervision groups (督查组) and accountability (问责): findings of spot checks, unannounced
//! visits and case reviews against a unit (optionally about one case or hazard); the timeliness
//! view of public and media tips (were they accepted and verified within their limits?); and the
//! accountability measures the district office records against a unit or an enterprise.

use super::audit::append;
use super::auth::Staff;
use super::hazards::{Fields, date_field, filled};
use super::oversight::{AsOf, period};
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::NewEntry;
use crate::db::supervision::{self as db, AccountabilityRow, FindingRow};
use crate::db::{enterprises, hazards, tips};
use crate::domain::access::Permission;
use crate::domain::hazard::HazardId;
use crate::domain::supervision::AccountabilityFilter;
use crate::domain::supervision::{AccountabilityKind, Conclusion, FindingKind};
use crate::domain::tip::{Channel, text_field};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A finding as a supervision group writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FindingInput {
    /// `spot_check`, `unannounced_visit` or `case_review`.
    pub kind: Option<String>,
    /// The department's or sub-district's code.
    pub unit: Option<String>,
    pub case_number: Option<String>,
    pub hazard_id: Option<i64>,
    pub finding: Option<String>,
    /// `ok` or `problem`.
    pub conclusion: Option<String>,
}

/// A recorded finding.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: i64,
    pub kind: FindingKind,
    pub unit: String,
    #[schema(required)]
    pub case_number: Option<String>,
    #[schema(required)]
    pub hazard_number: Option<String>,
    pub finding: String,
    pub conclusion: Conclusion,
    pub recorded_by: String,
    /// The display name of who recorded it, as pages name people (not in the JSON).
    #[serde(skip)]
    pub recorded_by_name: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub recorded_at: NaiveDateTime,
    /// The supervision group (督查组) of the inspector who recorded it: its code; null for
    /// the coordinator or an inspector in no group.
    #[schema(required)]
    pub group: Option<String>,
}

/// One public or media tip of the period, and whether it was taken up and verified in time
/// (`null`: not due yet).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelyTip {
    pub case_number: String,
    pub channel: String,
    #[schema(value_type = String)]
    pub submitted: NaiveDate,
    #[schema(required)]
    pub accepted_in_time: Option<bool>,
    #[schema(required)]
    pub verified_in_time: Option<bool>,
}

impl TimelyTip {
    /// Missed a limit (acceptance or verification).
    pub fn late(&self) -> bool {
        self.accepted_in_time == Some(false) || self.verified_in_time == Some(false)
    }
}

/// A unit's public and media tips of the period, those that missed a limit first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitTimeliness {
    pub unit: String,
    /// How many missed a limit.
    pub late: usize,
    pub tips: Vec<TimelyTip>,
}

/// The timeliness view of a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeliness {
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    /// Units with late tips first.
    pub units: Vec<UnitTimeliness>,
}

/// An accountability measure as the district office writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AccountabilityInput {
    /// `warning_notice`, `interview`, `listed_supervision`, `circular` or `referral`.
    pub kind: Option<String>,
    /// The department or sub-district held to account.
    pub unit: Option<String>,
    pub enterprise_id: Option<i64>,
    /// The cases it answers.
    pub case_numbers: Option<Vec<String>>,
    /// `YYYY-MM-DD`
    pub decided_on: Option<String>,
    pub summary: Option<String>,
}

/// A recorded accountability measure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountabilityView {
    pub id: i64,
    pub kind: AccountabilityKind,
    #[schema(required)]
    pub unit: Option<String>,
    #[schema(required)]
    pub enterprise_id: Option<i64>,
    #[schema(required)]
    pub enterprise: Option<String>,
    pub case_numbers: Vec<String>,
    #[schema(value_type = String)]
    pub decided_on: NaiveDate,
    pub summary: String,
    pub recorded_by: String,
    /// The display name of who recorded it, as pages name people (not in the JSON).
    #[serde(skip)]
    pub recorded_by_name: String,
}

/// Channels the supervision groups check: the public's own (the site, the API, Open311) and
/// the media.
fn supervised_channel(channel: &str) -> bool {
    channel.parse::<Channel>().is_ok_and(|c| {
        matches!(
            c,
            Channel::Web | Channel::Api | Channel::Open311 | Channel::Media
        )
    })
}

/// A kind from its name: `required` or `unknown_kind` otherwise.
fn choice<T: std::str::FromStr>(f: &mut Fields, field: &'static str, v: Option<&str>) -> Option<T> {
    match filled(v) {
        None => {
            f.err(field, "required");
            None
        }
        Some(s) => s.parse().ok().or_else(|| {
            f.err(field, "unknown_kind");
            None
        }),
    }
}

impl Services {
    fn known_unit(&self, f: &mut Fields, value: Option<&str>, required: bool) -> Option<String> {
        match filled(value) {
            None if required => {
                f.err("unit", "required");
                None
            }
            None => None,
            Some(u) if self.catalog.unit_kind(u).is_some() => Some(u.to_owned()),
            Some(_) => {
                f.err("unit", "unknown_unit");
                None
            }
        }
    }

    /// Records a supervision group's finding (coordinator or inspector).
    pub fn record_finding(
        &self,
        staff: &Staff,
        input: &FindingInput,
    ) -> ServiceResult<FindingView> {
        if !staff.may(Permission::RecordFindings) {
            return Err(ServiceError::Forbidden);
        }
        self.db.write(|conn| {
            let mut f = Fields::default();
            let kind: Option<FindingKind> = choice(&mut f, "kind", input.kind.as_deref());
            let conclusion: Option<Conclusion> =
                choice(&mut f, "conclusion", input.conclusion.as_deref());
            let unit = self.known_unit(&mut f, input.unit.as_deref(), true);
            let text = f.take(text_field("finding", input.finding.as_deref(), (5, 2_000)));
            let tip_id = match filled(input.case_number.as_deref()) {
                None => None,
                Some(n) => match tips::find_by_case_number(conn, n)? {
                    Some(t) => Some(t.id.0),
                    None => {
                        f.err("case_number", "unknown_case");
                        None
                    }
                },
            };
            let hazard_id = match input.hazard_id {
                None => None,
                Some(h) => match hazards::find(conn, HazardId(h))? {
                    Some(h) => Some(h.id.0),
                    None => {
                        f.err("hazard_id", "unknown_hazard");
                        None
                    }
                },
            };
            let (Some(kind), Some(conclusion), Some(unit), true) =
                (kind, conclusion, unit, f.errors.is_empty())
            else {
                return Err(ServiceError::Validation(f.errors));
            };
            let row = FindingRow {
                id: 0,
                kind,
                unit,
                tip_id,
                hazard_id,
                finding: text,
                conclusion,
                recorded_by: staff.username.clone(),
                recorded_at: self.now(),
                inspector_group: crate::db::staff::find_by_username(conn, &staff.username)?
                    .and_then(|s| s.supervision_group),
            };
            let id = db::insert_finding(conn, &row)?;
            let detail = format!("{} {} {}", row.kind, row.unit, row.conclusion);
            self.audit_entry(conn, staff, "supervision_finding", None, &detail)?;
            let case_number = match tip_id {
                Some(t) => tips::find(conn, t.into())?.map(|t| t.case_number),
                None => None,
            };
            let hazard_number = match hazard_id {
                Some(h) => hazards::find(conn, HazardId(h))?.map(|h| h.number),
                None => None,
            };
            Ok(finding_view(
                FindingRow { id, ..row },
                case_number,
                hazard_number,
            ))
        })
    }

    pub(super) fn audit_entry(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        action: &str,
        case_number: Option<&str>,
        detail: &str,
    ) -> ServiceResult<()> {
        let entry = NewEntry {
            actor: &staff.username,
            action,
            case_number,
            detail: Some(detail),
            ..NewEntry::default()
        };
        append(self, conn, &entry)?;
        Ok(())
    }

    /// Findings of a period (texts as in the query), for one unit or all, of one supervision
    /// group or all. Coordinators and inspectors see every unit's; a head their own unit's.
    pub fn findings(
        &self,
        staff: &Staff,
        (unit, group): (Option<&str>, Option<&str>),
        (from, to): (Option<&str>, Option<&str>),
    ) -> ServiceResult<(NaiveDate, NaiveDate, Vec<FindingView>)> {
        let unit = self.oversight_scope(staff, unit)?;
        let group = filled(group);
        if group.is_some_and(|g| !self.supervision_groups.iter().any(|x| x.code == g)) {
            return Err(ServiceError::field("group", "unknown_group"));
        }
        let (from, to) = period(from, to, self.today())?;
        let mut conn = self.db.read()?;
        let scope = (unit.as_deref(), group);
        let rows = db::findings(&mut conn, scope, self.utc_bounds(from, to))?;
        let people = self.people(&mut conn)?;
        let views = rows
            .into_iter()
            .map(|(r, case, hazard)| finding_view(r, case, hazard))
            .map(|mut f| {
                if let Some(name) = people.get(&f.recorded_by) {
                    f.recorded_by_name = name.clone();
                }
                f
            })
            .collect();
        Ok((from, to, views))
    }

    /// Every public and media tip received in the period, per lead department and
    /// sub-district, and whether each was accepted and verified within its limit.
    pub fn timeliness(
        &self,
        staff: &Staff,
        period: (Option<&str>, Option<&str>),
    ) -> ServiceResult<Timeliness> {
        Ok((*self.timeliness_kept(staff, period)?).clone())
    }

    /// [`Services::timeliness`], shared.
    pub fn timeliness_kept(
        &self,
        staff: &Staff,
        (from, to): (Option<&str>, Option<&str>),
    ) -> ServiceResult<Arc<Timeliness>> {
        let unit = self.oversight_scope(staff, None)?;
        let (from, to) = period(from, to, self.today())?;
        self.timeliness_in(unit.as_deref(), from, to)
    }

    /// The timeliness view of a scope (checked by the caller), kept while the rows it reads
    /// are unchanged (`services::figures`).
    pub fn timeliness_in(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Arc<Timeliness>> {
        self.figures.timeliness.get(
            &(unit.map(str::to_owned), from, to),
            || self.figure_stamp(from, to),
            |stamp| self.timeliness_of(unit, (from, to), AsOf::of(stamp)),
        )
    }

    /// [`Services::timeliness_in`] worked out from the rows, nothing kept (tests compare the
    /// two).
    pub fn timeliness_fresh(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Timeliness> {
        self.timeliness_of(unit, (from, to), self.as_of(from, to))
    }

    fn timeliness_of(
        &self,
        unit: Option<&str>,
        (from, to): (NaiveDate, NaiveDate),
        as_of: AsOf,
    ) -> ServiceResult<Timeliness> {
        let unit = unit.map(str::to_owned);
        let (facts, _) = self.period_facts_as_of(unit.as_deref(), from, to, as_of)?;
        let mut units: Vec<UnitTimeliness> = Vec::new();
        for fact in facts.iter().filter(|f| supervised_channel(&f.channel)) {
            let tip = TimelyTip {
                case_number: fact.case_number.clone(),
                channel: fact.channel.clone(),
                submitted: fact.submitted,
                accepted_in_time: fact.accepted_in_time,
                verified_in_time: fact.verified_in_time,
            };
            let mut add = |code: &str| match units.iter_mut().find(|u| u.unit == code) {
                Some(u) => u.tips.push(tip.clone()),
                None => units.push(UnitTimeliness {
                    unit: code.to_owned(),
                    late: 0,
                    tips: vec![tip.clone()],
                }),
            };
            add(&fact.department);
            if let Some(street) = &fact.street {
                add(street);
            }
        }
        if let Some(own) = &unit {
            units.retain(|u| &u.unit == own);
        }
        for u in &mut units {
            u.tips.sort_by(|a, b| {
                (b.late(), a.submitted, &a.case_number).cmp(&(
                    a.late(),
                    b.submitted,
                    &b.case_number,
                ))
            });
            u.late = u.tips.iter().filter(|t| t.late()).count();
        }
        units.sort_by(|a, b| (b.late, &a.unit).cmp(&(a.late, &b.unit)));
        Ok(Timeliness { from, to, units })
    }

    /// Records an accountability measure (the coordinator): against a unit, an enterprise or
    /// both, with the cases it answers.
    pub fn record_accountability(
        &self,
        staff: &Staff,
        input: &AccountabilityInput,
    ) -> ServiceResult<AccountabilityView> {
        if !staff.may(Permission::RecordAccountability) {
            return Err(ServiceError::Forbidden);
        }
        self.db.write(|conn| {
            let mut f = Fields::default();
            let kind: Option<AccountabilityKind> = choice(&mut f, "kind", input.kind.as_deref());
            let unit = self.known_unit(&mut f, input.unit.as_deref(), false);
            let enterprise = match input.enterprise_id {
                None => None,
                Some(id) => match enterprises::find(conn, id)? {
                    Some(e) => Some(e),
                    None => {
                        f.err("enterprise_id", "unknown_enterprise");
                        None
                    }
                },
            };
            if filled(input.unit.as_deref()).is_none() && input.enterprise_id.is_none() {
                f.err("unit", "unit_or_enterprise");
            }
            let decided_on = f.take(date_field("decided_on", input.decided_on.as_deref()));
            if decided_on > self.today() {
                f.err("decided_on", "date_in_future");
            }
            let summary = f.take(text_field("summary", input.summary.as_deref(), (5, 2_000)));
            let mut tip_ids = Vec::new();
            for n in input.case_numbers.iter().flatten() {
                let n = n.trim();
                if n.is_empty() {
                    continue;
                }
                match tips::find_by_case_number(conn, n)? {
                    Some(t) if !tip_ids.contains(&t.id.0) => tip_ids.push(t.id.0),
                    Some(_) => {}
                    None => f.err("case_numbers", "unknown_case"),
                }
            }
            let (Some(kind), true) = (kind, f.errors.is_empty()) else {
                return Err(ServiceError::Validation(f.errors));
            };
            let row = AccountabilityRow {
                id: 0,
                kind,
                unit,
                enterprise_id: enterprise.as_ref().map(|e| e.id),
                decided_on,
                summary,
                recorded_by: staff.username.clone(),
                recorded_at: self.now(),
            };
            let id = db::insert_accountability(conn, &row, &tip_ids)?;
            let target = [
                row.unit.clone(),
                enterprise.as_ref().map(|e| e.name.clone()),
            ];
            let detail = format!(
                "{} {}",
                row.kind,
                target.into_iter().flatten().collect::<Vec<_>>().join(" / ")
            );
            self.audit_entry(conn, staff, "accountability_recorded", None, &detail)?;
            let filter = AccountabilityFilter::default();
            db::accountability(conn, &filter)?
                .into_iter()
                .find(|(r, _, _)| r.id == id)
                .map(accountability_view)
                .ok_or(ServiceError::NotFound)
        })
    }

    /// Accountability records of a unit, an enterprise, or all, decided in an optional period.
    /// Staff who read cases see them (the measures are the district's own decisions).
    pub fn accountability(
        &self,
        staff: &Staff,
        filter: AccountabilityFilter,
    ) -> ServiceResult<Vec<AccountabilityView>> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        let mut conn = self.db.read()?;
        let people = self.people(&mut conn)?;
        let mut records = accountability_in(&mut conn, &filter)?;
        for r in &mut records {
            if let Some(name) = people.get(&r.recorded_by) {
                r.recorded_by_name = name.clone();
            }
        }
        Ok(records)
    }
}

/// Accountability records as `filter` asks, on the caller's connection (an enterprise's view
/// reads them in its own transaction); the caller has checked that its reader may see them.
pub(super) fn accountability_in(
    conn: &mut DbConn,
    filter: &AccountabilityFilter,
) -> diesel::QueryResult<Vec<AccountabilityView>> {
    Ok(db::accountability(conn, filter)?
        .into_iter()
        .map(accountability_view)
        .collect())
}

fn finding_view(
    r: FindingRow,
    case_number: Option<String>,
    hazard_number: Option<String>,
) -> FindingView {
    FindingView {
        id: r.id,
        kind: r.kind,
        unit: r.unit,
        case_number,
        hazard_number,
        finding: r.finding,
        conclusion: r.conclusion,
        recorded_by_name: r.recorded_by.clone(),
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
        group: r.inspector_group,
    }
}

fn accountability_view((r, enterprise, case_numbers): db::Accountability) -> AccountabilityView {
    AccountabilityView {
        id: r.id,
        kind: r.kind,
        unit: r.unit,
        enterprise_id: r.enterprise_id,
        enterprise,
        case_numbers,
        decided_on: r.decided_on,
        summary: r.summary,
        recorded_by_name: r.recorded_by.clone(),
        recorded_by: r.recorded_by,
    }
}
