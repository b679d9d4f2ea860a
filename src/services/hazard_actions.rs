//! The steps of a hazard's lifecycle (`POST /api/v1/staff/hazards/{id}/actions`, the hazard
//! page's forms): [`Services::hazard_act`] asks `domain::hazard::decide` whether this staff member
//! may take the step now, lets one function per step check its fields and change the row, then
//! writes the row, its history row and the audit entry in one transaction.

use super::auth::Staff;
use super::explanations::{Acknowledgement, acknowledgement};
use super::hazards::{Fields, HazardView, date_field, nul_free, optional_field};
use super::listing::{lift_note, listing_fields};
use super::{ServiceError, ServiceResult, Services};
use crate::db::explanations::{self, Owner};
use crate::db::hazards::{self, HazardRow};
use crate::db::listings::Listed;
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::deadlines::Limit;
use crate::domain::hazard::{self, HazardId, Refusal, Step};
use crate::domain::tip::text_field;
use chrono::NaiveDate;
use serde::Deserialize;

/// A step on a hazard as staff send it: `action` and the fields that step reads.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HazardActionInput {
    /// `report_rectified`, `review`, `extend`, `explain_delay`, `lift_suspension`, `escalate`,
    /// `supervise`, `lift_supervision`, `assign` or `acknowledge_explanation`.
    pub action: String,
    /// `review`: `pass` (struck off, 销号) or `fail` (open again); `acknowledge_explanation`:
    /// `accepted` or `returned` (with a note).
    pub decision: Option<String>,
    /// `acknowledge_explanation`: the explanation's id.
    pub explanation_id: Option<i64>,
    /// `report_rectified`: the day the measures were finished (`YYYY-MM-DD`).
    pub completed_on: Option<String>,
    /// What was done or found (required for `report_rectified` and a failed `review`).
    pub note: Option<String>,
    /// `extend`: the new deadline, later than the current one (`YYYY-MM-DD`).
    pub deadline: Option<String>,
    /// `extend`, `escalate`, `supervise`: why.
    pub reason: Option<String>,
    /// `supervise`: the due date of the listed supervision (督办期限, `YYYY-MM-DD`).
    pub due: Option<String>,
    /// `explain_delay`: the written explanation (书面说明).
    pub explanation: Option<String>,
    /// `explain_delay`: the day the rectification is now expected (`YYYY-MM-DD`), optional.
    pub new_date: Option<String>,
    /// `assign`: 企业主体责任人 (given ones replace, absent or blank ones stay).
    pub responsible_person: Option<String>,
    /// `assign`: 部门监管责任人
    pub supervisor: Option<String>,
    /// `assign`: 属地责任人
    pub street_official: Option<String>,
    /// `assign`: 包保领导
    pub leader: Option<String>,
}

impl HazardActionInput {
    /// The lifecycle's step this input names (`review` with its decision).
    fn step(&self) -> Result<Step, ServiceError> {
        match self.action.trim() {
            "review" => match self.decision.as_deref().map(str::trim) {
                Some("pass") => Ok(Step::ReviewPass),
                Some("fail") => Ok(Step::ReviewFail),
                None | Some("") => Err(ServiceError::field("decision", "required")),
                Some(_) => Err(ServiceError::field("decision", "unknown_decision")),
            },
            // The two halves of `review` are not steps of their own on the wire.
            "review_pass" | "review_fail" => Err(ServiceError::field("action", "unknown_action")),
            a => a
                .parse()
                .map_err(|_| ServiceError::field("action", "unknown_action")),
        }
    }

