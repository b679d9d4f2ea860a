//! The actions of the case lifecycle: `act` asks the workflow whether the step may be taken
//! ([`workflow::decide`]), lets one function per step check its fields and change the case file,
//! then writes everything in one transaction: the file, the case's status and deadline, its
//! history row and audit entry (`record`), what the reporter is told, and mail after commit.

use super::audit::{By, Event};
use super::auth::Staff;
use super::cases::{ActionInput, CaseView, deadlines_of, refusal, required, tells_reporter};
use super::explanations::{self, Acknowledgement};
use super::hazards::Fields;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::cases::{self, CaseFileRow};
use crate::db::enterprises;
use crate::db::explanations::Owner;
use crate::db::listings::Listed;
use crate::db::tips::{self, TipRow};
use crate::domain::FieldError;
use crate::domain::deadlines::Limit;
use crate::domain::status::Status;
use crate::domain::tip::text_field;
use crate::domain::workflow::{self, Action, Actor, Facts};
use chrono::{Duration, NaiveDate, NaiveDateTime};

/// The length of a verification finding written for the reporter (API.md, version 2).
const FINDING_LEN: (usize, usize) = (10, 2_000);

/// What a step changes besides the status, and what it found wrong with the fields.
struct Step<'a> {
    input: &'a ActionInput,
    file: CaseFileRow,
    department: String,
    /// The sector after `reclassify`, the sub-district after `set_street`.
    sector: Option<String>,
    /// The enterprise of `link_enterprise`.
    enterprise: Option<i64>,
    /// `supervise`: the reason and the due date (督办期限).
    listing: Option<(String, NaiveDate)>,
    street: Option<String>,
    note: Option<String>,
    to_reporter: Option<String>,
    reason: Option<String>,
    errors: Vec<FieldError>,
    /// The explanation `explain_delay` writes: its limit, text and new date.
    explain: Option<(Limit, String, Option<NaiveDate>)>,
    /// 区安委办's decision `acknowledge_explanation` writes.
    acknowledge: Option<Acknowledgement>,
    today: NaiveDate,
    now: NaiveDateTime,
}

impl Step<'_> {
    /// A required text field, at most `max` characters; a missing one is recorded as an error.
    fn need(&mut self, field: &'static str, value: &Option<String>, max: usize) -> String {
        required(field, value, max)
            .map_err(|e| self.errors.push(e))
            .unwrap_or_default()
    }

    fn reason(&mut self) -> String {
        self.need("reason", &self.input.reason, 500)
    }
}

impl Services {
    /// Takes an action on a case (one transaction: the case, its history, the audit entry).
    pub fn act(
        &self,
        staff: &Staff,
        case_number: &str,
        input: &ActionInput,
    ) -> ServiceResult<CaseView> {
        let action: Action = input
            .action
            .trim()
            .parse()
            .map_err(|_| ServiceError::field("action", "unknown_action"))?;
        let done = self
            .db
            .write(|conn| self.act_in(conn, staff, case_number, input, action))?;
        self.public_changed();
        Ok(done)
    }

    /// Records an enterprise and links the tip to it, in one transaction: the link is the
    /// `link_enterprise` action, so who may do it is what the workflow says.
    pub fn create_enterprise_for_tip(
        &self,
        staff: &Staff,
        case_number: &str,
        input: &super::enterprises::EnterpriseInput,
    ) -> ServiceResult<CaseView> {
        self.db.write(|conn| -> ServiceResult<CaseView> {
            let (tip, lead) = self.visible(conn, staff, case_number)?;
            let actor = Actor {
                role: staff.role,
                lead_unit: lead,
            };
            let facts = Facts::default();
            workflow::decide(tip.status, Action::LinkEnterprise, actor, facts).map_err(refusal)?;
            let id = self.insert_enterprise(conn, staff, input)?;
            let link = ActionInput {
                action: Action::LinkEnterprise.as_str().to_owned(),
                enterprise_id: Some(id),
                ..ActionInput::default()
            };
            self.act_in(conn, staff, case_number, &link, Action::LinkEnterprise)
        })
    }

