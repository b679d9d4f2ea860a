//! The case workflow for staff: the queue, one case with everything about it, the actions of the
//! lifecycle (through [`workflow::decide`], with their required fields and deadlines), messages to
//! the reporter, photos, and revealing an identity where the role allows it.
//!
//! Visibility: officers and heads see the tips their unit (department or sub-district) leads or
//! co-handles, and another unit's case answers exactly like a missing one; the coordinator and
//! inspectors see every tip; finance sees none here.

use super::audit;
use super::auth::Staff;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::NewEntry;
use crate::db::cases::{self, CaseFileRow, QueueFilter};
use crate::db::tips::{self, EventRow, MessageRow, TipRow};
use crate::domain::FieldError;
use crate::domain::deadlines::Deadlines;
use crate::domain::roles::Role;
use crate::domain::status::Status;
use crate::domain::tip::{MESSAGE_LEN, ReporterIdentity, text_field};
use crate::domain::workflow::{self, Action, Actor, Refusal};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

/// An action as staff send it (JSON or a form); which fields count depends on the action.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionInput {
    pub action: String,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub duplicate_of: Option<String>,
    /// `YYYY-MM-DD`
    pub deadline: Option<String>,
    pub responsible_party: Option<String>,
    pub measures: Option<String>,
    pub suspend_operations: Option<bool>,
    pub explanation: Option<String>,
    pub department: Option<String>,
}

/// Everything staff see of a case.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub tip: TipRow,
    pub file: CaseFileRow,
    /// (unit, role): lead, co_department, street.
    pub units: Vec<(String, String)>,
    pub history: Vec<EventRow>,
    pub messages: Vec<MessageRow>,
    /// (id, content type, bytes)
    pub attachments: Vec<(i64, String, i64)>,
    pub deadlines: Deadlines,
    pub overdue: bool,
    /// What this staff member may do now.
    pub actions: Vec<Action>,
    /// Whether this staff member may ask to see the reporter's identity.
    pub may_reveal: bool,
    /// The case's rewards, newest first.
    pub rewards: Vec<crate::db::rewards::RewardRow>,
    /// Whether a reward may be proposed now (found true, asked for, none in progress).
    pub may_propose_reward: bool,
    /// The case's entry on the public exposure list, if it was ever published.
    pub exposure: Option<crate::db::exposures::ExposureRow>,
    /// Whether this staff member may publish it (coordinator; a major hazard found true).
    pub may_expose: bool,
}

pub fn deadlines_of(file: &CaseFileRow) -> Deadlines {
    Deadlines {
        acceptance: file.acceptance_due,
        verification: file.verification_due,
        feedback: file.feedback_due,
        rectification: file.rectification_due,
    }
}

/// Changes the reporter can see on /track, and so is told of.
fn tells_reporter(action: Action) -> bool {
    !matches!(
        action,
        Action::Transfer | Action::ExplainDelay | Action::StartVerification
    )
}

fn refusal(r: Refusal) -> ServiceError {
    match r {
        Refusal::Forbidden => ServiceError::Forbidden,
        Refusal::Illegal => ServiceError::Conflict("illegal_transition"),
    }
}

fn required(field: &'static str, value: &Option<String>, max: usize) -> Result<String, FieldError> {
    text_field(field, value.as_deref(), (1, max))
}

impl Services {
    /// The tip of a case number, if this staff member may see it; `Ok(false)` in the second
    /// place unless their unit leads the case.
    fn visible(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        case_number: &str,
    ) -> ServiceResult<(TipRow, bool)> {
        if staff.role == Role::Finance {
            return Err(ServiceError::Forbidden);
        }
        let tip = tips::find_by_case_number(conn, case_number)?.ok_or(ServiceError::NotFound)?;
        let lead = match staff.role {
            Role::Coordinator | Role::Inspector => false,
            _ => {
                let unit = staff.unit.as_deref().unwrap_or_default();
                match cases::unit_attached(conn, tip.id, unit)? {
                    Some(role) => role == "lead",
                    None => {
                        tracing::info!(user = %staff.username, case = case_number, "case of another unit asked for");
                        return Err(ServiceError::NotFound);
                    }
                }
            }
        };
        Ok((tip, lead))
    }

