//! Rewards for verified tips (《安全生产领域举报奖励办法》): an officer proposes (the policy
//! computes the amount and names its rule), finance decides with two people (the proposer never
//! decides; the approver never records the payout), the reporter is told and claims with the
//! receipt (payee details sealed like identity), finance records the payout, and an unclaimed
//! reward expires. Every step is in the audit log.
//!
//! Whether a step may be taken, and the status that follows, is `domain::reward::step`'s answer:
//! each guard here asks it, and so does every flag a view carries (`may_propose` on a case,
//! `may_sign_off`, `may_decide`, `may_pay` on a reward, `claimable` for the reporter), so a page
//! never offers what the service would refuse. The role checks at the top of each method are
//! defence in depth.

use super::audit::{By, Event};
use super::auth::Staff;
use super::notify::ReporterNews;
use super::{ServiceError, ServiceResult, Services};
use crate::db::cases::CaseFileRow;
use crate::db::rewards::{self, RewardRow};
use crate::db::tips::TipRow;
use crate::db::{self, cases, outbox, tips};
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::id_number::IdNumber;
use crate::domain::reward::{
    self as reward, Basis, CaseFacts, Facts, Fen, Grade, Refusal, RewardActor, RewardId,
    RewardStatus, RewardStep, Steps, Who,
};
use crate::domain::tip::{Phone, TipId, text_field};
use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};

/// A proposal as staff send it, its amount already parsed from the typed text at the edge.
#[derive(Debug, Clone)]
pub struct ProposalInput {
    pub basis: String,
    /// The fine (`Fen::parse_field`): a typed amount that did not parse is reported here with
    /// the proposal's other field errors.
    pub fine_yuan: Result<Option<Fen>, FieldError>,
    pub deaths_concealed: Option<i64>,
    pub accident_grade: Option<String>,
    /// The penalty decision's number (行政处罚决定书文号).
    pub penalty_decision: Option<String>,
    pub note: Option<String>,
    /// Declares the reporter excluded instead: `already_known` or `under_investigation`.
    pub exclude: Option<String>,
}

/// Days before the end of a claim period that the reporter is reminded.
pub const CLAIM_REMINDER_DAYS: i64 = 7;

impl Default for ProposalInput {
    fn default() -> Self {
        ProposalInput {
            basis: String::new(),
            fine_yuan: Ok(None),
            deaths_concealed: None,
            accident_grade: None,
            penalty_decision: None,
            note: None,
            exclude: None,
        }
    }
}

/// What a reporter gives to be paid, sealed at rest; finance opens it only to pay
/// ([`Services::open_payee`]).
#[derive(Clone, Serialize, Deserialize)]
pub struct Payee {
    pub name: String,
    pub account: String,
    pub phone: String,
    /// The 居民身份证号码 (check character verified). Claims sealed before version 2 have none.
    #[serde(default)]
    pub id_number: String,
    /// The bank (and branch) of the account, if the reporter named it.
    #[serde(default)]
    pub bank: Option<String>,
}

impl std::fmt::Debug for Payee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Payee(<redacted>)")
    }
}

/// A reward as staff read it: never its sealed payee or the keyed hashes of the payee.
#[derive(Debug, Clone)]
pub struct Reward {
    pub id: RewardId,
    pub basis: String,
    pub amount: Fen,
    /// What the policy computed (finance may approve another amount).
    pub computed: Fen,
    pub rule: String,
    pub penalty_decision: Option<String>,
    /// The reporter declared they work for the business reported.
    pub employee: bool,
    pub status: RewardStatus,
    pub proposed_by: String,
    pub signed_off_by: Option<String>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub claim_deadline: Option<chrono::NaiveDate>,
    pub paid_by: Option<String>,
    pub paid_at: Option<chrono::NaiveDateTime>,
    pub paid_reference: Option<String>,
    /// The head's note when signing off or returning it.
    pub signoff_note: Option<String>,
    /// The second finance approval, for an amount above the second-approval amount.
    pub second_decided_by: Option<String>,
    /// The name of the policy (or policy period) whose rates computed it.
    pub policy: String,
    /// When the reporter claimed it.
    pub claimed_at: Option<chrono::NaiveDateTime>,
}

impl Reward {
    /// A reward row as staff read it; a row that names no policy was computed by the standing
    /// one (`standing_policy`, its name).
    fn of(r: &RewardRow, standing_policy: &str) -> Reward {
        Reward {
            id: r.id,
            basis: r.basis.clone(),
            amount: r.amount_fen,
            computed: r.computed_fen,
            rule: r.rule.clone(),
            penalty_decision: r.penalty_decision.clone(),
            employee: r.employee,
            status: r.status,
            proposed_by: r.proposed_by.clone(),
            signed_off_by: r.signed_off_by.clone(),
            decided_by: r.decided_by.clone(),
            decision_note: r.decision_note.clone(),
            claim_deadline: r.claim_deadline,
            paid_by: r.paid_by.clone(),
            paid_at: r.paid_at,
            paid_reference: r.paid_reference.clone(),
            signoff_note: r.signoff_note.clone(),
            second_decided_by: r.second_decided_by.clone(),
            policy: r
                .policy
                .clone()
                .unwrap_or_else(|| standing_policy.to_owned()),
            claimed_at: r.claimed_at,
        }
    }
}

/// What a reward's card shows of its case (finance does not open the case page).
#[derive(Debug, Clone, Default)]
pub struct RewardCase {
    pub case_number: String,
    /// The lead department's code.
    pub department: String,
    /// The sector's code.
    pub sector: String,
    /// The sub-district's code.
    pub street: Option<String>,
    /// What staff found when they verified it.
    pub finding: Option<String>,
    /// The local day the tip was submitted.
    pub submitted: chrono::NaiveDate,
}

impl RewardCase {
    fn of(tip: &TipRow, finding: Option<String>, submitted: chrono::NaiveDate) -> RewardCase {
        RewardCase {
            case_number: tip.case_number.clone(),
            department: tip.department.clone(),
            sector: tip.sector.clone(),
            street: tip.street.clone(),
            finding,
            submitted,
        }
    }
}