    /// `act` in the caller's transaction.
    fn act_in(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        case_number: &str,
        input: &ActionInput,
        action: Action,
    ) -> ServiceResult<CaseView> {
        let (tip, lead) = self.visible(conn, staff, case_number)?;
        // Another transaction on this case waits, or we wait for it; then read afresh.
        cases::lock_tip(conn, tip.id)?;
        let tip = tips::find(conn, tip.id)?.ok_or(ServiceError::NotFound)?;
        let actor = Actor {
            role: staff.role,
            lead_unit: lead,
        };
        let facts = Facts {
            listed: self.listing(conn, Listed::Tip(tip.id.0))?.is_some(),
        };
        let next = workflow::decide(tip.status, action, actor, facts).map_err(refusal)?;
        let mut step = Step {
            input,
            file: cases::get(conn, tip.id)?,
            department: tip.department.clone(),
            sector: None,
            enterprise: None,
            listing: None,
            street: None,
            note: input.note.clone().filter(|n| !n.trim().is_empty()),
            to_reporter: None,
            reason: None,
            errors: Vec::new(),
            explain: None,
            acknowledge: None,
            today: self.today(),
            now: self.now(),
        };
        self.take(conn, staff, &tip, action, &mut step)?;
        if !step.errors.is_empty() {
            return Err(ServiceError::Validation(step.errors));
        }
        self.write_step(conn, staff, &tip, (action, next), step)?;
        self.view_after(conn, staff, case_number)
    }

    /// The step's own checks and changes.
    fn take(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: &TipRow,
        action: Action,
        step: &mut Step<'_>,
    ) -> ServiceResult<()> {
        let (today, now) = (step.today, step.now);
        let days = |n: u32| today + Duration::days(i64::from(n));
        match action {
            Action::Accept => {
                step.file.accepted_at = Some(now);
                step.file.verification_due = Some(days(self.time_limits.verification_days));
            }
            Action::Reject => reject(step),
            Action::StartVerification => {}
            Action::ExtendVerification => {
                extend_verification(step, self.time_limits.verification_extension_days)?
            }
            Action::Substantiate | Action::Unsubstantiate => {
                step.file.verified_at = Some(now);
                step.file.feedback_due = Some(days(self.time_limits.feedback_days));
                step.file.finding = finding(step);
            }
            Action::MarkDuplicate => self.mark_duplicate(conn, staff, tip, step)?,
            Action::OrderRectification => order_rectification(step),
            Action::ConfirmRectified => self.confirm_rectified(conn, tip, step)?,
            Action::ExplainDelay => self.explain_delay(tip, step)?,
            Action::AcknowledgeExplanation => self.acknowledge(conn, tip, step)?,
            Action::Reopen => reopen(step, self.time_limits.verification_days),
            Action::Close => step.file.closed_at = Some(now),
            Action::Transfer => self.transfer(tip, step),
            Action::Reclassify => self.reclassify(tip, step),
            Action::SetStreet => self.set_street(tip, step),
            Action::LinkEnterprise => link_enterprise(conn, tip, step)?,
            Action::Supervise => {
                let input = step.input;
                let (reason, due) = super::listing::listing_fields(
                    input.reason.as_deref(),
                    input.due.as_deref(),
                    today,
                    &mut step.errors,
                );
                step.note = Some(format!("{reason} ({due})"));
                step.reason = Some(reason.clone());
                step.listing = Some((reason, due));
            }
            Action::LiftSupervision => {
                step.note = super::listing::lift_note(step.input.note.as_deref(), &mut step.errors)
            }
        }
        Ok(())
    }

    /// A rectification confirmed after its deadline needs the delay explained first: an
    /// explanation written since it passed that was not returned.
    fn confirm_rectified(
        &self,
        conn: &mut DbConn,
        tip: &TipRow,
        step: &mut Step<'_>,
    ) -> ServiceResult<()> {
        if let Some(due) = step.file.rectification_due.filter(|d| *d < step.today) {
            let list = self.explanations(conn, Owner::Tip(tip.id.0))?;
            if !self.stands_explained(&list, Limit::Rectification, due) {
                return Err(ServiceError::Conflict("explanation_required"));
            }
        }
        step.file.rectified_at = Some(step.now);
        Ok(())
    }

