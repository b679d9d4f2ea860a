//! Oversight (成效评估): the staff dashboard, the evaluation table and the periodic progress
//! report, for the whole district or one unit and a period. The figures come from
//! [`crate::domain::metrics`]; this module turns case files into facts and decides who may see
//! which scope.

use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::cases::{self, CaseFileRow, TipFacts};
use crate::domain::access::Permission;
use crate::domain::metrics::{self, CaseFacts, Group, Share};
use crate::domain::status::Status;
use crate::domain::tip::Channel;
use crate::services::auth::Staff;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use strum::VariantArray;

/// The longest period one dashboard or report covers.
pub const MAX_DAYS: i64 = 3 * 366;

/// Which deadline a case missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    Acceptance,
    Verification,
    Rectification,
}

impl Missed {
    pub fn as_str(self) -> &'static str {
        match self {
            Missed::Acceptance => "acceptance",
            Missed::Verification => "verification",
            Missed::Rectification => "rectification",
        }
    }
}

/// A case of the period that missed a legal or ordered time limit.
#[derive(Debug, Clone)]
pub struct OverdueCase {
    pub case_number: String,
    pub sector: String,
    pub street: Option<String>,
    pub department: String,
    pub status: Status,
    pub missed: Missed,
    pub due: NaiveDate,
    /// Days between the limit and the day it was met, or today when it still is not.
    pub days_late: i64,
    pub explanation: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Oversight {
    /// `None` for the whole district.
    pub unit: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Group,
    pub by_sector: Vec<Group>,
    pub by_street: Vec<Group>,
    pub by_department: Vec<Group>,
    /// By how the tips came in (the public's and the media's apart from instructions and
    /// referrals), only the channels that brought any.
    pub by_channel: Vec<Group>,
    pub weekly: Vec<(NaiveDate, i64)>,
    pub overdue: Vec<OverdueCase>,
    /// The notes of the judgments entered for this period, by unit (`services::evaluation`).
    pub judgment_notes: std::collections::HashMap<String, super::evaluation::Notes>,
}

impl Oversight {
    /// The name of the scope: a department or sub-district, or the whole district.
    pub fn scope_name(&self, names: Names) -> String {
        self.unit
            .as_deref()
            .map(|u| names.unit(u))
            .unwrap_or_else(|| names.lang.t("oversight-whole-district"))
    }
}

/// A share as pages and files show it (`50.0%`), `—` when nothing was due.
pub fn pct(s: Share) -> String {
    s.percent()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "—".into())
}

/// A number of days to one decimal, `—` when there is none.
pub fn days(d: Option<f64>) -> String {
    d.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into())
}

/// A group's score to one decimal, `—` when nothing was due.
pub fn score(g: &Group) -> String {
    days(g.score)
}

