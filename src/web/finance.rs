//! Rewards over HTTP (API.md, "Finance" and the reward routes): the proposal on a case, finance's
//! queue with totals and signals, decisions and payouts, the reporter's claim with the receipt,
//! and the ledger as CSV.

use super::JsonUtf8;
use super::api::{CasePath, Csrf, Lookup, Reporter, RewardPath, receipt_not_found};
use super::error::{
    ApiError, BadQuery, ErrorBody, JsonBodyErrors, NotInReach, RateLimited, ReceiptErrors, Refused,
    StaffErrors,
};
use super::extract::{Permitted, can};
use super::staff_api::StaffCall;
use crate::domain::json::yuan_of;
use crate::domain::reward::{RewardId, RewardStatus};
use crate::services::auth::Staff as StaffMember;
use crate::services::exports::CsvFile;
use crate::services::reward_json::{self, Queue, RewardJson, reward_json};
use crate::services::rewards::{Payee, ProposalInput, RewardView};
use crate::services::{ServiceError, ServiceResult, Services};
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// A proposal as the API takes it (API.md, "Reward proposal").
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ProposalBody {
    /// `major_hazard_fine`, `major_hazard_no_fine`, `concealed_accident`, `general_hazard`
    basis: String,
    /// A number or decimal text.
    #[schema(value_type = Option<f64>)]
    fine_yuan: Option<Box<RawValue>>,
    deaths_concealed: Option<i64>,
    accident_grade: Option<String>,
    penalty_decision: Option<String>,
    note: Option<String>,
    exclude: Option<String>,
}

impl ProposalBody {
    fn input(self) -> ProposalInput {
        ProposalInput {
            fine_yuan: yuan_of("fine_yuan", self.fine_yuan.as_deref()),
            basis: self.basis,
            deaths_concealed: self.deaths_concealed,
            accident_grade: self.accident_grade,
            penalty_decision: self.penalty_decision,
            note: self.note,
            exclude: self.exclude,
        }
    }
}

/// A proposal's answer: the reward, or that the case is excluded from rewards.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[expect(
    clippy::large_enum_variant,
    reason = "built once per answer and serialized at once"
)]
pub enum Proposed<'a> {
    Reward(RewardJson<'a>),
    Excluded(Excluded),
}

/// The case is excluded from rewards (the proposal's `exclude` reason was recorded).
#[derive(Serialize, ToSchema)]
pub struct Excluded {
    /// Always `excluded`.
    #[schema(pattern = "^excluded$")]
    status: &'static str,
}

#[utoipa::path(post, path = "/staff/tips/{case}/reward", tag = "finance", request_body = ProposalBody,
    params(CasePath, Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the proposal, with the policy's amount and rule", body = Proposed),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn propose(
    call: StaffCall<can::WorkCases>,
    path: web::Path<String>,
    body: web::Json<ProposalBody>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().input();
    let case = path.into_inner();
    let out = call
        .run(move |s, st| s.propose_reward(st, &case, &input))
        .await?;
    Ok(match out {
        Some(v) => HttpResponse::Created().json_utf8(Proposed::Reward(reward_json(&v))),
        None => {
            HttpResponse::Created().json_utf8(Proposed::Excluded(Excluded { status: "excluded" }))
        }
    })
}

/// A head's sign-off: approve the proposal for finance, or return it to its unit.
#[derive(Deserialize, ToSchema)]
pub struct SignOffBody {
    decision: SignOffDecision,
    /// Required to return: what the unit is to correct.
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignOffDecision {
    Approve,
    Return,
}

/// A step on the reward the path names, answered with the reward as the step left it.
async fn reward_step<P: Permitted>(
    call: StaffCall<P>,
    path: web::Path<RewardId>,
    step: impl FnOnce(Services, &StaffMember, RewardId) -> ServiceResult<RewardView> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = call.run(move |s, st| step(s, st, id)).await?;
    Ok(HttpResponse::Ok().json_utf8(reward_json(&v)))
}

#[utoipa::path(post, path = "/staff/rewards/{id}/sign-off", tag = "finance", request_body = SignOffBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the reward, signed off (`proposed`) or returned (`returned`)", body = RewardJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn sign_off(
    call: StaffCall<can::SignOffReward>,
    path: web::Path<RewardId>,
    body: web::Json<SignOffBody>,
) -> Result<HttpResponse, ApiError> {
    let SignOffBody { decision, note } = body.into_inner();
    let approve = decision == SignOffDecision::Approve;
    reward_step(call, path, move |s, st, id| {
        s.sign_off_reward(st, id, approve, &note)
    })
    .await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct StatusQuery {
    /// Only the rewards with this status (an unknown one gives no item).
    status: Option<String>,
}

#[utoipa::path(get, path = "/finance/rewards", tag = "finance",
    params(StatusQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "the rewards in reach, with totals per status", body = Queue),
        BadQuery, StaffErrors,
    ))]
pub async fn queue(
    call: StaffCall<can::ReadRewards>,
    q: web::Query<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = q.status.clone().filter(|s| !s.is_empty());
    let all = call.run(|s, st| s.reward_queue(st, None)).await?;
    Ok(HttpResponse::Ok().json_utf8(reward_json::queue(&all, status.as_deref())))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct DecisionBody {
    /// `approve` or `reject`
    decision: String,
    /// A number or decimal text: approves another amount than proposed.
    #[schema(value_type = Option<f64>)]
    amount_yuan: Option<Box<RawValue>>,
    note: String,
}

#[utoipa::path(post, path = "/finance/rewards/{id}/decision", tag = "finance", request_body = DecisionBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the reward, decided", body = RewardJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn decide(
    call: StaffCall<can::DecideReward>,
    path: web::Path<RewardId>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let approve = match b.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::from_service(
                ServiceError::field("decision", "unknown_decision"),
                call.lang,
            ));
        }
    };
    reward_step(call, path, move |s, st, id| {
        let amount = yuan_of("amount_yuan", b.amount_yuan.as_deref());
        s.decide_reward(st, id, approve, amount, &b.note)
    })
    .await
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct PayoutBody {
    reference: String,
    /// `YYYY-MM-DD`, today when absent.
    paid_on: Option<String>,
}

