//! Progress reports that are signed and sent (工作报告): a unit's report, or the district's
//! summary, saved with its figures frozen as of the period's end (the case figures of
//! [`Services::oversight`], judged as of that day, and the campaign's of
//! [`Services::campaign_figures`]), the three narrative sections (工作开展情况、存在问题、下步打算),
//! then 审核, 签发 and the submission to 区安委办, each step allowed by
//! `domain::report::decide` and written to the audit log. The coordinator sees, for a round,
//! which departments and sub-districts have submitted.

use super::auth::Staff;
use super::hazards::{Fields, date_field, filled, nul_free};
use super::oversight::{CampaignFigures, MAX_DAYS, Missed, rounds};
use super::{ServiceError, ServiceResult, Services};
use crate::db::reports::{self as db, ReportRow};
use crate::domain::access::Permission;
use crate::domain::report::{
    Actor, Refusal, ReportStatus, ReportStep, SignerRole, decide, round_label, signer_role,
};
use crate::domain::roles::Role;
use crate::domain::tip::clean_text;
use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// The longest a narrative section may be, in characters.
pub const SECTION_LEN: usize = 5_000;

/// A new report: the unit (none: the district's summary, the coordinator's), the period
/// (`YYYY-MM-DD`, both days included; its end not after today) and the narrative.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReportInput {
    pub unit: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub narrative: Option<Narrative>,
}

/// The three narrative sections of a report (each may be empty in a draft).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Narrative {
    /// 工作开展情况
    pub progress: String,
    /// 存在问题
    pub problems: String,
    /// 下步打算
    pub next_steps: String,
}

/// How many limits the period's cases missed, by limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breaches {
    pub acceptance: i64,
    pub verification: i64,
    /// The reporter not told the verification's result in time.
    pub feedback: i64,
    pub rectification: i64,
}

/// A case of the period that missed a limit, as it stood at the period's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FrozenOverdue {
    pub case_number: String,
    pub sector: String,
    #[schema(required)]
    pub street: Option<String>,
    pub department: String,
    /// `acceptance`, `verification`, `feedback` or `rectification`.
    pub missed: String,
    #[schema(value_type = String)]
    pub due: NaiveDate,
    pub days_late: i64,
    /// Its written explanations as they stood when the report was saved, oldest first.
    pub explanations: Vec<FrozenExplanation>,
}

/// A written explanation of a missed limit, as a saved report keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FrozenExplanation {
    pub text: String,
    #[schema(required, value_type = Option<String>)]
    pub new_date: Option<NaiveDate>,
    /// `awaiting`, `accepted` or `returned` (区安委办's answer).
    pub standing: String,
}

/// The figures of a report, frozen when it was saved, as of the period's end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportFigures {
    /// The day the figures were judged as of (the period's last day).
    #[schema(value_type = String)]
    pub as_of: NaiveDate,
    pub received: i64,
    pub accepted: i64,
    pub found_true: i64,
    pub rectified: i64,
    /// Cases that missed a limit (feedback included).
    pub overdue: i64,
    pub overdue_explained: i64,
    /// Percentages; `null` when nothing was due.
    #[schema(required)]
    pub acceptance_in_time: Option<f64>,
    #[schema(required)]
    pub verification_in_time: Option<f64>,
    #[schema(required)]
    pub rectification_done: Option<f64>,
    #[schema(required)]
    pub score: Option<f64>,
    pub breaches: Breaches,
    pub overdue_cases: Vec<FrozenOverdue>,
    pub campaign: CampaignFigures,
}

