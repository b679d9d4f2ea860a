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
use crate::db::cases::{self, CaseFileRow, PublicFilter, QueueFilter};
use crate::db::tips::{self, EventRow, MessageRow, TipRow};
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::deadlines::Deadlines;
use crate::domain::status::Status;
use crate::domain::tip::{MESSAGE_LEN, ReporterIdentity, text_field};
use crate::domain::workflow::{self, Action, Actor, Refusal};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

/// An action as staff send it (JSON or a form); which fields count depends on the action.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[derive(utoipa::ToSchema)]
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

/// A case as lists show it (the queue, the public Open311 list): no text, address or identity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseSummary {
    pub case_number: String,
    pub status: Status,
    pub sector: String,
    pub street: Option<String>,
    pub department: String,
    pub submitted_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub next_deadline: Option<NaiveDate>,
    pub overdue: bool,
}

impl From<TipRow> for CaseSummary {
    fn from(t: TipRow) -> Self {
        CaseSummary {
            case_number: t.case_number,
            status: t.status,
            sector: t.sector,
            street: t.street,
            department: t.department,
            submitted_at: t.submitted_at,
            updated_at: t.updated_at,
            next_deadline: t.next_deadline,
            overdue: t.overdue,
        }
    }
}

/// Everything staff see of a case.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub tip: TipRow,
    /// The case's status (the row's text, parsed).
    pub status: Status,
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
    /// Whether this staff member may write to the reporter.
    pub may_message: bool,
    /// The case's rewards, newest first.
    pub rewards: Vec<crate::db::rewards::RewardRow>,
    /// Whether this staff member may propose a reward now: `domain::reward::step`'s answer, the
    /// same the proposal itself enforces (found true, asked for, not excluded, none active).
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
pub(super) fn tells_reporter(action: Action) -> bool {
    !matches!(
        action,
        Action::Transfer | Action::ExplainDelay | Action::StartVerification
    )
}

pub(super) fn refusal(r: Refusal) -> ServiceError {
    match r {
        Refusal::Forbidden => ServiceError::Forbidden,
        Refusal::Illegal => ServiceError::Conflict("illegal_transition"),
    }
}

pub(super) fn required(
    field: &'static str,
    value: &Option<String>,
    max: usize,
) -> Result<String, FieldError> {
    text_field(field, value.as_deref(), (1, max))
}

impl Services {
    /// The tip of a case number, if this staff member may see it; `Ok(false)` in the second
    /// place unless their unit leads the case.
    pub(super) fn visible(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        case_number: &str,
    ) -> ServiceResult<(TipRow, bool)> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        let tip = tips::find_by_case_number(conn, case_number)?.ok_or(ServiceError::NotFound)?;
        let lead = match staff.scope() {
            None => false,
            Some(unit) => match cases::unit_attached(conn, tip.id, &unit)? {
                Some(role) => role == "lead",
                None => {
                    tracing::info!(user = %staff.username, case = case_number, "case of another unit asked for");
                    return Err(ServiceError::NotFound);
                }
            },
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
    ) -> ServiceResult<(Vec<CaseSummary>, i64)> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        filter.unit = staff.scope();
        let per_page = per_page.clamp(1, 200);
        let offset = (page.clamp(1, 1_000_000) - 1) * per_page;
        let mut conn = self.db.read()?;
        let (rows, total) = cases::queue(&mut conn, &filter, offset, per_page)?;
        Ok((rows.into_iter().map(CaseSummary::from).collect(), total))
    }

    /// The public list of requests (Open311), newest first, at most `limit`. Without a period
    /// or case numbers it covers the last 90 days, the standard's default window.
    pub fn public_requests(
        &self,
        mut filter: PublicFilter,
        limit: i64,
    ) -> ServiceResult<Vec<CaseSummary>> {
        if filter.start.is_none() && filter.end.is_none() && filter.case_numbers.is_empty() {
            filter.start = Some(self.now() - Duration::days(90));
        }
        let mut conn = self.db.read()?;
        let rows = cases::public_requests(&mut conn, &filter, limit)?;
        Ok(rows.into_iter().map(CaseSummary::from).collect())
    }

    /// One request of the public list, by its case number.
    pub fn public_request(&self, case_number: &str) -> ServiceResult<Option<CaseSummary>> {
        let mut conn = self.db.read()?;
        Ok(tips::find_by_case_number(&mut conn, case_number)?.map(CaseSummary::from))
    }

    pub fn case(&self, staff: &Staff, case_number: &str) -> ServiceResult<CaseView> {
        let mut conn = self.db.read()?;
        let (tip, lead) = self.visible(&mut conn, staff, case_number)?;
        self.view(&mut conn, staff, tip, lead)
    }

    pub(super) fn view(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: TipRow,
        lead: bool,
    ) -> ServiceResult<CaseView> {
        let file = cases::get(conn, tip.id)?;
        let deadlines = deadlines_of(&file);
        let status = tip.status;
        let actor = Actor {
            role: staff.role,
            lead_unit: lead,
        };
        let rewards = crate::db::rewards::of_tip(conn, tip.id)?;
        Ok(CaseView {
            exposure: crate::db::exposures::for_tip(conn, tip.id)?,
            may_expose: staff.may(Permission::Publish) && super::exposure::exposable(&tip, &file),
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
            may_reveal: staff.may(Permission::RevealIdentity) && !tip.anonymous,
            may_message: staff.may(Permission::WorkCases),
            may_propose_reward: self.may_propose_reward(staff, &tip, &file, &rewards)?,
            rewards,
            deadlines,
            file,
            tip,
            status,
        })
    }

    /// After a head transferred a case away, they may no longer see it: answer with what the
    /// coordinator-neutral view holds, without actions.
    pub(super) fn view_after_transfer(
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
        if !staff.may(Permission::WorkCases) {
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
                let status = tip.status;
                let deadlines = deadlines_of(&file);
                let next = deadlines.current(status).map(|(_, d)| d);
                cases::set_tip_state(
                    conn,
                    tip.id,
                    tip.status.as_str(),
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
        if !staff.may(Permission::RevealIdentity) {
            return Err(ServiceError::Forbidden);
        }
        let reason = text_field("reason", Some(reason), (1, 500))
            .map_err(|e| ServiceError::Validation(vec![e]))?;
        self.db.write(|conn| -> ServiceResult<ReporterIdentity> {
            // Finance sees no case, except to pay a reward it approved.
            let tip = if !staff.may(Permission::ReadCases) {
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
