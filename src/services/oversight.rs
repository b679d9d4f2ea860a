//! Oversight (成效评估): the staff dashboard, the evaluation table and the periodic progress
//! report, for the whole district or one unit and a period. The figures come from
//! [`crate::domain::metrics`]; this module turns case files into facts and decides who may see
//! which scope.

use super::explanations::ExplanationView;
use super::figures::Stamp;
use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::cases::{self, CaseFileRow, TipFacts};
use crate::db::explanations;
use crate::db::hazards::{self, HazardRow};
use crate::db::rewards::{self, RewardRow};
use crate::db::{blacklist, exposures, supervision};
use crate::domain::access::Permission;
use crate::domain::explanation;
use crate::domain::hazard::{HazardStatus, Source};
use crate::domain::metrics::{self, CaseFacts, Group, Share};
use crate::domain::reward::RewardStatus;
use crate::domain::status::Status;
use crate::domain::supervision::AccountabilityFilter;
use crate::domain::tip::Channel;
use crate::domain::tip::Severity;
use crate::services::auth::Staff;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use strum::VariantArray;

/// The longest period one dashboard or report covers.
pub const MAX_DAYS: i64 = 3 * 366;

/// Which deadline a case missed (a case's time limit).
pub use crate::domain::deadlines::Limit as Missed;

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
    /// Days between the limit and the day it was met, or the period's end (today for a period
    /// not over yet) when it still was not then.
    pub days_late: i64,
    /// The written explanations of this limit, oldest first, each with its decision.
    pub explanations: Vec<ExplanationView>,
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
    pub overdue: std::sync::Arc<[OverdueCase]>,
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

/// How many hazards one source (`tip`, `self_inspection`…) found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceCount {
    pub source: String,
    pub count: i64,
}