/// A saved report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: i64,
    /// `null`: the district's summary.
    #[schema(required)]
    pub unit: Option<String>,
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    /// `2026-11`, `2026-Q3` or `2026` when the period is a whole month, quarter or year.
    #[schema(required)]
    pub round: Option<String>,
    pub status: ReportStatus,
    pub figures: ReportFigures,
    pub narrative: Narrative,
    /// 编制
    pub prepared_by: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub prepared_at: NaiveDateTime,
    /// 审核
    #[schema(required)]
    pub reviewed_by: Option<String>,
    #[serde(serialize_with = "crate::domain::json::rfc3339_or_null")]
    #[schema(value_type = Option<String>, required)]
    pub reviewed_at: Option<NaiveDateTime>,
    /// 签发
    #[schema(required)]
    pub signed_by: Option<String>,
    #[serde(serialize_with = "crate::domain::json::rfc3339_or_null")]
    #[schema(value_type = Option<String>, required)]
    pub signed_at: Option<NaiveDateTime>,
    /// `deputy` (分管领导) for a unit's report, `principal` (主要领导) for the summary.
    #[schema(required)]
    pub signer_role: Option<SignerRole>,
    #[schema(required)]
    pub submitted_by: Option<String>,
    #[serde(serialize_with = "crate::domain::json::rfc3339_or_null")]
    #[schema(value_type = Option<String>, required)]
    pub submitted_at: Option<NaiveDateTime>,
    /// The steps this staff member may take now (`edit`, `review`, `sign`, `submit`).
    pub steps: Vec<ReportStep>,
}

/// Whether a department or sub-district has submitted its report for the round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitSubmission {
    pub unit: String,
    /// Its most advanced report of the round, if any.
    #[schema(required)]
    pub report_id: Option<i64>,
    #[schema(required)]
    pub status: Option<ReportStatus>,
    pub submitted: bool,
}

/// The reports of a round (`from`–`to`), and for the coordinator every unit's submission.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportList {
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    pub reports: Vec<ReportView>,
    /// Every department and sub-district (the coordinator only; empty for a unit's staff).
    pub units: Vec<UnitSubmission>,
}

/// How a staff member stands to a report of `unit` (`None`: the summary).
fn actor(staff: &Staff, unit: Option<&str>) -> Actor {
    match staff.role {
        Role::Coordinator => Actor::Coordinator,
        Role::Officer | Role::Head if unit.is_some() && staff.unit.as_deref() == unit => {
            Actor::Own(staff.role)
        }
        _ => Actor::Other,
    }
}

/// The one mapping of a refusal to the caller's error: someone else's report answers like a
/// missing one.
fn refused(r: Refusal) -> ServiceError {
    match r {
        Refusal::NotInReach => ServiceError::NotFound,
        Refusal::NotAllowed => ServiceError::Forbidden,
        Refusal::WrongState => ServiceError::Conflict("report_state"),
    }
}

/// A narrative section: cleaned, at most [`SECTION_LEN`] characters (it may be empty in a draft).
fn section(f: &mut Fields, field: &'static str, value: &str) -> String {
    let text = clean_text(value);
    if text.chars().count() > SECTION_LEN {
        f.errors.push(
            crate::domain::FieldError::new(field, "too_long").with("max", SECTION_LEN as i64),
        );
    }
    text
}

/// The three sections, every wrong one told.
fn narrative(input: Option<&Narrative>) -> ServiceResult<Narrative> {
    let n = input.cloned().unwrap_or_default();
    let fields = [
        ("narrative.progress", n.progress.as_str()),
        ("narrative.problems", n.problems.as_str()),
        ("narrative.next_steps", n.next_steps.as_str()),
    ];
    nul_free(fields.map(|(k, v)| (k, Some(v))))?;
    let mut f = Fields::default();
    let [progress, problems, next_steps] = fields.map(|(k, v)| section(&mut f, k, v));
    match f.errors.is_empty() {
        true => Ok(Narrative {
            progress,
            problems,
            next_steps,
        }),
        false => Err(ServiceError::Validation(f.errors)),
    }
}

/// A percentage as pages and files show it (`50.0%`), `—` when nothing was due.
fn percent(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "—".into())
}

impl ReportFigures {
    /// The case figures as (message key, value), in the order pages and files show them.
    pub fn case_lines(&self) -> Vec<(&'static str, String)> {
        let b = &self.breaches;
        vec![
            ("oversight-col-received", self.received.to_string()),
            ("oversight-col-accepted", self.accepted.to_string()),
            ("oversight-col-found-true", self.found_true.to_string()),
            ("oversight-col-rectified", self.rectified.to_string()),
            ("oversight-col-overdue", self.overdue.to_string()),
            (
                "oversight-col-overdue-explained",
                self.overdue_explained.to_string(),
            ),
            (
                "oversight-col-acceptance-in-time",
                percent(self.acceptance_in_time),
            ),
            (
                "oversight-col-verification-in-time",
                percent(self.verification_in_time),
            ),
            (
                "oversight-col-rectification-done",
                percent(self.rectification_done),
            ),
            ("report-breach-acceptance", b.acceptance.to_string()),
            ("report-breach-verification", b.verification.to_string()),
            ("report-breach-feedback", b.feedback.to_string()),
            ("report-breach-rectification", b.rectification.to_string()),
        ]
    }