/// What staff see of a reward, with what the staff member asking may do to it now.
#[derive(Debug, Clone)]
pub struct RewardView {
    pub reward: Reward,
    pub case_number: String,
    pub department: String,
    /// The case's sector, sub-district and finding, for the reward card.
    pub case: RewardCase,
    /// Patterns worth a second look (never blocking): `same_account`, `same_phone`,
    /// `staff_phone`, `many_this_month`.
    pub signals: Vec<&'static str>,
    /// What the staff member asking may do to it now (the lifecycle's answer).
    pub steps: Steps,
    /// The amounts finance may approve for its basis.
    pub bounds: (Fen, Fen),
    /// Claimed and still unpaid after `payout_alert_days`.
    pub payout_overdue: bool,
}

/// The payee details finance opens to pay (never logged: `Debug` is redacted); the answer of
/// `POST /api/v1/finance/rewards/{id}/payee`.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct PayeeDetails {
    pub payee_name: String,
    pub payee_account: String,
    #[schema(required)]
    pub bank: Option<String>,
    pub phone: String,
    /// 居民身份证号码 (empty for a claim made before it was asked for).
    pub id_number: String,
    /// The reporter stayed anonymous: finance checks the ID document when paying.
    #[serde(skip)]
    pub anonymous: bool,
}

impl std::fmt::Debug for PayeeDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PayeeDetails(<redacted>)")
    }
}

/// The paid rewards of a period and their totals (the ledger finance keeps).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub rows: Vec<RewardView>,
    pub total: Fen,
    pub by_department: std::collections::BTreeMap<String, Fen>,
    pub by_basis: std::collections::BTreeMap<String, Fen>,
}

/// The reporter's view of their reward on /track.
#[derive(Debug, Clone)]
pub struct ReporterReward {
    /// The reward's status once the reporter is told of it, `pending` before.
    pub status: String,
    pub amount: Option<Fen>,
    pub claim_deadline: Option<chrono::NaiveDate>,
    /// The reporter may claim it now (offers the claim form).
    pub claimable: bool,
}

/// A case is seen by the staff of its units, and by the roles that work across the district;
/// to anyone else it is not found.
fn seen_by(conn: &mut db::DbConn, staff: &Staff, tip: &TipRow) -> ServiceResult<()> {
    match staff.scope() {
        Some(unit) if cases::unit_attached(conn, tip.id, &unit)?.is_none() => {
            Err(ServiceError::NotFound)
        }
        _ => Ok(()),
    }
}

/// A refusal of the lifecycle as the services' error.
fn refused(r: Refusal) -> ServiceError {
    match r {
        Refusal::Forbidden => ServiceError::Forbidden,
        Refusal::Conflict(c) => ServiceError::Conflict(c.code()),
    }
}

/// A staff member as the lifecycle sees them on this reward.
fn staff_actor(staff: &Staff, row: &RewardRow) -> RewardActor {
    let me = Some(staff.username.as_str());
    RewardActor {
        who: Who::Staff(staff.role),
        proposed: row.proposed_by == staff.username,
        signed_off: row.signed_off_by.as_deref() == me,
        decided: row.decided_by.as_deref() == me || row.second_decided_by.as_deref() == me,
    }
}

/// The basis a reward row records (the fine's amount does not matter for its bounds).
fn row_basis(row: &RewardRow) -> Option<Basis> {
    Some(match row.basis.as_str() {
        "major_hazard_fine" => Basis::MajorHazardFine {
            fine: Fen(row.fine_fen.unwrap_or(0)),
        },
        "major_hazard_no_fine" => Basis::MajorHazardNoFine,
        "concealed_accident" => Basis::ConcealedAccident {
            deaths: row.deaths_concealed.unwrap_or(0).into(),
            grade: row.accident_grade.as_deref().and_then(Grade::parse)?,
        },
        "general_hazard" => Basis::GeneralHazard,
        _ => return None,
    })
}

/// The amounts finance may approve for a reward: the bounds of its basis under the policy
/// (period) that computed it.
fn bounds_of(policy: &reward::Policy, row: &RewardRow) -> (Fen, Fen) {
    let policy = policy.named(row.policy.as_deref());
    match row_basis(row) {
        Some(basis) => policy.bounds(basis, row.employee),
        None => (Fen(1), Fen::from_yuan(policy.overall_max_yuan)),
    }
}

/// The amount finance approves: the proposed one, or another within the policy's bounds for the
/// basis, with a note saying why (the rule then records both).
fn approve_amount(
    policy: &reward::Policy,
    row: &mut RewardRow,
    amount: Result<Option<Fen>, FieldError>,
    note: &str,
) -> ServiceResult<()> {
    let amount = amount?;
    if let Some(amount) = amount.filter(|a| *a != row.amount_fen) {
        let (min, max) = bounds_of(policy, row);
        if amount < min || amount > max {
            return Err(ServiceError::Validation(vec![
                FieldError::new("amount_yuan", "amount_out_of_bounds")
                    .with("min", min.0 / 100)
                    .with("max", max.0 / 100),
            ]));
        }
        if note.is_empty() {
            return Err(ServiceError::field("note", "reason_for_amount"));
        }
        row.rule = format!("{}；财务核定为 {amount} 元：{note}", row.rule);
        row.amount_fen = amount;
    }
    Ok(())
}