/// The campaign's figures of a scope for a period, as of its last day: hazards (隐患) found,
/// rectified and struck off, what was published and listed, rewards and accountability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignFigures {
    /// Hazards found in the period, by source (every source, in its order).
    pub found_by_source: Vec<SourceCount>,
    pub found: i64,
    /// Of those, major hazards (重大事故隐患).
    pub major: i64,
    /// Of those, under a suspension order (停产停业).
    pub suspended: i64,
    /// Rectification reported in the period.
    pub rectified: i64,
    /// Struck off (销号) in the period.
    pub closed: i64,
    /// Not struck off by the period's end although the campaign had ended by then or their
    /// deadline runs past its end (`[campaign] ends`).
    pub open_past_campaign_end: i64,
    /// Published on the exposure list in the period and not withdrawn by its end.
    pub exposures: i64,
    /// Blacklisted in the period and not withdrawn by its end.
    pub blacklistings: i64,
    /// Rewards approved in the period (and not since rejected), their count and sum in fen.
    pub rewards_approved: i64,
    pub rewards_approved_fen: i64,
    /// Rewards paid in the period.
    pub rewards_paid: i64,
    pub rewards_paid_fen: i64,
    /// Accountability measures (问责) decided in the period.
    pub accountability: i64,
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
    /// see it, and every limit those cases missed, judged as of the end of `to` (or now, for a
    /// period not over yet): what staff did later does not change a period's figures.
    pub fn period_facts(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<(Vec<CaseFacts>, Vec<OverdueCase>)> {
        self.period_facts_as_of(unit, from, to, self.as_of(from, to))
    }

    /// The moment the figures of `from`–`to` are judged at now: the end of `to`, or now for
    /// a period not over yet (a step taken this very second counts).
    pub(super) fn as_of(&self, from: NaiveDate, to: NaiveDate) -> AsOf {
        let range = self.utc_bounds(from, to);
        AsOf {
            day: to.min(self.today()),
            end: range.1.min(self.now() + Duration::seconds(1)),
        }
    }

    /// What the kept figures of `from`–`to` are checked against: the change counters of the
    /// period's UTC days of submission and the moment [`Services::as_of`] judges at.
    pub(super) fn figure_stamp(&self, from: NaiveDate, to: NaiveDate) -> ServiceResult<Stamp> {
        let as_of = self.as_of(from, to);
        let (first, end) = self.utc_bounds(from, to);
        let last = (end - Duration::seconds(1)).date();
        let mut c = self.db.read()?;
        let versions = cases::figure_versions(&mut c, (first.date(), last))?;
        Ok(Stamp {
            versions,
            day: as_of.day,
            end: as_of.end,
        })
    }

    pub(super) fn period_facts_as_of(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        as_of: AsOf,
    ) -> ServiceResult<(Vec<CaseFacts>, Vec<OverdueCase>)> {
        // The date test below stays the authority.
        let range = self.utc_bounds(from, to);
        let (rows, told, explained) = {
            let mut c = self.db.read()?;
            let rows = cases::facts_between(&mut c, unit, range)?;
            let told = cases::staff_messages_between(&mut c, unit, range)?;
            let mut explained: HashMap<String, Vec<ExplanationView>> = HashMap::new();
            let written = explanations::of_tips_received(&mut c, range)?;
            let (numbers, written): (Vec<String>, Vec<_>) = written.into_iter().unzip();
            for (case, e) in numbers
                .into_iter()
                .zip(self.explanation_views(&mut c, written)?)
            {
                explained.entry(case).or_default().push(e);
            }
            (rows, told, explained)
        };
        let mut replies: HashMap<&str, Vec<NaiveDateTime>> = HashMap::new();
        for (case_number, at) in &told {
            replies.entry(case_number.as_str()).or_default().push(*at);
        }
        let mut facts = Vec::new();
        let mut overdue = Vec::new();
        for (tip, file) in &rows {
            let submitted = self.local_date(tip.submitted_at);
            if submitted < from || submitted > to {
                continue;
            }
            let told = replies.get(tip.case_number.as_str()).map(Vec::as_slice);
            let written = explained
                .get(&tip.case_number)
                .map_or(&[][..], Vec::as_slice);
            let (fact, missed) = self.facts(tip, (file, written), as_of, told.unwrap_or_default());
            overdue.extend(missed);
            facts.push(fact);
        }
        Ok((facts, overdue))
    }

    /// The figures of a scope (checked with [`Services::oversight_scope`] first, or chosen on
    /// the command line) for tips received from `from` to `to`, both days included.
    ///
    /// Kept while the rows they read are unchanged (`services::figures`); the judgments
    /// entered for the period are read each time.
    pub fn oversight(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Oversight> {
        let kept = self.oversight_kept(unit, from, to)?;
        self.judged((*kept).clone(), from, to)
    }

    /// The kept figures of a scope and period before the judgments weigh in.
    fn oversight_kept(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<std::sync::Arc<Oversight>> {
        let key = (unit.map(str::to_owned), from, to);
        self.figures.oversight.get(
            &key,
            || self.figure_stamp(from, to),
            |stamp| self.unjudged(unit, from, to, AsOf::of(stamp)),
        )
    }

    /// Works out the figures staff open first: the whole district's dashboard and supervision
    /// timeliness for the default twelve weeks. The server runs it in the background when it
    /// starts, so the first person to open the dashboard after a start is answered from kept
    /// figures rather than waiting while a million tips' twelve weeks are read (about a
    /// second). Figures stay exact: a request that finds them stale works them out itself.
    pub fn warm_figures(&self) -> ServiceResult<()> {
        let (from, to) = period(None, None, self.today())?;
        self.oversight_kept(None, from, to)?;
        self.timeliness_in(None, from, to)?;
        Ok(())
    }

    /// [`Services::oversight`] worked out from the rows, nothing kept (tests compare the two).
    pub fn oversight_fresh(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<Oversight> {
        let o = self.unjudged(unit, from, to, self.as_of(from, to))?;
        self.judged(o, from, to)
    }

    /// The figures with the judgments entered for a unit and the period weighed in.
    fn judged(&self, mut o: Oversight, from: NaiveDate, to: NaiveDate) -> ServiceResult<Oversight> {
        let w = &self.weights;
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
        if let Some((j, _)) = o.unit.as_deref().and_then(|u| judged.get(u)) {
            o.total = metrics::judged(o.total, *j, w);
        }
        o.by_street = judge(std::mem::take(&mut o.by_street));
        o.by_department = judge(std::mem::take(&mut o.by_department));
        o.judgment_notes = judged.into_iter().map(|(u, (_, n))| (u, n)).collect();
        Ok(o)
    }

    /// The figures from the rows, as of `as_of`, without the entered judgments.
    fn unjudged(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        as_of: AsOf,
    ) -> ServiceResult<Oversight> {
        let (facts, mut overdue) = self.period_facts_as_of(unit, from, to, as_of)?;
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
        Ok(Oversight {
            unit: unit.map(str::to_owned),
            from,
            to,
            total: metrics::group("", &all, w),
            by_sector: metrics::by(&facts, &sectors, |f| Some(f.sector.clone()), w),
            by_street: metrics::by(&facts, &streets, |f| f.street.clone(), w),
            by_department: metrics::by(&facts, &departments, |f| Some(f.department.clone()), w),
            by_channel: metrics::by(&facts, &channels, |f| Some(f.channel.clone()), w)
                .into_iter()
                .filter(|g| g.received > 0)
                .collect(),
            weekly: metrics::weekly(&facts, from, to),
            overdue: overdue.into(),
            judgment_notes: HashMap::new(),
        })
    }

    /// The campaign's figures of a scope (checked by the caller) for `from`–`to`, as of `to`:
    /// a step taken after `to` is not counted.
    pub fn campaign_figures(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<CampaignFigures> {
        let range = self.utc_bounds(from, to);
        let end = range.1;
        let in_period = |d: Option<NaiveDate>| d.is_some_and(|d| from <= d && d <= to);
        let mut c = self.db.read()?;
        let found = hazards::found_until(&mut c, unit, to)?;
        let rewards = rewards::decided_or_paid_between(&mut c, unit, range)?;
        let exposed = exposures::published_between(&mut c, unit, range)?;
        let listed = blacklist::listed_between(&mut c, from, to)?;
        let filter = AccountabilityFilter {
            unit: unit.map(str::to_owned),
            from: Some(from),
            to: Some(to),
            ..AccountabilityFilter::default()
        };
        let accountability = supervision::accountability(&mut c, &filter)?.len() as i64;
        drop(c);
        let of_period: Vec<&HazardRow> = found
            .iter()
            .filter(|h| in_period(Some(h.found_on)))
            .collect();
        let count = |f: &dyn Fn(&HazardRow) -> bool| found.iter().filter(|h| f(h)).count() as i64;
        let closed_by_end = |h: &HazardRow| {
            h.status == HazardStatus::Closed && h.reviewed_on.is_some_and(|d| d <= to)
        };
        let ends = self.campaign.ends;
        let withdrawn_by_end = |at: Option<NaiveDateTime>| at.is_some_and(|t| t < end);
        let supervised_by = |street: &str, sector: &str| match unit {
            None => true,
            Some(u) => street == u || self.catalog.sector(sector).is_some_and(|s| s.lead == u),
        };
        let granted = |r: &&RewardRow| {
            in_range(r.decided_at, range)
                && matches!(
                    r.status,
                    RewardStatus::Approved
                        | RewardStatus::Claimed
                        | RewardStatus::Paid
                        | RewardStatus::Expired
                )
        };
        let paid = |r: &&RewardRow| in_range(r.paid_at, range);
        let fen = |rs: &[&RewardRow]| rs.iter().map(|r| r.amount_fen.0).sum::<i64>();
        let approved: Vec<&RewardRow> = rewards.iter().filter(granted).collect();
        let paid: Vec<&RewardRow> = rewards.iter().filter(paid).collect();
        Ok(CampaignFigures {
            found_by_source: Source::VARIANTS
                .iter()
                .map(|s| SourceCount {
                    source: s.as_str().to_owned(),
                    count: of_period.iter().filter(|h| h.source == *s).count() as i64,
                })
                .collect(),
            found: of_period.len() as i64,
            major: of_period
                .iter()
                .filter(|h| h.grade == Severity::Major)
                .count() as i64,
            suspended: of_period.iter().filter(|h| h.suspend_operations).count() as i64,
            rectified: count(&|h| in_period(h.rectified_on)),
            closed: count(&|h| closed_by_end(h) && in_period(h.reviewed_on)),
            open_past_campaign_end: count(&|h| {
                !closed_by_end(h) && (to > ends || h.deadline > ends)
            }),
            exposures: exposed
                .iter()
                .filter(|x| !withdrawn_by_end(x.withdrawn_at))
                .count() as i64,
            blacklistings: listed
                .iter()
                .filter(|(b, street, sector)| {
                    !withdrawn_by_end(b.withdrawn_at) && supervised_by(street, sector)
                })
                .count() as i64,
            rewards_approved: approved.len() as i64,
            rewards_approved_fen: fen(&approved),
            rewards_paid: paid.len() as i64,
            rewards_paid_fen: fen(&paid),
            accountability,
        })
    }

    fn facts(
        &self,
        tip: &TipFacts,
        (file, written): (&CaseFileRow, &[ExplanationView]),
        as_of: AsOf,
        told: &[NaiveDateTime],
    ) -> (CaseFacts, Vec<OverdueCase>) {
        let status = tip.status;
        let by_end = |at: Option<NaiveDateTime>| at.filter(|t| *t < as_of.end);
        let days = |at: Option<NaiveDateTime>| {
            by_end(at).map(|at| (at - tip.submitted_at).num_minutes().max(0) as f64 / 1440.0)
        };
        // When the case ended (a final status without `closed_at` ended at its last change);
        // one that ended after the period's end was still open then.
        let ended = file.closed_at.unwrap_or(tip.updated_at);
        let open = !status.is_final() || ended >= as_of.end;
        let mut missed = Vec::new();
        let mut check =
            |kind: Missed, due: Option<NaiveDate>, done: Option<NaiveDateTime>, open: bool| {
                let due = due?;
                let met_on = by_end(done).map(|d| self.local_date(d));
                let late_by = match met_on {
                    Some(day) => (day - due).num_days(),
                    None if open || done.is_some() => (as_of.day - due).num_days(),
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
                        explanations: written
                            .iter()
                            .filter(|e| e.limit == kind)
                            .cloned()
                            .collect(),
                    });
                }
                Some(late_by <= 0)
            };
        // Refusing a tip (不予受理) is the acceptance decision too (tips refused before refusals
        // recorded `closed_at` fall back on their last change, which was the refusal).
        let decided = file.accepted_at.or_else(|| {
            (status == Status::Rejected).then(|| file.closed_at.unwrap_or(tip.updated_at))
        });
        let accepted_in_time = check(Missed::Acceptance, file.acceptance_due, decided, open);
        let verified = by_end(file.verified_at);
        let verified_in_time = check(
            Missed::Verification,
            file.verification_due,
            file.verified_at,
            open,
        );
        // The reporter is to be told the result within the feedback limit of the verification;
        // the first message to them after it meets the limit (which the case file then clears,
        // so the limit is worked out again from the day of verification). The limit runs on an
        // unsubstantiated tip too, until the case is closed.
        if let Some(at) = verified {
            let due = file.feedback_due.unwrap_or_else(|| {
                self.local_date(at) + Duration::days(i64::from(self.time_limits.feedback_days))
            });
            let first_told = told.iter().copied().find(|t| *t >= at);
            let running = file.closed_at.is_none_or(|c| c >= as_of.end)
                && !matches!(status, Status::Rejected | Status::Duplicate);
            check(Missed::Feedback, Some(due), first_told, running);
        }
        let rectification_late = check(
            Missed::Rectification,
            file.rectification_due,
            file.rectified_at,
            open,
        ) == Some(false);
        let explained = file
            .rectification_due
            .is_some_and(|due| self.stands_explained(written, Missed::Rectification, due));
        let overdue_accepted = !missed.is_empty()
            && missed
                .iter()
                .all(|m| explanation::accepted(m.explanations.iter().map(|e| e.decision)));
        let found_true = verified.is_some() && status.found_true(file.rectification_due.is_some());
        let fact = CaseFacts {
            case_number: tip.case_number.clone(),
            sector: tip.sector.clone(),
            street: tip.street.clone(),
            department: tip.department.clone(),
            channel: tip.channel.clone(),
            submitted: self.local_date(tip.submitted_at),
            accepted: by_end(file.accepted_at).is_some(),
            found_true,
            rectification_ordered: file.rectification_due.is_some(),
            rectified: by_end(file.rectified_at).is_some(),
            overdue: !missed.is_empty(),
            rectification_late,
            explained,
            overdue_accepted,
            days_to_acceptance: days(file.accepted_at),
            days_to_verification: days(file.verified_at),
            days_to_rectification: days(file.rectified_at),
            accepted_in_time,
            verified_in_time,
        };
        (fact, missed)
    }
}

/// Whether a stored instant falls in `[from, to)`.
fn in_range(at: Option<NaiveDateTime>, (from, to): (NaiveDateTime, NaiveDateTime)) -> bool {
    at.is_some_and(|t| from <= t && t < to)
}

/// The moment a period's figures are judged at: the end of its last day (local), or now when
/// that is still to come.
#[derive(Debug, Clone, Copy)]
pub(super) struct AsOf {
    /// The local date of `end`'s day (the period's last day, or today).
    day: NaiveDate,
    /// Stored UTC: whatever happened at or after it did not happen yet.
    end: NaiveDateTime,
}

impl AsOf {
    /// The moment a kept result's stamp judges at.
    pub(super) fn of(stamp: &Stamp) -> AsOf {
        AsOf {
            day: stamp.day,
            end: stamp.end,
        }
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
