//! The case workflow for staff: the queue, one case with everything about it, the actions of the
//! lifecycle (through [`workflow::decide`], with their required fields and deadlines), messages to
//! the reporter, photos, and revealing an identity where the role allows it.
//!
//! Visibility: officers and heads see the tips their unit (department or sub-district) leads or
//! co-handles, and another unit's case answers exactly like a missing one; the coordinator and
//! inspectors see every tip; finance sees none here.

use super::audit::{self, By, Event};
use super::auth::Staff;
use super::explanations::ExplanationView;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::NewEntry;
use crate::db::cases::{self, CaseFileRow, PublicFilter, QueueFilter, QueuePosition};
use crate::db::explanations::Owner;
use crate::db::listings::{Listed, ListedKind};
use crate::db::tips::{self, EventRow, MessageRow, SummaryRow, TipRow};
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::catalog::AssignmentRole;
use crate::domain::deadlines::{Deadlines, Limit, Met};
use crate::domain::explanation::Decision;
use crate::domain::query::{QueueCursor, QueueTotal};
use crate::domain::reward::{Fen, RewardId, RewardStatus};
use crate::domain::status::Status;
use crate::domain::tip::{Channel, MESSAGE_LEN, ReporterIdentity, Severity, text_field};
use crate::domain::workflow::{self, Action, Actor, Refusal};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Whose read marker a staff member's opening of a case sets: their unit's, or the district's
/// for the coordinator and inspectors (who work every case).
fn reader(staff: &Staff) -> String {
    staff.scope().unwrap_or_else(|| "district".to_owned())
}

/// What `read` reads when `present` says there is something to read; nothing (empty, `None`)
/// without a statement when not.
fn when<T: Default, E>(present: bool, read: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    if present { read() } else { Ok(T::default()) }
}

/// Whether a staff member's unit leads a case, given the role it holds there (`None`: none):
/// `NotFound` for a unit not attached, `false` for staff without a unit (they see every case).
fn leads(staff: &Staff, case_number: &str, role: Option<&str>) -> ServiceResult<bool> {
    match (staff.scope(), role) {
        (None, _) => Ok(false),
        (Some(_), Some(role)) => Ok(role == "lead"),
        (Some(_), None) => {
            tracing::info!(user = %staff.username, case = case_number, "case of another unit asked for");
            Err(ServiceError::NotFound)
        }
    }
}

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
    /// `explain_delay`: the written explanation (书面说明).
    pub explanation: Option<String>,
    /// `explain_delay`: the limit explained, `acceptance`, `verification`, `feedback` or
    /// `rectification` (the default, as in version 1).
    pub limit: Option<String>,
    /// `explain_delay`: the day the limit is now expected to be met (`YYYY-MM-DD`), optional.
    pub new_date: Option<String>,
    /// `acknowledge_explanation`: the explanation's id.
    pub explanation_id: Option<i64>,
    /// `acknowledge_explanation`: `accepted` or `returned` (a note is then required).
    pub decision: Option<String>,
    pub department: Option<String>,
    /// `reclassify`: the new sector's code.
    pub sector: Option<String>,
    /// `set_street`: the sub-district's code.
    pub street: Option<String>,
    /// `link_enterprise`: the enterprise's id.
    pub enterprise_id: Option<i64>,
    /// `supervise`: the due date of the listed supervision (督办期限, `YYYY-MM-DD`).
    pub due: Option<String>,
    /// `substantiate` / `unsubstantiate`: what was checked and found, written for the reporter
    /// (10–2,000 characters; optional). The reporter reads it on /track as the outcome; `note`
    /// stays internal.
    pub finding: Option<String>,
}

/// A case as lists show it (the queue, the public Open311 list): no text or identity; the place
/// is for the staff queue (the public list never shows it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseSummary {
    pub case_number: String,
    pub status: Status,
    pub severity: Severity,
    /// Where it happened, as the reporter wrote it.
    pub address: String,
    pub sector: String,
    pub street: Option<String>,
    pub department: String,
    pub submitted_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub next_deadline: Option<NaiveDate>,
    pub overdue: bool,
    /// 挂牌督办 in force (filled in by the staff queue only).
    pub listed_supervision: Option<super::listing::ListedSupervision>,
    /// Days from today to the current limit, negative when late (the staff queue only).
    pub days_left: Option<i64>,
    /// Messages from the reporter since someone of the reader's unit last opened the case
    /// (the staff queue only).
    pub unread: i64,
    /// The tip's database id, to find what belongs to it.
    #[serde(skip)]
    pub(super) tip_id: i64,
}