#[utoipa::path(post, path = "/finance/rewards/{id}/payout", tag = "finance", request_body = PayoutBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the reward, paid", body = RewardJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn payout(
    call: StaffCall<can::PayReward>,
    path: web::Path<RewardId>,
    body: web::Json<PayoutBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    reward_step(call, path, move |s, st, id| {
        s.pay_reward(st, id, &b.reference, b.paid_on.as_deref())
    })
    .await
}

#[utoipa::path(put, path = "/staff/rewards/{id}", tag = "finance", request_body = ProposalBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the corrected proposal, computed again", body = RewardJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn correct(
    call: StaffCall<can::WorkCases>,
    path: web::Path<RewardId>,
    body: web::Json<ProposalBody>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().input();
    reward_step(call, path, move |s, st, id| {
        s.correct_reward(st, id, &input)
    })
    .await
}

/// A reason for a step that needs one (withdraw, reinstate, opening the payee).
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
#[schema(as = RewardReason)]
pub struct RewardReasonBody {
    reason: String,
}

#[utoipa::path(post, path = "/staff/rewards/{id}/withdraw", tag = "finance", request_body = RewardReasonBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the reward, withdrawn", body = RewardJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn withdraw(
    call: StaffCall<can::WorkCases>,
    path: web::Path<RewardId>,
    body: web::Json<RewardReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.into_inner().reason;
    reward_step(call, path, move |s, st, id| {
        s.withdraw_reward(st, id, &reason)
    })
    .await
}

#[utoipa::path(post, path = "/finance/rewards/{id}/reinstate", tag = "finance", request_body = RewardReasonBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the reward, approved again with a new claim period", body = RewardJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn reinstate(
    call: StaffCall<can::DecideReward>,
    path: web::Path<RewardId>,
    body: web::Json<RewardReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.into_inner().reason;
    reward_step(call, path, move |s, st, id| {
        s.reinstate_reward(st, id, &reason)
    })
    .await
}

#[utoipa::path(post, path = "/finance/rewards/{id}/payee", tag = "finance", request_body = RewardReasonBody,
    params(RewardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the sealed payee details, opened (audited)", body = crate::services::rewards::PayeeDetails),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn payee(
    call: StaffCall<can::PayReward>,
    path: web::Path<RewardId>,
    body: web::Json<RewardReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, reason) = (path.into_inner(), body.into_inner().reason);
    let (payee, _) = call.run(move |s, st| s.open_payee(st, id, &reason)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(payee))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct ClaimBody {
    receipt: String,
    payee_name: String,
    payee_account: String,
    phone: String,
    /// The 18-character 居民身份证号码 (its check character is verified).
    id_number: String,
    /// The bank (and branch) of the account.
    bank: Option<String>,
}

/// The reporter's claim is recorded.
#[derive(Serialize, ToSchema)]
pub struct Claimed {
    /// Always `claimed`.
    status: RewardStatus,
}

#[utoipa::path(post, path = "/track/reward-claim", tag = "reporters", request_body = ClaimBody,
    responses(
        (status = 201, description = "the claim is recorded", body = Claimed),
        (status = 409, description = "no approved, unclaimed reward", body = ErrorBody),
        ReceiptErrors, RateLimited, JsonBodyErrors,
    ))]
pub async fn claim(
    body: web::Json<ClaimBody>,
    call: Reporter<Lookup>,
) -> Result<HttpResponse, ApiError> {
    let (state, lang) = (&call.state, call.lang);
    let b = body.into_inner();
    let payee = Payee {
        name: b.payee_name,
        account: b.payee_account,
        phone: b.phone,
        id_number: b.id_number,
        bank: b.bank,
    };
    state
        .services
        .claim_reward(&b.receipt, payee)
        .await
        .map_err(receipt_not_found(lang))?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(Claimed {
            status: RewardStatus::Claimed,
        }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct RangeQuery {
    /// `YYYY-MM-DD`, the first payment day included.
    from: Option<String>,
    /// `YYYY-MM-DD`, the last payment day included.
    to: Option<String>,
}

/// The ledger of paid rewards for a date range (by payment date, both ends included), with
/// totals per department and per basis: UTF-8 CSV with a BOM, in the request's language.
#[utoipa::path(get, path = "/finance/ledger.csv", tag = "finance",
    params(RangeQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "paid rewards with totals: UTF-8 CSV with a BOM", content_type = "text/csv; charset=utf-8", body = String),
        (status = 422, description = "a date is not YYYY-MM-DD", body = ErrorBody),
        BadQuery, StaffErrors,
    ))]
pub async fn ledger(
    call: StaffCall<can::ReadRewards>,
    q: web::Query<RangeQuery>,
) -> Result<CsvFile, ApiError> {
    let lang = call.lang;
    let date = |s: &Option<String>, field: &'static str| -> Result<Option<NaiveDate>, ApiError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| ApiError::from_service(ServiceError::field(field, "bad_date"), lang)),
        }
    };
    let (from, to) = (date(&q.from, "from")?, date(&q.to, "to")?);
    call.run(move |s, st| s.ledger_file(st, lang, from, to))
        .await
}