    /// The written explanation of a missed limit (书面说明), kept beside the earlier ones.
    fn explain_delay(&self, tip: &TipRow, step: &mut Step<'_>) -> ServiceResult<()> {
        let limit = match step.input.limit.as_deref().map(str::trim) {
            // Version 1 explained a late rectification only.
            None | Some("") => Some(Limit::Rectification),
            Some(l) => l.parse().ok(),
        };
        let mut f = Fields::default();
        let typed = (&step.input.explanation, &step.input.new_date);
        let (text, new_date) = explanations::written(&mut f, typed, step.today);
        step.errors.append(&mut f.errors);
        let Some(limit) = limit else {
            step.errors.push(FieldError::new("limit", "unknown_limit"));
            return Ok(());
        };
        if !self.missed_limits(tip, &step.file).contains(&limit) {
            return Err(ServiceError::Conflict("not_overdue"));
        }
        step.note = Some(format!("{limit}: {text}"));
        step.explain = Some((limit, text, new_date));
        Ok(())
    }

    /// 区安委办 accepts or returns one of the case's explanations that awaits a decision.
    fn acknowledge(
        &self,
        conn: &mut DbConn,
        tip: &TipRow,
        step: &mut Step<'_>,
    ) -> ServiceResult<()> {
        let i = step.input;
        let mut f = Fields::default();
        let a = explanations::acknowledgement(&mut f, i.explanation_id, (&i.decision, &i.note));
        step.errors.append(&mut f.errors);
        if let Some(a) = a {
            self.awaiting_decision(conn, Owner::Tip(tip.id.0), a.id)?;
            step.note = Some(a.history_note());
            step.acknowledge = Some(a);
        }
        Ok(())
    }

    /// Another sector, with a reason: the case leaves triage, and statistics, lists and the
    /// evaluation count it under the new sector from now on.
    fn reclassify(&self, tip: &TipRow, step: &mut Step<'_>) {
        let reason = step.reason();
        match step.input.sector.as_deref().map(str::trim) {
            Some(code) if code == tip.sector => {
                step.errors.push(FieldError::new("sector", "same_sector"))
            }
            Some(code) if self.catalog.sector(code).is_some() => {
                step.sector = Some(code.to_owned())
            }
            None | Some("") => step.errors.push(FieldError::new("sector", "required")),
            Some(_) => step
                .errors
                .push(FieldError::new("sector", "unknown_sector")),
        }
        let to = step.sector.clone().unwrap_or_default();
        step.note = Some(format!("{} → {to}: {reason}", tip.sector));
        step.reason = Some(reason);
    }

    /// The sub-district, with a reason: its staff are attached to the case (and see it).
    fn set_street(&self, tip: &TipRow, step: &mut Step<'_>) {
        let reason = step.reason();
        match step.input.street.as_deref().map(str::trim) {
            Some(code) if Some(code) == tip.street.as_deref() => {
                step.errors.push(FieldError::new("street", "same_street"))
            }
            Some(code) if self.catalog.street(code).is_some() => {
                step.street = Some(code.to_owned())
            }
            None | Some("") => step.errors.push(FieldError::new("street", "required")),
            Some(_) => step.errors.push(FieldError::new("street", "unknown_unit")),
        }
        let from = tip.street.clone().unwrap_or_else(|| "-".into());
        let to = step.street.clone().unwrap_or_default();
        step.note = Some(format!("{from} → {to}: {reason}"));
        step.reason = Some(reason);
    }

    /// The earlier case must be one this actor may see, taken up, and not a duplicate itself:
    /// the first accepted reporter keeps the reward.
    fn mark_duplicate(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: &TipRow,
        step: &mut Step<'_>,
    ) -> ServiceResult<()> {
        let other = step.need("duplicate_of", &step.input.duplicate_of, 40);
        if other.is_empty() {
            return Ok(());
        }
        let target = match self.visible(conn, staff, other.trim()) {
            Ok((o, _)) if o.id != tip.id => Some(o),
            Ok(_) | Err(ServiceError::NotFound) => None,
            Err(e) => return Err(e),
        };
        let not_taken_up = [Status::Submitted, Status::Rejected, Status::Duplicate];
        match target {
            Some(o) if !not_taken_up.contains(&o.status) => {
                step.file.duplicate_of = Some(o.case_number)
            }
            Some(_) => step
                .errors
                .push(FieldError::new("duplicate_of", "not_accepted")),
            None => step
                .errors
                .push(FieldError::new("duplicate_of", "unknown_case")),
        }
        Ok(())
    }