/// The basis of a proposal as the form gives it, with every field error at once.
fn basis_of(input: &ProposalInput) -> Result<Basis, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut need =
        |field: &'static str, key: &'static str| errors.push(FieldError::new(field, key));
    let decision = input.penalty_decision.as_deref().map(str::trim);
    if input.basis == "major_hazard_fine" && decision.is_none_or(str::is_empty) {
        need("penalty_decision", "required");
    }
    let basis = match input.basis.as_str() {
        "major_hazard_fine" => match input.fine_yuan.clone() {
            Ok(Some(fine)) => Some(Basis::MajorHazardFine { fine }),
            Ok(None) => {
                need("fine_yuan", "required");
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        },
        "major_hazard_no_fine" => Some(Basis::MajorHazardNoFine),
        "concealed_accident" => {
            let deaths = match input.deaths_concealed {
                Some(d) if (1..=1000).contains(&d) => Some(d),
                Some(_) => {
                    need("deaths_concealed", "bad_count");
                    None
                }
                None => {
                    need("deaths_concealed", "required");
                    None
                }
            };
            let grade = input.accident_grade.as_deref().and_then(Grade::parse);
            if grade.is_none() {
                need("accident_grade", "unknown_grade");
            }
            deaths
                .zip(grade)
                .map(|(deaths, grade)| Basis::ConcealedAccident { deaths, grade })
        }
        "general_hazard" => Some(Basis::GeneralHazard),
        _ => {
            need("basis", "unknown_basis");
            None
        }
    };
    match (basis, errors.is_empty()) {
        (Some(basis), true) => Ok(basis),
        _ => Err(errors),
    }
}

/// The status of the case's reward in progress, if any (a case has at most one active reward).
fn in_progress(rewards: &[RewardRow]) -> Option<RewardStatus> {
    rewards.iter().map(|r| r.status).find(|s| s.is_active())
}

/// What a proposal needs of a case: found true, asked for, not excluded.
pub(super) fn case_facts(tip: &TipRow, file: &CaseFileRow) -> ServiceResult<CaseFacts> {
    Ok(CaseFacts {
        found_true: tip.status.found_true(file.rectification_due.is_some()),
        wants_reward: tip.wants_reward,
        excluded: tip.declared_supervision || file.reward_excluded.is_some(),
    })
}

impl Services {
    /// The facts of the lifecycle for a reward (or a proposal, with `row` absent) today.
    fn reward_facts(&self, row: Option<&RewardRow>, case: CaseFacts) -> Facts {
        let today = self.today();
        Facts {
            head_signoff: self.reward_policy.head_signoff,
            claim_period_over: row
                .and_then(|r| r.claim_deadline)
                .is_some_and(|d| d < today),
            second_approval: row.is_some_and(|r| {
                self.reward_policy
                    .named(r.policy.as_deref())
                    .needs_second_approval(r.amount_fen)
            }),
            case,
        }
    }

    /// The lifecycle's answer for a step on a reward.
    fn reward_step(
        &self,
        row: &RewardRow,
        step: RewardStep,
        actor: &RewardActor,
    ) -> Result<RewardStatus, ServiceError> {
        let facts = self.reward_facts(Some(row), CaseFacts::default());
        reward::step(Some(row.status), step, actor, &facts).map_err(refused)
    }

    /// Whether this staff member may propose a reward on this case now: the rule the proposal
    /// itself enforces.
    pub(super) fn may_propose_reward(
        &self,
        staff: &Staff,
        tip: &TipRow,
        file: &CaseFileRow,
        rewards: &[RewardRow],
    ) -> ServiceResult<bool> {
        let facts = self.reward_facts(None, case_facts(tip, file)?);
        let actor = RewardActor::new(Who::Staff(staff.role));
        Ok(reward::step(in_progress(rewards), RewardStep::Propose, &actor, &facts).is_ok())
    }

    /// The steps this staff member may take on a reward now.
    fn staff_steps(&self, staff: &Staff, row: &RewardRow) -> Steps {
        let actor = staff_actor(staff, row);
        Steps::of(|step| self.reward_step(row, step, &actor).is_ok())
    }

    /// A reward as this staff member sees it, with the steps they may take on it.
    fn reward_view(
        &self,
        staff: &Staff,
        row: RewardRow,
        case: RewardCase,
        signals: Vec<&'static str>,
    ) -> RewardView {
        let alert_days = self.reward_policy.payout_alert_days;
        RewardView {
            steps: self.staff_steps(staff, &row),
            bounds: bounds_of(&self.reward_policy, &row),
            payout_overdue: row.status == RewardStatus::Claimed
                && row
                    .claimed_at
                    .is_some_and(|t| t + Duration::days(alert_days) < self.now()),
            reward: Reward::of(&row, &self.reward_policy.name),
            case_number: case.case_number.clone(),
            department: case.department.clone(),
            case,
            signals,
        }
    }

    /// A reward as the case page lists it, with the steps of the unit and its head.
    pub(super) fn case_reward(&self, staff: &Staff, r: RewardRow) -> super::cases::CaseReward {
        super::cases::CaseReward {
            steps: self.staff_steps(staff, &r),
            id: r.id,
            status: r.status,
            amount: r.amount_fen,
            rule: r.rule,
            signoff_note: r.signoff_note,
            basis: r.basis,
            fine: r.fine_fen.map(Fen),
            penalty_decision: r.penalty_decision,
            deaths_concealed: r.deaths_concealed,
            accident_grade: r.accident_grade,
            note: r.note,
        }
    }

    /// Proposes a reward for a case (or records why the reporter is excluded): the lifecycle
    /// says whether a proposal may start now, the basis is read from the form, the policy
    /// computes the amount and names its rule, and the proposal is stored and recorded.
    pub fn propose_reward(
        &self,
        staff: &Staff,
        case_number: &str,
        input: &ProposalInput,
    ) -> ServiceResult<Option<RewardView>> {
        staff.require(Permission::WorkCases)?;
        self.db.write(|conn| -> ServiceResult<Option<RewardView>> {
            let tip = self.visible_tip(conn, staff, case_number)?;
            cases::lock_tip(conn, tip.id)?;
            let tip = tips::find(conn, tip.id)?.ok_or(ServiceError::NotFound)?;
            let file = cases::get(conn, tip.id)?;
            if let Some(reason) = input.exclude.as_deref().filter(|r| !r.is_empty()) {
                return self
                    .exclude_reporter(conn, staff, &tip, file, (reason, input))
                    .map(|()| None);
            }
            let mut row = self.proposal_for(conn, staff, &tip, &file, input)?;
            row.id = rewards::insert(conn, &row)?;
            let amount = row.amount_fen;
            self.record(
                conn,
                &Event::new(
                    (tip.id, case_number),
                    "reward_propose",
                    By::Staff(&staff.username),
                    row.proposed_at,
                )
                .note(Some(&format!("{amount} 元")))
                .detail(&format!("#{} {} {amount}", row.id, row.basis)),
            )?;
            let case = self.reward_case(conn, &tip)?;
            Ok(Some(self.reward_view(staff, row, case, Vec::new())))
        })
    }