    /// A page of the queue: (tips, total).
    pub fn queue(
        &self,
        staff: &Staff,
        mut filter: QueueFilter,
        page: i64,
        per_page: i64,
    ) -> ServiceResult<(Vec<TipRow>, i64)> {
        filter.unit = match staff.role {
            Role::Finance => return Err(ServiceError::Forbidden),
            Role::Coordinator | Role::Inspector => None,
            Role::Officer | Role::Head => Some(staff.unit.clone().unwrap_or_default()),
        };
        let per_page = per_page.clamp(1, 200);
        let offset = (page.clamp(1, 1_000_000) - 1) * per_page;
        let mut conn = self.db.read()?;
        Ok(cases::queue(&mut conn, &filter, offset, per_page)?)
    }

    pub fn case(&self, staff: &Staff, case_number: &str) -> ServiceResult<CaseView> {
        let mut conn = self.db.read()?;
        let (tip, lead) = self.visible(&mut conn, staff, case_number)?;
        self.view(&mut conn, staff, tip, lead)
    }

    fn view(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: TipRow,
        lead: bool,
    ) -> ServiceResult<CaseView> {
        let file = cases::get(conn, tip.id)?;
        let deadlines = deadlines_of(&file);
        let status: Status = tip.status.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let actor = Actor {
            role: staff.role,
            lead_unit: lead,
        };
        let rewards = crate::db::rewards::of_tip(conn, tip.id)?;
        let found_true = status.found_true(file.rectification_due.is_some());
        Ok(CaseView {
            exposure: crate::db::exposures::for_tip(conn, tip.id)?,
            may_expose: staff.role == Role::Coordinator && tip.severity == "major" && found_true,
            units: tips::units_of(conn, tip.id)?,
            history: tips::events_of(conn, tip.id)?,
            messages: tips::messages_of(conn, tip.id)?,
            attachments: tips::attachments_of(conn, tip.id)?,
            overdue: deadlines.overdue(status, self.today()),
            actions: workflow::available(status, actor)
                .into_iter()
                .filter(|a| match a {
                    // Offered only where the case's facts allow them, not just its status.
                    Action::ExplainDelay => {
                        file.rectification_due.is_some_and(|d| d < self.today())
                    }
                    Action::ExtendVerification => !file.verification_extended,
                    _ => true,
                })
                .collect(),
            may_reveal: staff.role == Role::Coordinator && !tip.anonymous,
            may_propose_reward: matches!(
                staff.role,
                Role::Officer | Role::Head | Role::Coordinator
            ) && tip.wants_reward
                && !tip.declared_supervision
                && file.reward_excluded.is_none()
                && matches!(
                    status,
                    Status::Substantiated | Status::Rectifying | Status::Rectified | Status::Closed
                )
                && !rewards
                    .iter()
                    .any(|r| r.status != "rejected" && r.status != "expired"),
            rewards,
            deadlines,
            file,
            tip,
        })
    }

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
        let today = self.today();
        self.db.write(|conn| -> ServiceResult<CaseView> {
            let (tip, lead) = self.visible(conn, staff, case_number)?;
            // Another transaction on this case waits, or we wait for it; then read afresh.
            cases::lock_tip(conn, tip.id)?;
            let tip = tips::find(conn, tip.id)?.ok_or(ServiceError::NotFound)?;
            let status: Status = tip.status.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let next = workflow::decide(
                status,
                action,
                Actor {
                    role: staff.role,
                    lead_unit: lead,
                },
            )
            .map_err(refusal)?;
            let mut file = cases::get(conn, tip.id)?;
            let now = self.now();
            let mut department = tip.department.clone();
            let mut note = input.note.clone().filter(|n| !n.trim().is_empty());
            let mut to_reporter: Option<String> = None;
            let mut reason_for_audit: Option<String> = None;
            let mut errors = Vec::new();
            let mut need = |field: &'static str, value: &Option<String>, max: usize| -> String {
                required(field, value, max)
                    .map_err(|e| errors.push(e))
                    .unwrap_or_default()
            };
            match action {
                Action::Accept => {
                    file.accepted_at = Some(now);
                    file.verification_due =
                        Some(today + Duration::days(i64::from(self.time_limits.verification_days)));
                }
                Action::Reject => {
                    let reason = need("reason", &input.reason, 500);
                    file.reject_reason = Some(reason.clone());
                    // Refusing is final: the case is closed, and this is its acceptance decision.
                    file.closed_at = Some(now);
                    to_reporter = Some(reason.clone());
                    reason_for_audit = Some(reason);
                }
                Action::StartVerification => {}
                Action::ExtendVerification => {
                    let reason = need("reason", &input.reason, 500);
                    if file.verification_extended {
                        return Err(ServiceError::Conflict("already_extended"));
                    }
                    let base = file.verification_due.unwrap_or(today);
                    let due = base
                        + Duration::days(i64::from(self.time_limits.verification_extension_days));
                    file.verification_due = Some(due);
                    file.verification_extended = true;
                    to_reporter = Some(format!(
                        "核查期限延长至 {due}（Verification extended to {due}）：{reason}"
                    ));
                    reason_for_audit = Some(reason);
                }
                Action::Substantiate | Action::Unsubstantiate => {
                    file.verified_at = Some(now);
                    file.feedback_due =
                        Some(today + Duration::days(i64::from(self.time_limits.feedback_days)));
                }
                Action::MarkDuplicate => {
                    let other = need("duplicate_of", &input.duplicate_of, 40);
                    if !other.is_empty() {
                        // The earlier case must be one this actor may see, taken up, and not a
                        // duplicate itself: the first accepted reporter keeps the reward.
                        let target = match self.visible(conn, staff, other.trim()) {
                            Ok((o, _)) if o.id != tip.id => Some(o),
                            Ok(_) | Err(ServiceError::NotFound) => None,
                            Err(e) => return Err(e),
                        };
                        match target {
                            Some(o)
                                if !matches!(
                                    o.status.as_str(),
                                    "submitted" | "rejected" | "duplicate"
                                ) =>
                            {
                                file.duplicate_of = Some(o.case_number)
                            }
                            Some(_) => errors.push(FieldError::new("duplicate_of", "not_accepted")),
                            None => errors.push(FieldError::new("duplicate_of", "unknown_case")),
                        }
                    }
                }
                Action::OrderRectification => {
                    let party = need("responsible_party", &input.responsible_party, 200);
                    let measures = need("measures", &input.measures, 2_000);
                    match input
                        .deadline
                        .as_deref()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                    {
                        None => errors.push(FieldError::new("deadline", "required")),
                        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                            Ok(d) if d < today => {
                                errors.push(FieldError::new("deadline", "in_past"))
                            }
                            Ok(d) => file.rectification_due = Some(d),
                            Err(_) => errors.push(FieldError::new("deadline", "bad_date")),
                        },
                    }
                    file.responsible_party = Some(party);
                    file.measures = Some(measures);
                    file.suspend_operations = input.suspend_operations.unwrap_or(false);
                    file.delay_explanation = None;
                }
                Action::ConfirmRectified => {
                    let late = file.rectification_due.is_some_and(|d| d < today);
                    if late && file.delay_explanation.is_none() {
                        return Err(ServiceError::Conflict("explanation_required"));
                    }
                    file.rectified_at = Some(now);
                }
                Action::ExplainDelay => {
                    let explanation = need("explanation", &input.explanation, 2_000);
                    if file.rectification_due.is_none_or(|d| d >= today) {
                        return Err(ServiceError::Conflict("not_overdue"));
                    }
                    file.delay_explanation = Some(explanation.clone());
                    note = Some(explanation);
                }
                Action::Close => {
                    file.closed_at = Some(now);
                }
                Action::Transfer => {
                    let reason = need("reason", &input.reason, 500);
                    match input.department.as_deref().map(str::trim) {
                        Some(d) if self.catalog.department(d).is_some() && d != tip.department => {
                            department = d.to_owned();
                        }
                        Some(d) if !d.is_empty() && self.catalog.department(d).is_some() => {
                            errors.push(FieldError::new("department", "same_department"))
                        }
                        None | Some("") => errors.push(FieldError::new("department", "required")),
                        Some(_) => errors.push(FieldError::new("department", "unknown_unit")),
                    }
                    reason_for_audit = Some(reason);
                }
            }
            if !errors.is_empty() {
                return Err(ServiceError::Validation(errors));
            }
            if action == Action::Transfer {
                cases::replace_lead(conn, tip.id, &department)?;
                note = Some(format!(
                    "{} → {}: {}",
                    tip.department,
                    department,
                    reason_for_audit.clone().unwrap_or_default()
                ));
            }
            cases::update(conn, &file)?;
            let deadlines = deadlines_of(&file);
            let next_deadline = deadlines.current(next).map(|(_, d)| d);
            cases::set_tip_state(
                conn,
                tip.id,
                next.as_str(),
                &department,
                next_deadline,
                deadlines.overdue(next, today),
                now,
            )?;
            let event_note = note.clone().or_else(|| reason_for_audit.clone());
            tips::insert_event(
                conn,
                tip.id,
                action.as_str(),
                Some(&staff.username),
                event_note.as_deref(),
                now,
            )?;
            if let Some(text) = &to_reporter {
                let body = if action == Action::Reject {
                    format!("不予受理（Not taken up）：{text}")
                } else {
                    text.clone()
                };
                tips::insert_message(conn, tip.id, "staff", Some(&staff.username), &body, now)?;
            }
            audit::append(
                self,
                conn,
                &NewEntry {
                    actor: &staff.username,
                    action: action.as_str(),
                    case_number: Some(case_number),
                    reason: reason_for_audit.as_deref(),
                    detail: Some(&format!("{} -> {}", status, next)),
                    ..NewEntry::default()
                },
            )?;
            if action == Action::Transfer
                && let Some(to) = self.unit_mailbox(&department)
            {
                self.queue_mail(
                    conn,
                    &to,
                    "transfer",
                    &self.case_mail_context(case_number, &department),
                )?;
            }
            // The reporter hears that something changed (not what: they look it up with the receipt).
            if tells_reporter(action) && !tip.anonymous {
                let sealed = tips::sealed_identity(conn, tip.id)?;
                self.tell_reporter(conn, case_number, sealed.as_deref())?;
            }
            // The old lead loses access with a transfer; the coordinator still sees it.
            let tip =
                tips::find_by_case_number(conn, case_number)?.ok_or(ServiceError::NotFound)?;
            let lead = match staff.role {
                Role::Officer | Role::Head => {
                    match cases::unit_attached(
                        conn,
                        tip.id,
                        staff.unit.as_deref().unwrap_or_default(),
                    )? {
                        Some(r) => r == "lead",
                        None => return self.view_after_transfer(conn, staff, tip),
                    }
                }
                _ => false,
            };
            self.view(conn, staff, tip, lead)
        })
    }

    /// After a head transferred a case away, they may no longer see it: answer with what the
    /// coordinator-neutral view holds, without actions.
    fn view_after_transfer(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: TipRow,
    ) -> ServiceResult<CaseView> {
        let mut v = self.view(conn, staff, tip, false)?;
        v.actions.clear();
        Ok(v)
    }

    /// A staff question or answer to the reporter, shown on /track. Telling the reporter after
    /// verification fulfils the feedback limit.
    pub fn staff_message(
        &self,
        staff: &Staff,
        case_number: &str,
        body: &str,
    ) -> ServiceResult<i64> {
        if matches!(staff.role, Role::Inspector | Role::Finance) {
            return Err(ServiceError::Forbidden);
        }
        let body = text_field("body", Some(body), MESSAGE_LEN)
            .map_err(|e| ServiceError::Validation(vec![e]))?;
        let today = self.today();
        self.db.write(|conn| -> ServiceResult<i64> {
            let (tip, _) = self.visible(conn, staff, case_number)?;
            cases::lock_tip(conn, tip.id)?;
            let tip = tips::find(conn, tip.id)?.ok_or(ServiceError::NotFound)?;
            let now = self.now();
            let id =
                tips::insert_message(conn, tip.id, "staff", Some(&staff.username), &body, now)?;
            tips::insert_event(conn, tip.id, "message", Some(&staff.username), None, now)?;
            let mut file = cases::get(conn, tip.id)?;
            if file.feedback_due.is_some() {
                file.feedback_due = None;
                cases::update(conn, &file)?;
                let status: Status = tip.status.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
                let deadlines = deadlines_of(&file);
                let next = deadlines.current(status).map(|(_, d)| d);
                cases::set_tip_state(
                    conn,
                    tip.id,
                    &tip.status,
                    &tip.department,
                    next,
                    deadlines.overdue(status, today),
                    now,
                )?;
            }
            audit::append(
                self,
                conn,
                &NewEntry {
                    actor: &staff.username,
                    action: "message",
                    case_number: Some(case_number),
                    ..NewEntry::default()
                },
            )?;
            if !tip.anonymous {
                let sealed = tips::sealed_identity(conn, tip.id)?;
                self.tell_reporter(conn, case_number, sealed.as_deref())?;
            }
            Ok(id)
        })
    }

    /// One photo of a case: (content type, bytes).
    pub fn attachment(
        &self,
        staff: &Staff,
        case_number: &str,
        id: i64,
    ) -> ServiceResult<(String, Vec<u8>)> {
        let mut conn = self.db.read()?;
        let (tip, _) = self.visible(&mut conn, staff, case_number)?;
        tips::attachment_data(&mut conn, tip.id, id)?.ok_or(ServiceError::NotFound)
    }

    /// Opens a reporter's identity for the coordinator, with a reason, recorded in the audit
    /// log. Officers, heads and inspectors never may; finance only once a reward is approved.
    pub fn reveal_identity(
        &self,
        staff: &Staff,
        case_number: &str,
        reason: &str,
    ) -> ServiceResult<ReporterIdentity> {
        if !matches!(staff.role, Role::Coordinator | Role::Finance) {
            return Err(ServiceError::Forbidden);
        }
        let reason = text_field("reason", Some(reason), (1, 500))
            .map_err(|e| ServiceError::Validation(vec![e]))?;
        self.db.write(|conn| -> ServiceResult<ReporterIdentity> {
            // Finance sees no case, except to pay a reward it approved.
            let tip = if staff.role == Role::Finance {
                let tip =
                    tips::find_by_case_number(conn, case_number)?.ok_or(ServiceError::NotFound)?;
                if !self.reward_approved(conn, tip.id)? {
                    return Err(ServiceError::Forbidden);
                }
                tip
            } else {
                self.visible(conn, staff, case_number)?.0
            };
            let sealed =
                tips::sealed_identity(conn, tip.id)?.ok_or(ServiceError::Conflict("anonymous"))?;
            let plain = self.sealer.open(&sealed, case_number)?;
            let identity: ReporterIdentity =
                serde_json::from_slice(&plain).map_err(|e| anyhow::anyhow!("identity: {e}"))?;
            audit::append(
                self,
                conn,
                &NewEntry {
                    actor: &staff.username,
                    action: "reveal_identity",
                    case_number: Some(case_number),
                    reason: Some(&reason),
                    ..NewEntry::default()
                },
            )?;
            Ok(identity)
        })
    }
}