    /// To another department, with a reason; the new lead is told by mail.
    fn transfer(&self, tip: &TipRow, step: &mut Step<'_>) {
        let reason = step.reason();
        let known = |d: &str| self.catalog.department(d).is_some();
        match step.input.department.as_deref().map(str::trim) {
            Some(d) if known(d) && d != tip.department => step.department = d.to_owned(),
            Some(d) if known(d) => step
                .errors
                .push(FieldError::new("department", "same_department")),
            None | Some("") => step.errors.push(FieldError::new("department", "required")),
            Some(_) => step
                .errors
                .push(FieldError::new("department", "unknown_unit")),
        }
        step.note = Some(format!(
            "{} → {}: {reason}",
            tip.department, step.department
        ));
        step.reason = Some(reason);
    }

    /// Writes the step: the file, the status and deadline, history and audit, what the reporter
    /// is told, and the mail that goes out after commit.
    fn write_step(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: &TipRow,
        (action, next): (Action, Status),
        step: Step<'_>,
    ) -> ServiceResult<()> {
        if action == Action::Transfer {
            cases::replace_lead(conn, tip.id, &step.department)?;
        }
        if let Some(sector) = &step.sector {
            tips::set_sector(conn, tip.id, sector)?;
        }
        if let Some(street) = &step.street {
            tips::set_street(conn, tip.id, tip.street.as_deref(), street)?;
        }
        if let Some(enterprise) = step.enterprise {
            enterprises::link_tip(conn, tip.id, enterprise)?;
        }
        cases::update(conn, &step.file)?;
        let owner = Owner::Tip(tip.id.0);
        if let Some((limit, text, new_date)) = &step.explain {
            let what = (*limit, text.as_str(), *new_date);
            crate::db::explanations::insert(conn, owner, what, (staff.id, step.now))?;
        }
        if let Some(a) = &step.acknowledge {
            self.decide_explanation(conn, (owner, staff.id), a)?;
        }
        if action == Action::OrderRectification
            && let (Some(party), Some(measures), Some(due)) = (
                step.file.responsible_party.as_deref(),
                step.file.measures.as_deref(),
                step.file.rectification_due,
            )
        {
            let order = (party, measures, due, step.file.suspend_operations);
            self.hazard_of_tip(conn, staff, tip, order)?;
        }
        if action == Action::ConfirmRectified {
            self.close_hazard_of_tip(conn, staff, tip)?;
        }
        let listed = Listed::Tip(tip.id.0);
        if let Some(listing) = step.listing.clone() {
            self.list_for_supervision(conn, &staff.username, listed, listing)?;
        }
        if action == Action::LiftSupervision {
            self.lift_listing(conn, &staff.username, listed, step.note.as_deref())?;
        }
        let deadlines = deadlines_of(&step.file);
        let next_deadline = deadlines.current(next).map(|(_, d)| d);
        let overdue = deadlines.overdue(next, step.today);
        let (dept, now) = (step.department.as_str(), step.now);
        cases::set_tip_state(
            conn,
            tip.id,
            next.as_str(),
            dept,
            next_deadline,
            overdue,
            now,
        )?;
        let note = step.note.as_deref().or(step.reason.as_deref());
        self.record(
            conn,
            &Event::new(
                (tip.id, &tip.case_number),
                action.as_str(),
                By::Staff(&staff.username),
                now,
            )
            .note(note)
            .reason(step.reason.as_deref())
            .detail(&format!("{} -> {}", tip.status, next)),
        )?;
        if let Some(text) = &step.to_reporter {
            tips::insert_message(conn, tip.id, "staff", Some(&staff.username), text, now)?;
        }
        if action == Action::Transfer
            && let Some(to) = self.unit_mailbox(dept)
        {
            let ctx = self.case_mail_context(&tip.case_number, dept);
            self.queue_mail(conn, &to, "transfer", &ctx)?;
        }
        // The reporter hears that something changed (not what: they look it up with the receipt).
        if tells_reporter(action) && !tip.anonymous {
            let sealed = tips::sealed_identity(conn, tip.id)?;
            self.tell_reporter(conn, &tip.case_number, sealed.as_deref())?;
        }
        Ok(())
    }