    /// A proposal's row for this case now: the lifecycle says whether one may start, the basis
    /// is read from the form and the policy computes the amount (nothing is stored here).
    fn proposal_for(
        &self,
        conn: &mut db::DbConn,
        staff: &Staff,
        tip: &TipRow,
        file: &CaseFileRow,
        input: &ProposalInput,
    ) -> ServiceResult<RewardRow> {
        let existing = rewards::of_tip(conn, tip.id)?;
        let facts = self.reward_facts(None, case_facts(tip, file)?);
        let actor = RewardActor::new(Who::Staff(staff.role));
        let first = reward::step(in_progress(&existing), RewardStep::Propose, &actor, &facts)
            .map_err(refused)?;
        let basis = basis_of(input).map_err(ServiceError::Validation)?;
        self.proposal(conn, staff, tip, (basis, first), input, None)
    }

    /// What a proposal would come to now, stored nowhere: the case page shows it before the
    /// proposal is sent (the same checks and computation as the proposal itself).
    pub fn preview_reward(
        &self,
        staff: &Staff,
        case_number: &str,
        input: &ProposalInput,
    ) -> ServiceResult<Reward> {
        staff.require(Permission::WorkCases)?;
        let mut conn = self.db.read()?;
        let tip = self.visible_tip(&mut conn, staff, case_number)?;
        let file = cases::get(&mut conn, tip.id)?;
        let row = self.proposal_for(&mut conn, staff, &tip, &file, input)?;
        Ok(Reward::of(&row, &self.reward_policy.name))
    }

    /// Records that the reporter is excluded from a reward (already known, or under
    /// investigation), with a note saying why.
    fn exclude_reporter(
        &self,
        conn: &mut db::DbConn,
        staff: &Staff,
        tip: &crate::db::tips::TipRow,
        mut file: cases::CaseFileRow,
        (reason, input): (&str, &ProposalInput),
    ) -> ServiceResult<()> {
        if !matches!(reason, "already_known" | "under_investigation") {
            return Err(ServiceError::field("exclude", "unknown_exclusion"));
        }
        let note = text_field("note", input.note.as_deref(), (1, 500))?;
        file.reward_excluded = Some(format!("{reason}: {note}"));
        cases::update(conn, &file)?;
        self.record(
            conn,
            &Event::new(
                (tip.id, &tip.case_number),
                "reward_excluded",
                By::Staff(&staff.username),
                self.now(),
            )
            .note(file.reward_excluded.as_deref())
            .detail(reason),
        )
    }

    /// The proposal's row: the amount the policy in force when the tip was submitted computes
    /// for this basis (with the month's general-hazard rewards of the same reporter counted
    /// against the cap, less the proposal being corrected). The employee uplift is for
    /// identified reporters only (应急〔2020〕69号). A zero amount (the cap reached) is refused
    /// and nothing is stored.
    fn proposal(
        &self,
        conn: &mut db::DbConn,
        staff: &Staff,
        tip: &crate::db::tips::TipRow,
        (basis, first): (Basis, RewardStatus),
        input: &ProposalInput,
        replacing: Option<&RewardRow>,
    ) -> ServiceResult<RewardRow> {
        let now = self.now();
        let local = now.and_utc().with_timezone(&self.offset);
        let month = format!("{:04}-{:02}", local.year(), local.month());
        let mut granted = match &tip.reporter_key {
            Some(k) => Fen(rewards::general_granted(conn, k, &month)?),
            None => Fen(0),
        };
        if let Some(old) = replacing.filter(|r| r.basis == "general_hazard" && r.month == month) {
            granted = Fen((granted.0 - old.amount_fen.0).max(0));
        }
        let policy = self
            .reward_policy
            .in_force(self.local_date(tip.submitted_at));
        let employee = tip.declared_employee && !tip.anonymous;
        let award = policy.compute(basis, employee, granted);
        if award.amount == Fen(0) {
            return Err(ServiceError::Conflict(reward::Conflict::CapReached.code()));
        }
        let (fine_fen, deaths, grade) = match basis {
            Basis::MajorHazardFine { fine } => (Some(fine.0), None, None),
            Basis::ConcealedAccident { deaths, .. } => {
                (None, Some(deaths as i32), input.accident_grade.clone())
            }
            _ => (None, None, None),
        };
        let text = |t: &Option<String>| t.clone().filter(|p| !p.trim().is_empty());
        Ok(RewardRow {
            id: RewardId(0),
            tip_id: tip.id,
            basis: basis.as_str().into(),
            fine_fen,
            deaths_concealed: deaths,
            accident_grade: grade,
            penalty_decision: text(&input.penalty_decision),
            employee,
            computed_fen: award.amount,
            amount_fen: award.amount,
            rule: award.rule,
            note: text(&input.note),
            status: first,
            proposed_by: staff.username.clone(),
            proposed_at: now,
            signed_off_by: None,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            claim_deadline: None,
            payee_sealed: None,
            payee_account_key: None,
            payee_phone_key: None,
            claimed_at: None,
            paid_by: None,
            paid_at: None,
            paid_reference: None,
            reporter_key: tip.reporter_key.clone(),
            month,
            signoff_note: None,
            second_decided_by: None,
            policy: Some(policy.name),
        })
    }

    /// The tip of a case number, with the visibility rules of the case pages.
    pub(super) fn visible_tip(
        &self,
        conn: &mut db::DbConn,
        staff: &Staff,
        case_number: &str,
    ) -> ServiceResult<crate::db::tips::TipRow> {
        let tip = tips::find_by_case_number(conn, case_number)?.ok_or(ServiceError::NotFound)?;
        seen_by(conn, staff, &tip)?;
        Ok(tip)
    }