    /// The campaign's figures as (message key, value); sums in yuan.
    pub fn campaign_lines(&self) -> Vec<(&'static str, String)> {
        let c = &self.campaign;
        let yuan = |fen: i64| crate::domain::money::Fen(fen).to_string();
        vec![
            ("report-hazards-found", c.found.to_string()),
            ("report-hazards-major", c.major.to_string()),
            ("report-hazards-suspended", c.suspended.to_string()),
            ("report-hazards-rectified", c.rectified.to_string()),
            ("report-hazards-closed", c.closed.to_string()),
            (
                "report-hazards-open-past-end",
                c.open_past_campaign_end.to_string(),
            ),
            ("report-exposures", c.exposures.to_string()),
            ("report-blacklistings", c.blacklistings.to_string()),
            ("report-rewards-approved", c.rewards_approved.to_string()),
            ("report-rewards-approved-sum", yuan(c.rewards_approved_fen)),
            ("report-rewards-paid", c.rewards_paid.to_string()),
            ("report-rewards-paid-sum", yuan(c.rewards_paid_fen)),
            ("report-accountability", c.accountability.to_string()),
        ]
    }
}

impl Services {
    /// Saves a report (编制): its figures worked out now as of the end of `to`, and frozen.
    pub fn create_report(&self, staff: &Staff, input: &ReportInput) -> ServiceResult<ReportView> {
        if !staff.may(Permission::Reports) {
            return Err(ServiceError::Forbidden);
        }
        let mut f = Fields::default();
        let unit = filled(input.unit.as_deref()).map(str::to_owned);
        if unit
            .as_deref()
            .is_some_and(|u| self.catalog.unit_kind(u).is_none())
        {
            f.err("unit", "unknown_unit");
        }
        let from = f.take(date_field("from", input.from.as_deref()).map(Some));
        let to = f.take(date_field("to", input.to.as_deref()).map(Some));
        if to.is_some_and(|to| to > self.today()) {
            f.err("to", "date_in_future");
        }
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                f.err("to", "before_from");
            } else if (to - from).num_days() >= MAX_DAYS {
                f.err("from", "period_too_long");
            }
        }
        let text = narrative(input.narrative.as_ref());
        if let Err(ServiceError::Validation(more)) = &text {
            f.errors.extend(more.iter().cloned());
        }
        if !f.errors.is_empty() {
            return Err(ServiceError::Validation(f.errors));
        }
        let (text, Some(from), Some(to)) = (text?, from, to) else {
            return Err(ServiceError::Validation(f.errors));
        };
        // A unit's staff who name no unit mean their own.
        let unit = match (unit, staff.role) {
            (None, Role::Officer | Role::Head) => staff.unit.clone(),
            (u, _) => u,
        };
        decide(
            None,
            ReportStep::Prepare,
            actor(staff, unit.as_deref()),
            unit.is_none(),
        )
        .map_err(|r| match r {
            // Naming another unit is not allowed (the unit exists, so nothing is hidden).
            Refusal::NotInReach => ServiceError::Forbidden,
            r => refused(r),
        })?;
        let figures = self.frozen_figures(unit.as_deref(), from, to)?;
        let row = ReportRow {
            id: 0,
            unit,
            period_from: from,
            period_to: to,
            round: round_label(from, to),
            figures: serde_json::to_string(&figures).context("writing a report's figures")?,
            progress: text.progress,
            problems: text.problems,
            next_steps: text.next_steps,
            status: ReportStatus::Draft,
            prepared_by: staff.display_name.clone(),
            prepared_at: self.now(),
            reviewed_by: None,
            reviewed_at: None,
            signed_by: None,
            signed_at: None,
            signer_role: None,
            submitted_by: None,
            submitted_at: None,
        };
        let id = self.db.write(|conn| {
            let id = db::insert(conn, &row)?;
            let detail = format!("{id} {} {from}..{to}", scope_code(&row.unit));
            self.audit_entry(conn, staff, "report_prepared", None, &detail)?;
            Ok::<_, ServiceError>(id)
        })?;
        self.report_view(staff, ReportRow { id, ..row })
    }

    /// The figures of a scope and period as of the period's end, to be frozen in a report.
    pub fn frozen_figures(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<ReportFigures> {
        let o = self.oversight(unit, from, to)?;
        let t = &o.total;
        let count = |m: Missed| o.overdue.iter().filter(|c| c.missed == m).count() as i64;
        Ok(ReportFigures {
            as_of: to,
            received: t.received,
            accepted: t.accepted,
            found_true: t.found_true,
            rectified: t.rectified,
            overdue: t.overdue,
            overdue_explained: t.overdue_explained,
            acceptance_in_time: t.acceptance_in_time.percent(),
            verification_in_time: t.verification_in_time.percent(),
            rectification_done: t.rectification_done.percent(),
            score: t.score,
            breaches: Breaches {
                acceptance: count(Missed::Acceptance),
                verification: count(Missed::Verification),
                feedback: count(Missed::Feedback),
                rectification: count(Missed::Rectification),
            },
            overdue_cases: o
                .overdue
                .iter()
                .map(|c| FrozenOverdue {
                    case_number: c.case_number.clone(),
                    sector: c.sector.clone(),
                    street: c.street.clone(),
                    department: c.department.clone(),
                    missed: c.missed.as_str().to_owned(),
                    due: c.due,
                    days_late: c.days_late,
                    explanations: c
                        .explanations
                        .iter()
                        .map(|e| FrozenExplanation {
                            text: e.text.clone(),
                            new_date: e.new_date,
                            standing: crate::domain::explanation::standing(e.decision)
                                .as_str()
                                .to_owned(),
                        })
                        .collect(),
                })
                .collect(),
            campaign: self.campaign_figures(unit, from, to)?,
        })
    }

    /// One saved report, for those it concerns.
    pub fn report(&self, staff: &Staff, id: i64) -> ServiceResult<ReportView> {
        let row = self.report_row(staff, id)?;
        self.report_view(staff, row)
    }

    fn report_row(&self, staff: &Staff, id: i64) -> ServiceResult<ReportRow> {
        if !staff.may(Permission::Reports) {
            return Err(ServiceError::Forbidden);
        }
        let mut conn = self.db.read()?;
        let row = db::find(&mut conn, id)?.ok_or(ServiceError::NotFound)?;
        let me = actor(staff, row.unit.as_deref());
        decide(Some(row.status), ReportStep::Read, me, row.unit.is_none()).map_err(refused)?;
        Ok(row)
    }

    fn report_view(&self, staff: &Staff, r: ReportRow) -> ServiceResult<ReportView> {
        let me = actor(staff, r.unit.as_deref());
        let summary = r.unit.is_none();
        let steps = [
            ReportStep::Edit,
            ReportStep::Review,
            ReportStep::Sign,
            ReportStep::Submit,
        ]
        .into_iter()
        .filter(|s| decide(Some(r.status), *s, me, summary).is_ok())
        .collect();
        let figures: ReportFigures =
            serde_json::from_str(&r.figures).context("reading a report's frozen figures")?;
        Ok(ReportView {
            id: r.id,
            unit: r.unit,
            from: r.period_from,
            to: r.period_to,
            round: r.round,
            status: r.status,
            figures,
            narrative: Narrative {
                progress: r.progress,
                problems: r.problems,
                next_steps: r.next_steps,
            },
            prepared_by: r.prepared_by,
            prepared_at: r.prepared_at,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            signed_by: r.signed_by,
            signed_at: r.signed_at,
            signer_role: r.signer_role.and_then(|s| s.parse().ok()),
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at,
            steps,
        })
    }

    /// Takes a step on a saved report (`edit` with the new narrative, `review`, `sign`,
    /// `submit`), as `decide` allows, with its audit entry.
    pub fn report_step(
        &self,
        staff: &Staff,
        id: i64,
        step: ReportStep,
        text: Option<&Narrative>,
    ) -> ServiceResult<ReportView> {
        if !staff.may(Permission::Reports) {
            return Err(ServiceError::Forbidden);
        }
        let text = match step {
            ReportStep::Edit => Some(narrative(text)?),
            _ => None,
        };
        let row = self.db.write(|conn| {
            let mut row = db::find(conn, id)?.ok_or(ServiceError::NotFound)?;
            let summary = row.unit.is_none();
            let me = actor(staff, row.unit.as_deref());
            row.status = decide(Some(row.status), step, me, summary).map_err(refused)?;
            let (who, now) = (Some(staff.display_name.clone()), Some(self.now()));
            match step {
                ReportStep::Edit => {
                    if let Some(t) = text {
                        (row.progress, row.problems, row.next_steps) =
                            (t.progress, t.problems, t.next_steps);
                    }
                }
                ReportStep::Review => (row.reviewed_by, row.reviewed_at) = (who, now),
                ReportStep::Sign => {
                    (row.signed_by, row.signed_at) = (who, now);
                    row.signer_role = Some(signer_role(summary).as_str().to_owned());
                }
                ReportStep::Submit => (row.submitted_by, row.submitted_at) = (who, now),
                ReportStep::Prepare | ReportStep::Read => {}
            }
            db::update(conn, &row)?;
            let detail = format!("{id} {}", scope_code(&row.unit));
            let action = format!("report_{}", step.as_str());
            self.audit_entry(conn, staff, &action, None, &detail)?;
            Ok::<_, ServiceError>(row)
        })?;
        self.report_view(staff, row)
    }

    /// The reports of a round (`YYYY-MM-DD` texts; the default is last month) that this staff
    /// member may see, and for the coordinator whether each department and sub-district has
    /// submitted one.
    pub fn reports(
        &self,
        staff: &Staff,
        (from, to): (Option<&str>, Option<&str>),
    ) -> ServiceResult<ReportList> {
        if !staff.may(Permission::Reports) {
            return Err(ServiceError::Forbidden);
        }
        let (from, to) = match (filled(from), filled(to)) {
            (None, None) => {
                let (_, from, to) = rounds(self.today())[1];
                (from, to)
            }
            (from, to) => {
                let mut f = Fields::default();
                let from = f.take(date_field("from", from));
                let to = f.take(date_field("to", to));
                if f.errors.is_empty() && from > to {
                    f.err("to", "before_from");
                }
                if !f.errors.is_empty() {
                    return Err(ServiceError::Validation(f.errors));
                }
                (from, to)
            }
        };
        let scope = match staff.role {
            Role::Coordinator => None,
            _ => Some(staff.unit.as_deref()),
        };
        let rows = {
            let mut conn = self.db.read()?;
            db::list(&mut conn, scope, Some((from, to)))?
        };
        let mut units = Vec::new();
        if staff.role == Role::Coordinator {
            let c = &self.catalog;
            let codes = c
                .departments()
                .iter()
                .filter(|d| !d.coordinator)
                .map(|d| &d.code)
                .chain(c.streets().iter().map(|s| &s.code));
            for code in codes {
                let best = rows
                    .iter()
                    .filter(|r| r.unit.as_ref() == Some(code))
                    .max_by_key(|r| (rank(r.status), r.id));
                units.push(UnitSubmission {
                    unit: code.clone(),
                    report_id: best.map(|r| r.id),
                    status: best.map(|r| r.status),
                    submitted: best.is_some_and(|r| r.status == ReportStatus::Submitted),
                });
            }
        }
        let reports = rows
            .into_iter()
            .map(|r| self.report_view(staff, r))
            .collect::<ServiceResult<_>>()?;
        Ok(ReportList {
            from,
            to,
            reports,
            units,
        })
    }
}

/// Draft before signed before submitted.
fn rank(s: ReportStatus) -> usize {
    ReportStatus::VARIANTS
        .iter()
        .position(|v| *v == s)
        .unwrap_or_default()
}

/// The unit's code, or `district` for the summary (audit details).
fn scope_code(unit: &Option<String>) -> &str {
    unit.as_deref().unwrap_or("district")
}