    /// The case as this staff member sees it now; a transfer may have taken it from their unit
    /// (the coordinator still sees it).
    fn view_after(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        case_number: &str,
    ) -> ServiceResult<CaseView> {
        let tip = tips::find_by_case_number(conn, case_number)?.ok_or(ServiceError::NotFound)?;
        let lead = match staff.scope() {
            Some(unit) => match cases::unit_attached(conn, tip.id, &unit)? {
                Some(r) => r == "lead",
                None => return self.view_after_transfer(conn, staff, tip),
            },
            None => false,
        };
        self.view(conn, staff, tip, lead)
    }
}

/// Not taken up, with the reason the reporter reads; refusing is final and is the case's
/// acceptance decision.
fn reject(step: &mut Step<'_>) {
    let reason = step.reason();
    step.file.reject_reason = Some(reason.clone());
    step.file.closed_at = Some(step.now);
    step.to_reporter = Some(format!("不予受理（Not taken up）：{reason}"));
    step.reason = Some(reason);
}

/// The finding of a verification result, written for the reporter: required, 10–2,000
/// characters (API.md; a missing or wrong one is a field error).
fn finding(step: &mut Step<'_>) -> Option<String> {
    text_field("finding", step.input.finding.as_deref(), FINDING_LEN)
        .map_err(|e| step.errors.push(e))
        .ok()
}

/// An enterprise on record that the tip is not yet linked to; the history names it.
fn link_enterprise(conn: &mut DbConn, tip: &TipRow, step: &mut Step<'_>) -> ServiceResult<()> {
    let Some(id) = step.input.enterprise_id else {
        step.errors
            .push(FieldError::new("enterprise_id", "required"));
        return Ok(());
    };
    let Some(row) = enterprises::find(conn, id)? else {
        step.errors
            .push(FieldError::new("enterprise_id", "unknown_enterprise"));
        return Ok(());
    };
    if enterprises::of_tip(conn, tip.id)?.is_some_and(|e| e.id == id) {
        step.errors
            .push(FieldError::new("enterprise_id", "already_linked"));
    }
    step.note = Some(match &row.credit_code {
        Some(code) => format!("{} ({code})", row.name),
        None => row.name.clone(),
    });
    step.enterprise = Some(id);
    Ok(())
}

/// Once, by the configured number of days, with a reason the reporter is told.
fn extend_verification(step: &mut Step<'_>, extension_days: u32) -> ServiceResult<()> {
    let reason = step.reason();
    if step.file.verification_extended {
        return Err(ServiceError::Conflict("already_extended"));
    }
    let base = step.file.verification_due.unwrap_or(step.today);
    let due = base + Duration::days(i64::from(extension_days));
    step.file.verification_due = Some(due);
    step.file.verification_extended = true;
    step.to_reporter = Some(format!(
        "核查期限延长至 {due}（Verification extended to {due}）：{reason}"
    ));
    step.reason = Some(reason);
    Ok(())
}

/// Who must fix what by when (not in the past), and whether operations stop meanwhile.
fn order_rectification(step: &mut Step<'_>) {
    let party = step.need("responsible_party", &step.input.responsible_party, 200);
    let measures = step.need("measures", &step.input.measures, 2_000);
    let deadline = step.input.deadline.as_deref().map(str::trim);
    match deadline.filter(|s| !s.is_empty()) {
        None => step.errors.push(FieldError::new("deadline", "required")),
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if d < step.today => step.errors.push(FieldError::new("deadline", "in_past")),
            Ok(d) => step.file.rectification_due = Some(d),
            Err(_) => step.errors.push(FieldError::new("deadline", "bad_date")),
        },
    }
    step.file.responsible_party = Some(party);
    step.file.measures = Some(measures);
    step.file.suspend_operations = step.input.suspend_operations.unwrap_or(false);
}

/// 复查: verified again from the start, with a new verification limit (and its one extension);
/// a refusal stays the case's acceptance decision.
fn reopen(step: &mut Step<'_>, verification_days: u32) {
    let reason = step.reason();
    let f = &mut step.file;
    f.accepted_at = f.accepted_at.or(f.closed_at).or(Some(step.now));
    f.verification_due = Some(step.today + Duration::days(i64::from(verification_days)));
    f.verification_extended = false;
    f.verified_at = None;
    f.feedback_due = None;
    f.closed_at = None;
    f.reject_reason = None;
    f.finding = None;
    step.reason = Some(reason);
}