    /// A step on one reward, in one transaction: by a staff member whose role may take it
    /// (defence in depth; the lifecycle decides the rest), on the reward locked, with its case's
    /// tip, seen with the case pages' visibility (the staff of the case's units; the roles that
    /// work across the district see every case).
    fn on_reward<T>(
        &self,
        (staff, permission): (&Staff, Permission),
        id: RewardId,
        step: impl FnOnce(&mut db::DbConn, RewardRow, TipRow) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        staff.require(permission)?;
        self.db.write(|conn| -> ServiceResult<T> {
            rewards::lock(conn, id)?;
            let row = rewards::find(conn, id)?.ok_or(ServiceError::NotFound)?;
            let tip = tips::find(conn, row.tip_id)?.ok_or(ServiceError::NotFound)?;
            seen_by(conn, staff, &tip)?;
            step(conn, row, tip)
        })
    }

    /// Stores a reward after a step and writes the case's history row and the audit entry.
    fn reward_stepped(
        &self,
        conn: &mut db::DbConn,
        staff: &Staff,
        (row, tip): (RewardRow, TipRow),
        (action, note, detail): (&str, Option<&str>, &str),
    ) -> ServiceResult<RewardView> {
        rewards::update(conn, &row)?;
        self.record(
            conn,
            &Event::new(
                (tip.id, &tip.case_number),
                action,
                By::Staff(&staff.username),
                self.now(),
            )
            .note(note)
            .detail(&format!("#{} {detail}", row.id)),
        )?;
        Ok(self.reward_view(staff, row, self.reward_case(conn, &tip)?, Vec::new()))
    }

    /// A head's (or the coordinator's) sign-off, where the policy asks for one before finance:
    /// approve it for finance, or return it to its unit with a note saying what to correct.
    pub fn sign_off_reward(
        &self,
        staff: &Staff,
        id: RewardId,
        approve: bool,
        note: &str,
    ) -> ServiceResult<RewardView> {
        let note = note.trim();
        self.on_reward(
            (staff, Permission::SignOffReward),
            id,
            |conn, mut row, tip| {
                let step = if approve {
                    RewardStep::SignOff
                } else {
                    RewardStep::Return
                };
                row.status = self.reward_step(&row, step, &staff_actor(staff, &row))?;
                if !approve {
                    text_field("note", Some(note), (1, 500))?;
                }
                let note = Some(note.to_owned()).filter(|n| !n.is_empty());
                row.signoff_note = note.clone();
                let action = if approve {
                    row.signed_off_by = Some(staff.username.clone());
                    "reward_sign_off"
                } else {
                    row.signed_off_by = None;
                    "reward_return"
                };
                self.reward_stepped(conn, staff, (row, tip), (action, note.as_deref(), ""))
            },
        )
    }

    /// The unit corrects a proposal not yet decided (returned, awaiting sign-off or proposed):
    /// the same form as a proposal, the amount computed again; it goes to sign-off again when
    /// the policy asks for one. Whoever corrects becomes its proposer (the four eyes then keep
    /// them from signing it off or deciding it).
    pub fn correct_reward(
        &self,
        staff: &Staff,
        id: RewardId,
        input: &ProposalInput,
    ) -> ServiceResult<RewardView> {
        self.on_reward((staff, Permission::WorkCases), id, |conn, row, tip| {
            let next = self.reward_step(&row, RewardStep::Correct, &staff_actor(staff, &row))?;
            let basis = basis_of(input).map_err(ServiceError::Validation)?;
            let fresh = self.proposal(conn, staff, &tip, (basis, next), input, Some(&row))?;
            let row = RewardRow {
                id: row.id,
                signoff_note: row.signoff_note.clone(),
                ..fresh
            };
            let note = format!("{} 元", row.amount_fen);
            let detail = format!("{} {}", row.basis, row.amount_fen);
            self.reward_stepped(
                conn,
                staff,
                (row, tip),
                ("reward_correct", Some(&note), &detail),
            )
        })
    }

    /// The unit withdraws a proposal before finance decides, saying why.
    pub fn withdraw_reward(
        &self,
        staff: &Staff,
        id: RewardId,
        reason: &str,
    ) -> ServiceResult<RewardView> {
        self.on_reward((staff, Permission::WorkCases), id, |conn, mut row, tip| {
            row.status = self.reward_step(&row, RewardStep::Withdraw, &staff_actor(staff, &row))?;
            let reason = text_field("reason", Some(reason), (1, 500))?;
            self.reward_stepped(
                conn,
                staff,
                (row, tip),
                ("reward_withdraw", Some(&reason), ""),
            )
        })
    }

    /// Finance approves (possibly another amount within the policy's bounds, with a reason) or
    /// rejects a proposal. Above the second-approval amount the first approval leaves it
    /// awaiting a second finance user, who approves the same amount or rejects it.
    /// `amount_yuan`: the amount finance typed, as the edge parsed it (`Fen::parse_field`).
    pub fn decide_reward(
        &self,
        staff: &Staff,
        id: RewardId,
        approve: bool,
        amount_yuan: Result<Option<Fen>, FieldError>,
        note: &str,
    ) -> ServiceResult<RewardView> {
        let today = self.today();
        let note = note.trim();
        self.on_reward(
            (staff, Permission::DecideReward),
            id,
            |conn, mut row, tip| {
                let step = if approve {
                    RewardStep::Approve
                } else {
                    RewardStep::Reject
                };
                let actor = staff_actor(staff, &row);
                self.reward_step(&row, step, &actor)?;
                let second = row.status == RewardStatus::AwaitingSecondApproval;
                if approve && second {
                    let typed = amount_yuan?;
                    if typed.is_some_and(|a| a != row.amount_fen) {
                        return Err(ServiceError::field("amount_yuan", "amount_set_by_first"));
                    }
                } else if approve {
                    approve_amount(&self.reward_policy, &mut row, amount_yuan, note)?;
                } else if note.is_empty() {
                    return Err(ServiceError::field("note", "required"));
                }
                row.status = self.reward_step(&row, step, &actor)?;
                if row.status == RewardStatus::Approved {
                    row.claim_deadline =
                        Some(today + Duration::days(self.reward_policy.claim_days));
                }
                let note = Some(note.to_owned()).filter(|n| !n.is_empty());
                if second {
                    row.second_decided_by = Some(staff.username.clone());
                    if note.is_some() {
                        row.decision_note = note.clone();
                    }
                } else {
                    row.decided_by = Some(staff.username.clone());
                    row.decided_at = Some(self.now());
                    row.decision_note = note.clone();
                }
                let action = match (approve, row.status) {
                    (false, _) => "reward_reject",
                    (true, RewardStatus::AwaitingSecondApproval) => "reward_first_approval",
                    (true, _) => "reward_approve",
                };
                if row.status == RewardStatus::Approved
                    && !tip.anonymous
                    && let Some(deadline) = row.claim_deadline
                {
                    let sealed = tips::sealed_identity(conn, tip.id)?;
                    let news = ReporterNews::RewardApproved(deadline);
                    self.tell_reporter_of(conn, &tip.case_number, sealed.as_deref(), news)?;
                }
                let detail = format!("{} 元", row.amount_fen);
                self.reward_stepped(conn, staff, (row, tip), (action, note.as_deref(), &detail))
            },
        )
    }