    /// Every text field, for the NUL check.
    fn texts(&self) -> [(&'static str, Option<&str>); 13] {
        [
            ("action", Some(self.action.as_str())),
            ("decision", self.decision.as_deref()),
            ("completed_on", self.completed_on.as_deref()),
            ("note", self.note.as_deref()),
            ("deadline", self.deadline.as_deref()),
            ("reason", self.reason.as_deref()),
            ("due", self.due.as_deref()),
            ("explanation", self.explanation.as_deref()),
            ("new_date", self.new_date.as_deref()),
            ("responsible_person", self.responsible_person.as_deref()),
            ("supervisor", self.supervisor.as_deref()),
            ("street_official", self.street_official.as_deref()),
            ("leader", self.leader.as_deref()),
        ]
    }
}

/// What a step changes: the row, what its history row says, and the explanation it writes or
/// decides on.
struct Change {
    row: HazardRow,
    note: Option<String>,
    date: Option<NaiveDate>,
    explain: Option<String>,
    acknowledge: Option<Acknowledgement>,
    /// `supervise`: the reason and the due date (督办期限).
    listing: Option<(String, NaiveDate)>,
}

/// The answer of `decide` as a service error: 403, or 409 with its code.
fn refused(r: Refusal) -> ServiceError {
    match r {
        Refusal::Forbidden => ServiceError::Forbidden,
        Refusal::Conflict(code) => ServiceError::Conflict(code),
    }
}

impl Services {
    /// Takes a step on a hazard (one transaction: the row, its history, the audit entry). A
    /// hazard out of this staff member's reach is not found.
    pub fn hazard_act(
        &self,
        staff: &Staff,
        id: HazardId,
        input: &HazardActionInput,
    ) -> ServiceResult<HazardView> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        nul_free(input.texts())?;
        let step = input.step()?;
        self.db.write(|conn| {
            hazards::lock(conn, id)?;
            let row = hazards::find(conn, id)?.ok_or(ServiceError::NotFound)?;
            if !self.hazard_in_reach(staff, &row) {
                return Err(ServiceError::NotFound);
            }
            let actor = self.hazard_actor(conn, staff, &row)?;
            let facts = self.hazard_facts(conn, &row)?;
            let next = hazard::decide(row.status, step, actor, facts).map_err(refused)?;
            let mut change = self.change(staff, step, row, input)?;
            let owner = Owner::Hazard(id.0);
            if let Some(a) = &change.acknowledge {
                self.awaiting_decision(conn, owner, a.id)?;
                self.decide_explanation(conn, (owner, staff.id), a)?;
            }
            if let Some(text) = &change.explain {
                let what = (Limit::Rectification, text.as_str(), change.date);
                explanations::insert(conn, owner, what, (staff.id, self.now()))?;
            }
            change.row.status = next;
            change.row.updated_at = self.now();
            hazards::update(conn, &change.row)?;
            let listed = Listed::Hazard(id.0);
            if let Some(listing) = change.listing.clone() {
                self.list_for_supervision(conn, &staff.username, listed, listing)?;
            }
            if step == Step::LiftSupervision {
                self.lift_listing(conn, &staff.username, listed, change.note.as_deref())?;
            }
            let key = (change.row.id, change.row.number.as_str());
            self.hazard_event(
                conn,
                staff,
                key,
                step.as_str(),
                (change.note.as_deref(), change.date),
            )?;
            self.hazard_view(conn, staff, id)
        })
    }