impl From<SummaryRow> for CaseSummary {
    fn from(t: SummaryRow) -> Self {
        CaseSummary {
            case_number: t.case_number,
            status: t.status,
            severity: t.severity,
            address: t.address,
            sector: t.sector,
            street: t.street,
            department: t.department,
            submitted_at: t.submitted_at,
            updated_at: t.updated_at,
            next_deadline: t.next_deadline,
            overdue: t.overdue,
            listed_supervision: None,
            days_left: None,
            unread: 0,
            tip_id: t.id.0,
        }
    }
}

/// Everything staff see of a case (the case page and the API both show it): plain fields,
/// typed where the domain has a type; no database row leaves the services.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case_number: String,
    /// The sector's code.
    pub sector: String,
    /// The sub-district's code.
    pub street: Option<String>,
    pub address: String,
    /// The business as the reporter named it (free text).
    pub enterprise: Option<String>,
    /// The enterprise record the tip is linked to.
    pub linked_enterprise: Option<super::hazards::EnterpriseRef>,
    /// When none is linked: records the free-text business may be (for staff to confirm).
    pub enterprise_matches: Vec<super::hazards::EnterpriseRef>,
    pub description: String,
    /// The retention job erased the content (description, place, business, photos, messages,
    /// identity) of this case, closed long ago.
    pub content_erased: bool,
    /// When the retention job erased it.
    pub content_erased_at: Option<NaiveDateTime>,
    pub severity: Severity,
    pub observed_at: Option<NaiveDateTime>,
    pub submitted_at: NaiveDateTime,
    pub channel: Channel,
    /// Where a tip taken by staff came from (the outlet, letter number, hotline ticket).
    pub source_note: Option<String>,
    pub status: Status,
    /// The lead department's code.
    pub department: String,
    /// The co-handling departments' codes.
    pub co_departments: Vec<String>,
    pub triage: bool,
    pub suggested_sector: Option<String>,
    pub anonymous: bool,
    pub wants_reward: bool,
    pub verification_extended: bool,
    pub rectification: Rectification,
    pub duplicate_of: Option<String>,
    /// The cases marked as duplicates of this one.
    pub duplicates: Vec<String>,
    /// Open cases of the last 90 days about the same enterprise or place, for staff to confirm
    /// (this staff member's reach only).
    pub suggested_duplicates: Vec<String>,
    pub reject_reason: Option<String>,
    /// Oldest first.
    pub history: Vec<HistoryItem>,
    pub messages: Vec<CaseMessage>,
    /// Staff usernames and their display names, to name people in the history, the messages,
    /// the explanations and the exposure (at least everyone they name).
    pub people: Arc<HashMap<String, String>>,
    pub attachments: Vec<AttachmentInfo>,
    pub deadlines: Deadlines,
    pub overdue: bool,
    /// What this staff member may do now.
    pub actions: Vec<Action>,
    /// Whether this staff member may ask to see the reporter's identity.
    pub may_reveal: bool,
    /// Whether this staff member may write to the reporter.
    pub may_message: bool,
    /// The case's rewards, newest first.
    pub rewards: Vec<CaseReward>,
    /// Whether this staff member may propose a reward now: `domain::reward::step`'s answer, the
    /// same the proposal itself enforces (found true, asked for, not excluded, none active).
    pub may_propose_reward: bool,
    /// The case's entry on the public exposure list, if it was ever published.
    pub exposure: Option<ExposureView>,
    /// Whether this staff member may publish it (coordinator; a major hazard found true).
    pub may_expose: bool,
    /// The hazard its rectification order created, when this staff member may see it.
    pub hazard: Option<CaseHazard>,
    /// The written explanations of missed limits, oldest first.
    pub explanations: Vec<ExplanationView>,
    /// The limits the case has missed (those an explanation may answer).
    pub missed: Vec<Limit>,
    /// Missed limits no explanation answers (none yet, or the last ones returned): asked for.
    pub unexplained: Vec<Limit>,
    /// 挂牌督办 of the case in force.
    pub listed_supervision: Option<super::listing::ListedSupervision>,
}

/// A case's hazard as its page names it: the link, and whether it is under listed supervision
/// (挂牌督办).
#[derive(Debug, Clone)]
pub struct CaseHazard {
    pub id: crate::domain::hazard::HazardId,
    pub number: String,
    pub supervised: bool,
}