    /// Finance opens the sealed payee details to pay a claimed reward, giving a reason; only a
    /// finance user who did not approve it (four eyes on the money), only while claimed. The
    /// opening is in the case's history and the audit log.
    pub fn open_payee(
        &self,
        staff: &Staff,
        id: RewardId,
        reason: &str,
    ) -> ServiceResult<(PayeeDetails, RewardView)> {
        let reason = text_field("reason", Some(reason), (1, 500))?;
        self.on_reward((staff, Permission::PayReward), id, |conn, row, tip| {
            self.reward_step(&row, RewardStep::OpenPayee, &staff_actor(staff, &row))?;
            let sealed = row
                .payee_sealed
                .as_deref()
                .ok_or(ServiceError::Conflict("not_claimed"))?;
            let json = self.sealer.open(sealed, &format!("payee:{}", row.id))?;
            let payee: Payee =
                serde_json::from_slice(&json).map_err(|e| anyhow::anyhow!("payee: {e}"))?;
            let anonymous = tip.anonymous;
            let view = self.reward_stepped(
                conn,
                staff,
                (row, tip),
                ("reward_payee_opened", Some(&reason), ""),
            )?;
            let details = PayeeDetails {
                payee_name: payee.name,
                payee_account: payee.account,
                bank: payee.bank,
                phone: payee.phone,
                id_number: payee.id_number,
                anonymous,
            };
            Ok((details, view))
        })
    }

    /// Finance gives an expired reward a new claim period, for a good reason (正当理由).
    pub fn reinstate_reward(
        &self,
        staff: &Staff,
        id: RewardId,
        reason: &str,
    ) -> ServiceResult<RewardView> {
        let reason = text_field("reason", Some(reason), (1, 500))?;
        let today = self.today();
        self.on_reward(
            (staff, Permission::DecideReward),
            id,
            |conn, mut row, tip| {
                row.status =
                    self.reward_step(&row, RewardStep::Reinstate, &staff_actor(staff, &row))?;
                let deadline = today + Duration::days(self.reward_policy.claim_days);
                row.claim_deadline = Some(deadline);
                let detail = format!("→ {deadline}");
                self.reward_stepped(
                    conn,
                    staff,
                    (row, tip),
                    ("reward_reinstate", Some(&reason), &detail),
                )
            },
        )
    }

    /// The reporter claims an approved reward with the receipt (blocking part; the receipt is
    /// hashed by the caller).
    pub async fn claim_reward(&self, receipt: &str, payee: Payee) -> ServiceResult<()> {
        let mut errors = Vec::new();
        let name = text_field("payee_name", Some(&payee.name), (1, 50))
            .map_err(|e| errors.push(e))
            .ok();
        let account: String = payee
            .account
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !(6..=40).contains(&account.len()) || !account.chars().all(|c| c.is_ascii_alphanumeric())
        {
            errors.push(FieldError::new("payee_account", "bad_account"));
        }
        let phone = Phone::parse(&payee.phone)
            .ok_or_else(|| FieldError::new("phone", "bad_phone"))
            .map_err(|e| errors.push(e))
            .ok();
        let id_number = IdNumber::parse(&payee.id_number)
            .ok_or_else(|| FieldError::new("id_number", "bad_id_number"))
            .map_err(|e| errors.push(e))
            .ok();
        let bank = match payee
            .bank
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            None => None,
            Some(b) => text_field("bank", Some(b), (1, 100))
                .map_err(|e| errors.push(e))
                .ok(),
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let payee = Payee {
            name: name.unwrap_or_default(),
            account,
            phone: phone.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            id_number: id_number.map(|n| n.as_str().to_owned()).unwrap_or_default(),
            bank,
        };
        self.with_receipt(receipt, move |s, hash| s.claim_by_hash(&hash, payee))
            .await
    }

    /// The claim of the tip whose receipt hashes to `hash`, with payee details already checked
    /// (blocking; the demo claims this way with the receipts it made).
    pub(super) fn claim_by_hash(&self, hash: &str, payee: Payee) -> ServiceResult<()> {
        self.db.write(|conn| -> ServiceResult<()> {
            let tip = tips::find_by_receipt_hash(conn, hash)?.ok_or(ServiceError::NotFound)?;
            // The newest reward is the one in progress, if any is.
            let newest = rewards::of_tip(conn, tip.id)?.into_iter().next();
            let Some(id) = newest.map(|r| r.id) else {
                return Err(ServiceError::Conflict("nothing_to_claim"));
            };
            rewards::lock(conn, id)?;
            let mut row = rewards::find(conn, id)?.ok_or(ServiceError::NotFound)?;
            let next = self.reward_step(&row, RewardStep::Claim, &RewardActor::REPORTER)?;
            let json = zeroize::Zeroizing::new(
                serde_json::to_vec(&payee).map_err(|e| anyhow::anyhow!("payee: {e}"))?,
            );
            row.payee_sealed = Some(self.sealer.seal(&json, &format!("payee:{}", row.id))?);
            row.payee_account_key = Some(self.keyed_hash("payee-account", &payee.account));
            row.payee_phone_key = Some(self.keyed_hash("payee-phone", &payee.phone));
            row.status = next;
            let now = self.now();
            row.claimed_at = Some(now);
            rewards::update(conn, &row)?;
            self.record(
                conn,
                &Event::new(
                    (tip.id, &tip.case_number),
                    "reward_claim",
                    By::Reporter,
                    now,
                )
                .detail(&format!("#{}", row.id)),
            )?;
            Ok(())
        })
    }