    /// The step's own fields and what it changes; every wrong field is told at once.
    fn change(
        &self,
        staff: &Staff,
        step: Step,
        mut row: HazardRow,
        input: &HazardActionInput,
    ) -> ServiceResult<Change> {
        let today = self.today();
        let mut f = Fields::default();
        let text = |f: &mut Fields, field: &'static str, v: &Option<String>| {
            f.take(text_field(field, v.as_deref(), (1, 2_000)))
        };
        let optional = |f: &mut Fields, v: &Option<String>| {
            f.take(optional_field("note", v.as_deref(), 2_000))
        };
        let mut explain = None;
        let mut acknowledge = None;
        let mut listing = None;
        let (note, date) = match step {
            Step::ReportRectified => {
                let done = f.take(date_field("completed_on", input.completed_on.as_deref()));
                if done > today {
                    f.err("completed_on", "completed_in_future");
                } else if done < row.found_on && done != NaiveDate::default() {
                    f.err("completed_on", "before_found");
                }
                row.rectified_on = Some(done);
                (Some(text(&mut f, "note", &input.note)), Some(done))
            }
            Step::ReviewPass => {
                row.reviewed_by = Some(staff.username.clone());
                row.reviewed_on = Some(today);
                row.overdue = false;
                (optional(&mut f, &input.note), Some(today))
            }
            Step::ReviewFail => {
                row.rectified_on = None;
                (Some(text(&mut f, "note", &input.note)), None)
            }
            Step::Extend => {
                let deadline = f.take(date_field("deadline", input.deadline.as_deref()));
                if deadline <= row.deadline && deadline != NaiveDate::default() {
                    f.err("deadline", "not_later");
                }
                row.deadline = deadline;
                // Overdue no more, unless the new deadline has passed too.
                row.overdue = row.overdue && deadline < today;
                (Some(text(&mut f, "reason", &input.reason)), Some(deadline))
            }
            Step::ExplainDelay => {
                let typed = (&input.explanation, &input.new_date);
                let (text, date) = super::explanations::written(&mut f, typed, today);
                explain = Some(text.clone());
                (Some(text), date)
            }
            Step::AcknowledgeExplanation => {
                let typed = (&input.decision, &input.note);
                acknowledge = acknowledgement(&mut f, input.explanation_id, typed);
                (
                    acknowledge.as_ref().map(Acknowledgement::history_note),
                    None,
                )
            }
            Step::LiftSuspension => {
                row.resumed_on = Some(today);
                (optional(&mut f, &input.note), Some(today))
            }
            Step::Escalate => {
                row.escalated_on = Some(today);
                (Some(text(&mut f, "reason", &input.reason)), Some(today))
            }
            Step::Supervise => {
                row.supervised = true;
                let (reason, due) = listing_fields(
                    input.reason.as_deref(),
                    input.due.as_deref(),
                    today,
                    &mut f.errors,
                );
                listing = Some((reason.clone(), due));
                (Some(reason), Some(due))
            }
            Step::LiftSupervision => {
                row.supervised = false;
                (lift_note(input.note.as_deref(), &mut f.errors), None)
            }
            Step::Assign => (assign(&mut f, &mut row, input), None),
        };
        if f.errors.is_empty() {
            Ok(Change {
                row,
                note,
                date,
                explain,
                acknowledge,
                listing,
            })
        } else {
            Err(ServiceError::Validation(f.errors))
        }
    }
}

/// A field that was given and is not blank.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// Names or corrects the responsible people: each one given replaces the one on record; the
/// history says who changed (`field=name`, one a line). Nothing different is a field error.
fn assign(f: &mut Fields, row: &mut HazardRow, input: &HazardActionInput) -> Option<String> {
    let mut changes = Vec::new();
    let mut set = |f: &mut Fields, field: &'static str, value: Option<&str>, slot: &mut String| {
        let Some(v) = value else { return };
        match text_field(field, Some(v), (1, 100)) {
            Ok(v) if v == *slot => {}
            Ok(v) => {
                changes.push(format!("{field}={v}"));
                *slot = v;
            }
            Err(e) => f.errors.push(e),
        }
    };
    set(
        f,
        "responsible_person",
        given(&input.responsible_person),
        &mut row.responsible_person,
    );
    set(
        f,
        "supervisor",
        given(&input.supervisor),
        &mut row.supervisor,
    );
    let mut official = row.street_official.clone().unwrap_or_default();
    set(
        f,
        "street_official",
        given(&input.street_official),
        &mut official,
    );
    let mut leader = row.leader.clone().unwrap_or_default();
    set(f, "leader", given(&input.leader), &mut leader);
    row.street_official = Some(official).filter(|s| !s.is_empty());
    row.leader = Some(leader).filter(|s| !s.is_empty());
    if changes.is_empty() && f.errors.is_empty() {
        f.errors
            .push(FieldError::new("responsible_person", "nothing_changed"));
    }
    Some(changes.join("\n"))
}