/// The rectification ordered on a case.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Rectification {
    #[schema(required)]
    pub responsible_party: Option<String>,
    #[schema(required)]
    pub measures: Option<String>,
    pub suspend_operations: bool,
    /// The latest explanation of a late rectification that was not returned (the full list is
    /// the case's `explanations`).
    #[schema(required)]
    pub delay_explanation: Option<String>,
}

/// One step of a case's history.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = HistoryEntry)]
pub struct HistoryItem {
    /// The action's name (`accept`, `transfer`, `message`…).
    pub action: String,
    /// The staff member's username; none for the system.
    #[serde(rename = "by")]
    #[schema(required)]
    pub actor: Option<String>,
    #[schema(required)]
    pub note: Option<String>,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
}

/// A message between staff and the reporter.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CaseMessage {
    #[serde(rename = "from", serialize_with = "crate::domain::json::sender")]
    #[schema(value_type = crate::domain::json::Sender)]
    pub from_staff: bool,
    /// The staff member who wrote it.
    #[serde(rename = "by")]
    #[schema(required)]
    pub author: Option<String>,
    pub body: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
}

/// A photo's metadata (the bytes are at `…/attachments/{id}`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentInfo {
    pub id: i64,
    pub content_type: String,
    pub bytes: i64,
    /// When the reporter added it later from /track; absent for the photos sent with the tip.
    #[serde(
        serialize_with = "crate::domain::json::rfc3339_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, nullable = false)]
    pub added_later: Option<NaiveDateTime>,
}

/// A reward of the case, as the case page lists it.
#[derive(Debug, Clone)]
pub struct CaseReward {
    pub id: RewardId,
    pub status: RewardStatus,
    pub amount: Fen,
    pub rule: String,
    /// The head's note on signing it off or returning it.
    pub signoff_note: Option<String>,
    /// The proposal as it stands, to fill the correction form.
    pub basis: String,
    pub fine: Option<Fen>,
    pub penalty_decision: Option<String>,
    pub deaths_concealed: Option<i32>,
    pub accident_grade: Option<String>,
    pub note: Option<String>,
    /// What this staff member may do to it now (the lifecycle's answer).
    pub steps: crate::domain::reward::Steps,
}

/// The case's entry on the public exposure list.
#[derive(Debug, Clone)]
pub struct ExposureView {
    pub enterprise: String,
    pub location: String,
    pub finding: String,
    pub published_by: String,
    pub published_at: NaiveDateTime,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdraw_reason: Option<String>,
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
        Action::Transfer
            | Action::ExplainDelay
            | Action::AcknowledgeExplanation
            | Action::StartVerification
            | Action::LinkEnterprise
            | Action::Supervise
            | Action::LiftSupervision
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

/// The actions this actor may take now: what the workflow allows in this status, offered only
/// where the case's facts allow them too (a missed limit to explain, an explanation awaiting a
/// decision).
fn offered(
    status: Status,
    (actor, facts): (Actor, workflow::Facts),
    file: &CaseFileRow,
    (missed, explanations): (&[Limit], &[ExplanationView]),
) -> Vec<Action> {
    let allowed = |a: &Action| match a {
        Action::ExplainDelay => !missed.is_empty(),
        Action::AcknowledgeExplanation => explanations.iter().any(|e| e.decision.is_none()),
        Action::ExtendVerification => !file.verification_extended,
        _ => true,
    };
    workflow::available(status, actor, facts)
        .into_iter()
        .filter(allowed)
        .collect()
}

impl From<crate::db::exposures::ExposureRow> for ExposureView {
    fn from(e: crate::db::exposures::ExposureRow) -> Self {
        ExposureView {
            enterprise: e.enterprise,
            location: e.location,
            finding: e.finding,
            published_by: e.published_by,
            published_at: e.published_at,
            withdrawn_by: e.withdrawn_by,
            withdrawn_at: e.withdrawn_at,
            withdraw_reason: e.withdraw_reason,
        }
    }
}

impl From<EventRow> for HistoryItem {
    fn from(e: EventRow) -> Self {
        HistoryItem {
            action: e.action,
            actor: e.actor,
            note: e.note,
            at: e.created_at,
        }
    }
}

impl From<MessageRow> for CaseMessage {
    fn from(m: MessageRow) -> Self {
        CaseMessage {
            from_staff: m.sender == "staff",
            author: m.author,
            body: m.body,
            at: m.created_at,
        }
    }
}

impl Services {
    /// The limits a case has missed by today (`Deadlines::missed` on its file: refusing a tip is
    /// its acceptance decision too, and a final case misses nothing more by standing still).
    pub(super) fn missed_limits(&self, tip: &TipRow, file: &CaseFileRow) -> Vec<Limit> {
        let local = |t: Option<NaiveDateTime>| t.map(|t| self.local_date(t));
        let refused =
            (tip.status == Status::Rejected).then(|| file.closed_at.unwrap_or(tip.updated_at));
        let met = Met {
            acceptance: local(file.accepted_at.or(refused)),
            verification: local(file.verified_at),
            rectification: local(file.rectified_at),
        };
        deadlines_of(file).missed(&met, !tip.status.is_final(), self.today())
    }

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
        let Some(unit) = staff.scope() else {
            let tip = tips::find_by_case_number(conn, case_number)?;
            return Ok((tip.ok_or(ServiceError::NotFound)?, false));
        };
        let (tip, role) =
            cases::find_with_role(conn, case_number, &unit)?.ok_or(ServiceError::NotFound)?;
        Ok((tip, leads(staff, case_number, role.as_deref())?))
    }