/// A period from optional `YYYY-MM-DD` texts; the default is the twelve weeks up to `today`.
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<(NaiveDate, NaiveDate)> {
    let parse = |s: Option<&str>, field: &'static str| -> ServiceResult<Option<NaiveDate>> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| ServiceError::field(field, "bad_date")),
        }
    };
    let sane = |d: Option<NaiveDate>, field: &'static str| match d {
        Some(d) if !(2000..=2100).contains(&d.year()) => {
            Err(ServiceError::field(field, "bad_date"))
        }
        d => Ok(d),
    };
    let to = sane(parse(to, "to")?, "to")?.unwrap_or(today);
    let from = sane(parse(from, "from")?, "from")?.unwrap_or(to - Duration::days(83));
    if from > to {
        return Err(ServiceError::field("to", "before_from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ServiceError::field("from", "period_too_long"));
    }
    Ok((from, to))
}

/// A reporting round: its label's message key, its first and its last day.
pub type Round = (&'static str, NaiveDate, NaiveDate);

/// The reporting rounds offered as one-click periods: this and last month, this and last
/// quarter, this year (the campaign reports monthly and quarterly), each up to `today`.
pub fn rounds(today: NaiveDate) -> [Round; 5] {
    let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).expect("a first of the month");
    let back = |y: i32, m: u32, n: i32| {
        let i = y * 12 + m as i32 - 1 - n;
        first(i.div_euclid(12), (i.rem_euclid(12) + 1) as u32)
    };
    let (y, m) = (today.year(), today.month());
    let month = first(y, m);
    let last_month = back(y, m, 1);
    let quarter = first(y, (m - 1) / 3 * 3 + 1);
    let last_quarter = back(quarter.year(), quarter.month(), 3);
    let day_before = |d: NaiveDate| d.pred_opt().expect("a day before");
    [
        ("oversight-round-this-month", month, today),
        ("oversight-round-last-month", last_month, day_before(month)),
        ("oversight-round-this-quarter", quarter, today),
        (
            "oversight-round-last-quarter",
            last_quarter,
            day_before(quarter),
        ),
        ("oversight-round-this-year", first(y, 1), today),
    ]
}

impl Services {
    /// The scope a staff member may look at: coordinators and inspectors any unit or the whole
    /// district, heads their own unit only; officers and finance not at all.
    pub fn oversight_scope(
        &self,
        staff: &Staff,
        unit: Option<&str>,
    ) -> ServiceResult<Option<String>> {
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        if !staff.may(Permission::ReadOversight) {
            return Err(ServiceError::Forbidden);
        }
        match (staff.scope(), unit) {
            // A head sees their own unit only.
            (Some(own), None) => Ok(Some(own)),
            (Some(own), Some(u)) if u == own => Ok(Some(own)),
            (Some(_), Some(_)) => Err(ServiceError::Forbidden),
            (None, None) => Ok(None),
            (None, Some(u)) if self.catalog.unit_kind(u).is_some() => Ok(Some(u.to_owned())),
            (None, Some(_)) => Err(ServiceError::field("unit", "unknown_unit")),
        }
    }

    /// The figures a staff member asked for: the scope checked with
    /// [`Services::oversight_scope`], the period read with [`period`] (texts as in the query).
    pub fn oversight_for(
        &self,
        staff: &Staff,
        unit: &str,
        from: &str,
        to: &str,
    ) -> ServiceResult<Oversight> {
        let unit = self.oversight_scope(staff, Some(unit))?;
        let (from, to) = period(Some(from), Some(to), self.today())?;
        self.oversight(unit.as_deref(), from, to)
    }

    /// The figures of any unit, or of the district (`None`), for the command line (`tipline
    /// report`, run by whoever runs the installation): an unknown unit is a field error.
    pub fn oversight_of(
        &self,
        unit: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> ServiceResult<Oversight> {
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        if unit.is_some_and(|u| self.catalog.unit_kind(u).is_none()) {
            return Err(ServiceError::field("department", "unknown_unit"));
        }
        let (from, to) = period(from, to, self.today())?;
        self.oversight(unit, from, to)
    }

    /// Each case received from `from` to `to` (both days included) in a scope, as the figures
    /// see it, and every limit those cases missed.
    pub fn period_facts(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<(Vec<CaseFacts>, Vec<OverdueCase>)> {
        // The date test below stays the authority.
        let range = self.utc_bounds(from, to);
        let rows = {
            let mut c = self.db.read()?;
            cases::facts_between(&mut c, unit, range)?
        };
        let today = self.today();
        let mut facts = Vec::new();
        let mut overdue = Vec::new();
        for (tip, file) in &rows {
            let submitted = self.local_date(tip.submitted_at);
            if submitted < from || submitted > to {
                continue;
            }
            let status = tip.status;
            let (fact, missed) = self.facts(tip, file, status, today);
            overdue.extend(missed);
            facts.push(fact);
        }
        Ok((facts, overdue))
    }

    /// The figures of a scope (checked with [`Services::oversight_scope`] first, or chosen on
    /// the command line) for tips received from `from` to `to`, both days included.
    pub fn oversight(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Oversight> {
        let (facts, mut overdue) = self.period_facts(unit, from, to)?;
        overdue.sort_by(|a, b| (b.days_late, &a.case_number).cmp(&(a.days_late, &b.case_number)));
        let w = &self.weights;
        let c = &self.catalog;
        let sectors = codes(c.sectors(), |s| &s.code);
        let streets = codes(c.streets(), |s| &s.code);
        let departments = codes(c.departments(), |d| &d.code);
        let channels: Vec<String> = Channel::VARIANTS
            .iter()
            .map(|ch| ch.as_str().to_owned())
            .collect();
        let all: Vec<&CaseFacts> = facts.iter().collect();
        // The judgments entered for a unit and this period weigh in its total.
        let judged = {
            let mut conn = self.db.read()?;
            self.period_judgments(&mut conn, (from, to))?
        };
        let judge = |groups: Vec<Group>| -> Vec<Group> {
            groups
                .into_iter()
                .map(|g| match judged.get(&g.key) {
                    Some((j, _)) => metrics::judged(g, *j, w),
                    None => g,
                })
                .collect()
        };
        let mut total = metrics::group("", &all, w);
        if let Some((j, _)) = unit.and_then(|u| judged.get(u)) {
            total = metrics::judged(total, *j, w);
        }
        Ok(Oversight {
            unit: unit.map(str::to_owned),
            from,
            to,
            total,
            by_sector: metrics::by(&facts, &sectors, |f| Some(f.sector.clone()), w),
            by_street: judge(metrics::by(&facts, &streets, |f| f.street.clone(), w)),
            by_department: judge(metrics::by(
                &facts,
                &departments,
                |f| Some(f.department.clone()),
                w,
            )),
            by_channel: metrics::by(&facts, &channels, |f| Some(f.channel.clone()), w)
                .into_iter()
                .filter(|g| g.received > 0)
                .collect(),
            weekly: metrics::weekly(&facts, from, to),
            overdue,
            judgment_notes: judged.into_iter().map(|(u, (_, n))| (u, n)).collect(),
        })
    }

    fn facts(
        &self,
        tip: &TipFacts,
        file: &CaseFileRow,
        status: Status,
        today: NaiveDate,
    ) -> (CaseFacts, Vec<OverdueCase>) {
        let days = |at: Option<NaiveDateTime>| {
            at.map(|at| (at - tip.submitted_at).num_minutes().max(0) as f64 / 1440.0)
        };
        let open = !status.is_final();
        let mut missed = Vec::new();
        let mut check = |kind: Missed, due: Option<NaiveDate>, done: Option<NaiveDateTime>| {
            let due = due?;
            let met_on = done.map(|d| self.local_date(d));
            let late_by = match met_on {
                Some(day) => (day - due).num_days(),
                None if open => (today - due).num_days(),
                None => return None,
            };
            if met_on.is_none() && late_by <= 0 {
                return None;
            }
            if late_by > 0 {
                missed.push(OverdueCase {
                    case_number: tip.case_number.clone(),
                    sector: tip.sector.clone(),
                    street: tip.street.clone(),
                    department: tip.department.clone(),
                    status: tip.status,
                    missed: kind,
                    due,
                    days_late: late_by,
                    explanation: (kind == Missed::Rectification)
                        .then(|| file.delay_explanation.clone())
                        .flatten(),
                });
            }
            Some(late_by <= 0)
        };
        // Refusing a tip (不予受理) is the acceptance decision too (tips refused before refusals
        // recorded `closed_at` fall back on their last change, which was the refusal).
        let decided = file.accepted_at.or_else(|| {
            (status == Status::Rejected).then(|| file.closed_at.unwrap_or(tip.updated_at))
        });
        let accepted_in_time = check(Missed::Acceptance, file.acceptance_due, decided);
        let verified_in_time = check(
            Missed::Verification,
            file.verification_due,
            file.verified_at,
        );
        let rectification_late = check(
            Missed::Rectification,
            file.rectification_due,
            file.rectified_at,
        ) == Some(false);
        let found_true = status.found_true(file.rectification_due.is_some());
        let fact = CaseFacts {
            case_number: tip.case_number.clone(),
            sector: tip.sector.clone(),
            street: tip.street.clone(),
            department: tip.department.clone(),
            channel: tip.channel.clone(),
            submitted: self.local_date(tip.submitted_at),
            accepted: file.accepted_at.is_some(),
            found_true,
            rectification_ordered: file.rectification_due.is_some(),
            rectified: file.rectified_at.is_some(),
            overdue: !missed.is_empty(),
            rectification_late,
            explained: file.delay_explanation.is_some(),
            days_to_acceptance: days(file.accepted_at),
            days_to_verification: days(file.verified_at),
            days_to_rectification: days(file.rectified_at),
            accepted_in_time,
            verified_in_time,
        };
        (fact, missed)
    }
}

/// The codes of a catalog table, in its order (the rows of a figures table).
fn codes<T>(items: &[T], code: fn(&T) -> &String) -> Vec<String> {
    items.iter().map(|x| code(x).clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_defaults_to_twelve_weeks_and_refuses_nonsense() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let (from, to) = period(None, None, today).unwrap();
        assert_eq!((to - from).num_days(), 83);
        assert_eq!(to, today);
        assert!(period(Some("2026-12-01"), Some("2026-11-01"), today).is_err());
        assert!(period(Some("2020-01-01"), Some("2026-11-01"), today).is_err());
        assert!(period(Some("yesterday"), None, today).is_err());
        assert!(period(None, Some("+262142-12-31"), today).is_err());
        assert!(period(Some("1900-01-01"), Some("1900-02-01"), today).is_err());
        let (from, to) = period(Some(" 2026-01-01 "), Some("2026-03-31"), today).unwrap();
        assert_eq!(
            (from.to_string(), to.to_string()),
            ("2026-01-01".into(), "2026-03-31".into())
        );
    }

    #[test]
    fn rounds_cover_whole_months_and_quarters() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let span = |r: Round| (r.1, r.2);
        let r = rounds(day(2026, 1, 15));
        assert_eq!(span(r[0]), (day(2026, 1, 1), day(2026, 1, 15)));
        assert_eq!(span(r[1]), (day(2025, 12, 1), day(2025, 12, 31)));
        assert_eq!(span(r[2]), (day(2026, 1, 1), day(2026, 1, 15)));
        assert_eq!(span(r[3]), (day(2025, 10, 1), day(2025, 12, 31)));
        assert_eq!(span(r[4]), (day(2026, 1, 1), day(2026, 1, 15)));
        let r = rounds(day(2026, 11, 28));
        assert_eq!(span(r[3]), (day(2026, 7, 1), day(2026, 9, 30)));
    }
}