    /// Finance records the payment; the user who approved may not (four eyes on the money).
    /// `paid_on`: the day the money went out (`YYYY-MM-DD`, not in the future); today if absent.
    pub fn pay_reward(
        &self,
        staff: &Staff,
        id: RewardId,
        reference: &str,
        paid_on: Option<&str>,
    ) -> ServiceResult<RewardView> {
        let reference = text_field("reference", Some(reference), (1, 100))?;
        let today = self.today();
        let paid_day = match paid_on.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) if d <= today => Some(d),
                Ok(_) => return Err(ServiceError::field("paid_on", "in_future")),
                Err(_) => return Err(ServiceError::field("paid_on", "bad_date")),
            },
        };
        self.on_reward((staff, Permission::PayReward), id, |conn, mut row, tip| {
            row.status = self.reward_step(&row, RewardStep::Pay, &staff_actor(staff, &row))?;
            // A past payment day is kept as its local noon, so it falls on that day everywhere.
            let paid_at = paid_day
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .and_then(|t| t.and_local_timezone(self.offset).single())
                .map(|t| t.naive_utc())
                .filter(|_| paid_day != Some(today))
                .unwrap_or(self.now());
            row.paid_by = Some(staff.username.clone());
            row.paid_at = Some(paid_at);
            row.paid_reference = Some(reference.clone());
            self.reward_stepped(conn, staff, (row, tip), ("reward_paid", None, &reference))
        })
    }

    /// The paid rewards of a period, by the local day they were paid (both ends included), with
    /// their totals, overall, by department and by basis.
    pub fn reward_ledger(
        &self,
        staff: &Staff,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> ServiceResult<Ledger> {
        let paid = self.reward_queue(staff, Some(RewardStatus::Paid))?;
        let offset = self.offset;
        let in_period = |v: &RewardView| {
            let day = v
                .reward
                .paid_at
                .map(|t| t.and_utc().with_timezone(&offset).date_naive());
            day.is_some_and(|d| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t))
        };
        let rows: Vec<RewardView> = paid.into_iter().filter(in_period).collect();
        let mut ledger = Ledger {
            total: Fen(rows.iter().map(|v| v.reward.amount.0).sum()),
            ..Ledger::default()
        };
        for v in &rows {
            let add = |sum: &mut Fen| sum.0 += v.reward.amount.0;
            add(ledger
                .by_department
                .entry(v.department.clone())
                .or_default());
            add(ledger.by_basis.entry(v.reward.basis.clone()).or_default());
        }
        ledger.rows = rows;
        Ok(ledger)
    }

    /// Approved rewards past their claim period expire (background job).
    pub fn expire_rewards(&self) -> ServiceResult<usize> {
        let today = self.today();
        let ids = {
            let mut r = self.db.read()?;
            rewards::expiring(&mut r, today)?
        };
        let mut n = 0;
        for id in ids {
            self.db.write(|conn| -> ServiceResult<()> {
                rewards::lock(conn, id)?;
                let Some(mut row) = rewards::find(conn, id)? else {
                    return Ok(());
                };
                let Ok(next) = self.reward_step(&row, RewardStep::Expire, &RewardActor::SYSTEM)
                else {
                    return Ok(());
                };
                row.status = next;
                rewards::update(conn, &row)?;
                let tip = tips::find(conn, row.tip_id)?.ok_or(ServiceError::NotFound)?;
                self.record(
                    conn,
                    &Event::new(
                        (tip.id, &tip.case_number),
                        "reward_expired",
                        By::System,
                        self.now(),
                    )
                    .detail(&format!("#{id}")),
                )?;
                n += 1;
                Ok(())
            })?;
        }
        Ok(n)
    }

    /// Seven days before an approved reward's claim period ends, its identified reporter is
    /// told (by text, and by mail if they gave an email), once per claim period however many
    /// instances run; how many were told.
    pub fn remind_unclaimed_rewards(&self) -> ServiceResult<usize> {
        let today = self.today();
        let approved = {
            let mut r = self.db.read()?;
            rewards::list(&mut r, Some(RewardStatus::Approved))?
        };
        let mut n = 0;
        for (row, _) in approved {
            let Some(deadline) = row
                .claim_deadline
                .filter(|d| *d >= today && *d - today <= Duration::days(CLAIM_REMINDER_DAYS))
            else {
                continue;
            };
            let told = self.db.write(|conn| -> ServiceResult<bool> {
                let kind = format!("claim_reminder:{}", row.id);
                if !outbox::record_notice(conn, row.tip_id, &kind, deadline, self.now())? {
                    return Ok(false);
                }
                let tip = tips::find(conn, row.tip_id)?.ok_or(ServiceError::NotFound)?;
                if !tip.anonymous {
                    let sealed = tips::sealed_identity(conn, tip.id)?;
                    let news = ReporterNews::ClaimEnds(deadline);
                    self.tell_reporter_of(conn, &tip.case_number, sealed.as_deref(), news)?;
                }
                Ok(true)
            })?;
            n += usize::from(told);
        }
        Ok(n)
    }

    /// The case of a reward as its card shows it.
    fn reward_case(&self, conn: &mut db::DbConn, tip: &TipRow) -> ServiceResult<RewardCase> {
        let finding = rewards::findings(conn, &[tip.id])?.remove(&tip.id);
        Ok(RewardCase::of(
            tip,
            finding,
            self.local_date(tip.submitted_at),
        ))
    }

    /// One reward as this staff member sees it: finance, the coordinator and inspectors see
    /// every reward; the staff of a case's units see their cases' rewards.
    pub fn reward(&self, staff: &Staff, id: RewardId) -> ServiceResult<RewardView> {
        let mut conn = self.db.read()?;
        let row = rewards::find(&mut conn, id)?.ok_or(ServiceError::NotFound)?;
        let tip = tips::find(&mut conn, row.tip_id)?.ok_or(ServiceError::NotFound)?;
        if !staff.may(Permission::ReadRewards) {
            staff.require(Permission::WorkCases)?;
            seen_by(&mut conn, staff, &tip)?;
        }
        let case = self.reward_case(&mut conn, &tip)?;
        Ok(self.reward_view(staff, row, case, Vec::new()))
    }

    /// Claims left unpaid longer than `payout_alert_days` are mailed to finance, once each
    /// (background job; the notice is recorded like a deadline notice, so several instances
    /// send it once). Answers how many were mailed.
    pub fn alert_unpaid_claims(&self) -> ServiceResult<usize> {
        let days = self.reward_policy.payout_alert_days;
        let cutoff = self.now() - Duration::days(days);
        let due: Vec<(RewardRow, rewards::CaseOfReward)> = {
            let mut r = self.db.read()?;
            rewards::list(&mut r, Some(RewardStatus::Claimed))?
        };
        let to = self
            .reward_policy
            .finance_email
            .clone()
            .or_else(|| self.catalog.coordinator().email.clone())
            .filter(|e| !e.trim().is_empty());
        let mut n = 0;
        for (row, (case_number, department, ..)) in due {
            let Some(claimed_at) = row.claimed_at.filter(|t| *t < cutoff) else {
                continue;
            };
            let claimed_on = self.local_date(claimed_at);
            let sent = self.db.write(|conn| -> ServiceResult<bool> {
                let kind = format!("payout_unpaid:{}", row.id);
                if !outbox::record_notice(conn, row.tip_id, &kind, claimed_on, self.now())? {
                    return Ok(false);
                }
                if let Some(to) = &to {
                    let mut ctx = self.case_mail_context(&case_number, &department);
                    ctx.insert("link", &self.link("/finance"));
                    ctx.insert("reward_id", &row.id.0);
                    ctx.insert("amount", &row.amount_fen.to_string());
                    ctx.insert("claimed_on", &claimed_on.to_string());
                    ctx.insert("days", &days);
                    self.queue_mail(conn, to, "payout_overdue", &ctx)?;
                }
                Ok(true)
            })?;
            n += usize::from(sent);
        }
        Ok(n)
    }

    /// The reward queue for finance (the coordinator and inspectors read it too), with the
    /// patterns worth a second look.
    pub fn reward_queue(
        &self,
        staff: &Staff,
        status: Option<RewardStatus>,
    ) -> ServiceResult<Vec<RewardView>> {
        staff.require(Permission::ReadRewards)?;
        let mut conn = self.db.read()?;
        let all = rewards::list(&mut conn, None)?;
        let staff_phones = crate::db::staff::phone_keys(&mut conn)?;
        let tip_ids: Vec<TipId> = all.iter().map(|(r, _)| r.tip_id).collect();
        let mut findings = rewards::findings(&mut conn, &tip_ids)?;
        let count = |f: &dyn Fn(&RewardRow) -> bool| all.iter().filter(|(r, _)| f(r)).count();
        Ok(all
            .iter()
            .filter(|(r, _)| status.is_none_or(|s| r.status == s))
            .map(
                |(r, (case_number, department, sector, street, submitted))| {
                    let mut signals = Vec::new();
                    if r.payee_account_key
                        .as_ref()
                        .is_some_and(|k| count(&|o| o.payee_account_key.as_ref() == Some(k)) > 1)
                    {
                        signals.push("same_account");
                    }
                    if r.payee_phone_key
                        .as_ref()
                        .is_some_and(|k| count(&|o| o.payee_phone_key.as_ref() == Some(k)) > 1)
                    {
                        signals.push("same_phone");
                    }
                    if r.payee_phone_key
                        .as_ref()
                        .is_some_and(|k| staff_phones.contains(k))
                    {
                        signals.push("staff_phone");
                    }
                    if r.reporter_key.as_ref().is_some_and(|k| {
                        count(&|o| {
                            o.reporter_key.as_ref() == Some(k)
                                && o.month == r.month
                                && o.status.is_active()
                        }) > 2
                    }) {
                        signals.push("many_this_month");
                    }
                    let case = RewardCase {
                        case_number: case_number.clone(),
                        department: department.clone(),
                        sector: sector.clone(),
                        street: street.clone(),
                        finding: findings.remove(&r.tip_id),
                        submitted: self.local_date(*submitted),
                    };
                    self.reward_view(staff, r.clone(), case, signals)
                },
            )
            .collect())
    }

    /// The reporter's reward, for /track.
    pub fn reporter_reward(
        &self,
        conn: &mut db::DbConn,
        tip_id: crate::domain::tip::TipId,
    ) -> ServiceResult<Option<ReporterReward>> {
        Ok(rewards::of_tip(conn, tip_id)?.into_iter().next().map(|r| {
            let shown = r.status.shown_to_reporter();
            ReporterReward {
                status: if shown {
                    r.status.to_string()
                } else {
                    "pending".into()
                },
                amount: shown.then_some(r.amount_fen),
                claim_deadline: r
                    .claim_deadline
                    .filter(|_| r.status == RewardStatus::Approved),
                claimable: self
                    .reward_step(&r, RewardStep::Claim, &RewardActor::REPORTER)
                    .is_ok(),
            }
        }))
    }

    /// Whether a finance user may see the identity of a case (a reward was approved).
    pub fn reward_approved(
        &self,
        conn: &mut db::DbConn,
        tip_id: crate::domain::tip::TipId,
    ) -> ServiceResult<bool> {
        Ok(rewards::of_tip(conn, tip_id)?
            .iter()
            .any(|r| r.status.is_granted()))
    }
}