    /// A page of the queue: the tips, how many match, and where the next page starts (when
    /// there is one). `after` (a cursor from an earlier page) wins over `page`.
    pub fn queue(
        &self,
        staff: &Staff,
        mut filter: QueueFilter,
        page: i64,
        after: Option<QueueCursor>,
        per_page: i64,
    ) -> ServiceResult<QueuePage> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        filter.unit = staff.scope();
        let per_page = per_page.clamp(1, 200);
        let at = match after {
            Some(c) => QueuePosition::After(c),
            None => QueuePosition::Offset((page.clamp(1, 1_000_000) - 1) * per_page),
        };
        let mut conn = self.db.read()?;
        let (mut rows, total) = cases::queue(&mut conn, &filter, at, per_page + 1)?;
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        let next = rows
            .last()
            .filter(|_| more)
            .map(|t| QueueCursor::of(t.next_deadline, t.id.0));
        let mut items: Vec<CaseSummary> = rows.into_iter().map(CaseSummary::from).collect();
        let ids: Vec<i64> = items.iter().map(|c| c.tip_id).collect();
        let mut listings = self.listings_of(&mut conn, ListedKind::Tip, &ids)?;
        let unread: HashMap<i64, i64> =
            cases::unread_from_reporter(&mut conn, &ids, &reader(staff))?
                .into_iter()
                .collect();
        let today = self.today();
        for c in &mut items {
            c.listed_supervision = listings.remove(&c.tip_id);
            c.days_left = c.next_deadline.map(|d| (d - today).num_days());
            c.unread = unread.get(&c.tip_id).copied().unwrap_or(0);
        }
        Ok(QueuePage { items, total, next })
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
        Ok(tips::summary_by_case_number(&mut conn, case_number)?.map(CaseSummary::from))
    }

    /// Every staff member's display name by username (to name people where pages show them).
    pub(super) fn people(&self, conn: &mut DbConn) -> ServiceResult<HashMap<String, String>> {
        Ok(crate::db::staff::display_names(conn)?.into_iter().collect())
    }

    /// Every staff member's display name by username, kept in the instance: an account's
    /// username and display name never change once it is made and no account is deleted, so a
    /// kept name is right; when `named` holds someone the kept names lack (an account made
    /// since, here or on another instance), they are all read again. A fresh case names no one
    /// and reads nothing.
    fn names_for<'a>(
        &self,
        conn: &mut DbConn,
        named: impl IntoIterator<Item = &'a str>,
    ) -> ServiceResult<Arc<HashMap<String, String>>> {
        let kept = Arc::clone(&self.names.read().unwrap_or_else(|e| e.into_inner()));
        if named.into_iter().all(|u| kept.contains_key(u)) {
            return Ok(kept);
        }
        let all = Arc::new(self.people(conn)?);
        *self.names.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&all);
        Ok(all)
    }

    /// Every staff member's display name by username, for a page that names people.
    pub fn display_names(&self) -> ServiceResult<HashMap<String, String>> {
        let mut conn = self.db.read()?;
        self.people(&mut conn)
    }

    /// One case; opening it marks the reporter's messages read for the staff member's unit.
    pub fn case(&self, staff: &Staff, case_number: &str) -> ServiceResult<CaseView> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        let mut conn = self.db.read_by_key()?;
        let unit = reader(staff);
        let read = cases::open(&mut conn, case_number, staff.scope().as_deref(), &unit)?
            .ok_or(ServiceError::NotFound)?;
        let lead = leads(staff, case_number, read.role.as_deref())?;
        // A durable write only when there is something to mark read: with no reporter message
        // unread, the marker would change no count (a later message is unread either way).
        if read.unread {
            drop(conn);
            let (id, now) = (read.tip.id, self.now());
            self.db
                .write(|c| -> ServiceResult<()> { Ok(cases::mark_read(c, id, &unit, now)?) })?;
            conn = self.db.read_by_key()?;
        }
        self.view_of(&mut conn, staff, read, lead)
    }

    /// The case page's view of a tip (after an action on it: the rest is read here, in the
    /// caller's transaction).
    pub(super) fn view(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: TipRow,
        lead: bool,
    ) -> ServiceResult<CaseView> {
        let read = cases::open(conn, &tip.case_number, None, &reader(staff))?
            .ok_or(ServiceError::NotFound)?;
        self.view_of(conn, staff, cases::CaseRead { tip, ..read }, lead)
    }

    /// The case page's view of a case whose first read is done: the rest is read only where
    /// that read found something (`CaseHas`).
    fn view_of(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        read: cases::CaseRead,
        lead: bool,
    ) -> ServiceResult<CaseView> {
        let cases::CaseRead {
            tip,
            file,
            exposure,
            has,
            ..
        } = read;
        let exposure = exposure.map(ExposureView::from);
        let deadlines = deadlines_of(&file);
        let status = tip.status;
        let actor = Actor {
            role: staff.role,
            lead_unit: lead,
        };
        let rewards = when(has.rewards, || crate::db::rewards::of_tip(conn, tip.id))?;
        let co_departments = when(has.co_departments, || tips::units_of(conn, tip.id))?
            .into_iter()
            .filter(|(_, role)| role == AssignmentRole::CoDepartment.as_str())
            .map(|(unit, _)| unit)
            .collect();
        let history: Vec<HistoryItem> = tips::events_of(conn, tip.id)?
            .into_iter()
            .map(HistoryItem::from)
            .collect();
        let messages: Vec<CaseMessage> = when(has.messages, || tips::messages_of(conn, tip.id))?
            .into_iter()
            .map(CaseMessage::from)
            .collect();
        let duplicates = when(has.duplicates, || {
            cases::duplicates_of(conn, &tip.case_number)
        })?;
        let suggested_duplicates =
            self.suggested_duplicates(conn, staff, &tip, &file, &duplicates)?;
        let (linked_enterprise, enterprise_matches) =
            self.tip_enterprise(conn, &tip, has.enterprise)?;
        let attachments = when(has.attachments, || tips::attachments_of(conn, tip.id))?
            .into_iter()
            .map(|a| AttachmentInfo {
                id: a.id,
                content_type: a.content_type,
                bytes: a.bytes,
                added_later: a.added_later.then_some(a.created_at),
            })
            .collect();
        let explanations = when(has.explanations, || {
            self.explanations(conn, Owner::Tip(tip.id.0))
        })?;
        let missed = self.missed_limits(&tip, &file);
        let unexplained = missed
            .iter()
            .copied()
            .filter(|&l| {
                let due = deadlines.due(l).unwrap_or_default();
                !self.stands_explained(&explanations, l, due)
            })
            .collect();
        let delay_explanation = explanations
            .iter()
            .rev()
            .find(|e| e.limit == Limit::Rectification && e.decision != Some(Decision::Returned))
            .map(|e| e.text.clone());
        let hazard = when(has.hazard, || crate::db::hazards::for_tip(conn, tip.id))?
            .filter(|h| self.hazard_in_reach(staff, h))
            .map(|h| CaseHazard {
                id: h.id,
                number: h.number,
                supervised: h.supervised,
            });
        let listed_supervision = when(has.listing, || self.listing(conn, Listed::Tip(tip.id.0)))?;
        let facts = workflow::Facts {
            listed: listed_supervision.is_some(),
        };
        let named = (history.iter().map(|h| &h.actor))
            .chain(messages.iter().map(|m| &m.author))
            .chain(explanations.iter().flat_map(|e| [&e.by, &e.decided_by]))
            .chain(exposure.iter().map(|x| &x.withdrawn_by))
            .flatten()
            .chain(exposure.iter().map(|x| &x.published_by))
            .map(String::as_str);
        let people = self.names_for(conn, named)?;
        Ok(CaseView {
            listed_supervision,
            hazard,
            exposure,
            may_expose: staff.may(Permission::Publish) && super::exposure::exposable(&tip, &file),
            co_departments,
            history,
            messages,
            people,
            attachments,
            overdue: deadlines.overdue(status, self.today()),
            actions: offered(status, (actor, facts), &file, (&missed, &explanations)),
            may_reveal: staff.may(Permission::RevealIdentity)
                && !tip.anonymous
                && tip.content_erased_at.is_none(),
            may_message: staff.may(Permission::WorkCases),
            may_propose_reward: self.may_propose_reward(staff, &tip, &file, &rewards)?,
            rewards: rewards
                .into_iter()
                .map(|r| self.case_reward(staff, r))
                .collect(),
            deadlines,
            verification_extended: file.verification_extended,
            rectification: Rectification {
                responsible_party: file.responsible_party,
                measures: file.measures,
                suspend_operations: file.suspend_operations,
                delay_explanation,
            },
            explanations,
            missed,
            unexplained,
            duplicate_of: file.duplicate_of,
            duplicates,
            suggested_duplicates,
            reject_reason: file.reject_reason,
            case_number: tip.case_number,
            sector: tip.sector,
            street: tip.street,
            address: tip.address,
            enterprise: tip.enterprise,
            linked_enterprise,
            enterprise_matches,
            description: tip.description,
            content_erased: tip.content_erased_at.is_some(),
            content_erased_at: tip.content_erased_at,
            severity: tip.severity,
            observed_at: tip.observed_at,
            submitted_at: tip.submitted_at,
            channel: tip.channel,
            source_note: tip.source_note,
            status,
            department: tip.department,
            triage: tip.triage,
            suggested_sector: tip.suggested_sector,
            anonymous: tip.anonymous,
            wants_reward: tip.wants_reward,
        })
    }

    /// Open cases of the last 90 days that may be about the same thing (same enterprise, or the
    /// same place in the same sub-district), within this staff member's reach, newest first;
    /// none for a case already closed or marked, and not those already linked to it.
    fn suggested_duplicates(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: &TipRow,
        file: &cases::CaseFileRow,
        linked: &[String],
    ) -> ServiceResult<Vec<String>> {
        if tip.status.is_final() {
            return Ok(Vec::new());
        }
        let since = self.now() - chrono::Duration::days(90);
        let unit = staff.scope();
        let candidates = cases::duplicate_candidates(conn, tip, since, unit.as_deref())?;
        let this = crate::domain::tip::Place::new((
            tip.enterprise.as_deref(),
            tip.street.as_deref(),
            tip.address.as_str(),
        ));
        Ok(candidates
            .into_iter()
            .filter(|(number, ..)| {
                !linked.contains(number) && file.duplicate_of.as_ref() != Some(number)
            })
            .filter(|(_, enterprise, street, address)| {
                this.may_be_same((enterprise.as_deref(), street.as_deref(), address))
            })
            .map(|(number, ..)| number)
            .take(10)
            .collect())
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
        let body = text_field("body", Some(body), MESSAGE_LEN)?;
        let today = self.today();
        self.db.write(|conn| -> ServiceResult<i64> {
            let (tip, _) = self.visible(conn, staff, case_number)?;
            cases::lock_tip(conn, tip.id)?;
            let tip = tips::find(conn, tip.id)?.ok_or(ServiceError::NotFound)?;
            let now = self.now();
            let id =
                tips::insert_message(conn, tip.id, "staff", Some(&staff.username), &body, now)?;
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
            self.record(
                conn,
                &Event::new(
                    (tip.id, case_number),
                    "message",
                    By::Staff(&staff.username),
                    now,
                ),
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
        let reason = text_field("reason", Some(reason), (1, 500))?;
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
            if tip.content_erased_at.is_some() {
                return Err(ServiceError::Conflict("content_erased"));
            }
            let sealed =
                tips::sealed_identity(conn, tip.id)?.ok_or(ServiceError::Conflict("anonymous"))?;
            let plain = self.sealer.open(&sealed, case_number)?;
            let identity: ReporterIdentity = serde_json::from_slice(&plain)
                // Only the place: serde's text may quote the opened identity.
                .map_err(|_| anyhow::anyhow!("an opened identity did not read as one"))?;
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

/// A page of the staff queue.
pub struct QueuePage {
    pub items: Vec<CaseSummary>,
    pub total: QueueTotal,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<QueueCursor>,
}
