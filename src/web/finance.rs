//! Rewards over HTTP (API.md, "Finance" and the reward routes): the proposal on a case, finance's
//! queue with totals and signals, decisions and payouts, the reporter's claim with the receipt,
//! and the ledger as CSV.

use super::error::{ApiError, Code};
use super::extract::{ApiStaff, can};
use super::i18n::Lang;
use super::security::Bucket;
use super::{AppState, JsonUtf8};
use crate::domain::FieldError;
use crate::domain::reward::{Fen, RewardId, RewardStatus};
use crate::services::ServiceError;
use crate::services::rewards::{Payee, ProposalInput, ReporterReward, RewardView};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// An amount as the JSON number of yuan with two decimals (`12000.00`), written from the fen as
/// text, so no float is on the way (API.md: `amount_yuan` is a number). Answers that carry one
/// are typed structs serialized directly: inside a `serde_json::Value` it would become a float.
pub struct Yuan(pub Fen);

impl Serialize for Yuan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// An amount from a JSON body, read from its text as written and never through a float (so
/// `10000.555` is a field error, not a rounded amount): a number, or a string of decimal text;
/// absent, `null` or `""` is none.
fn amount_of(field: &'static str, raw: Option<&RawValue>) -> Result<Option<Fen>, FieldError> {
    let text = match raw.map(RawValue::get) {
        None | Some("null") => return Ok(None),
        Some(t) if t.starts_with('"') => {
            serde_json::from_str::<String>(t).map_err(|_| FieldError::new(field, "bad_amount"))?
        }
        Some(t) => t.to_owned(),
    };
    Fen::parse_field(field, &text)
}

/// A reward as the API shows it (API.md, "Money", "Finance list").
#[derive(Serialize)]
pub struct RewardJson<'a> {
    id: RewardId,
    case_number: &'a str,
    department: &'a str,
    basis: &'a str,
    amount_fen: i64,
    amount_yuan: Yuan,
    computed_fen: i64,
    rule: &'a str,
    penalty_decision: Option<&'a str>,
    employee: bool,
    status: RewardStatus,
    proposed_by: &'a str,
    signed_off_by: Option<&'a str>,
    decided_by: Option<&'a str>,
    decision_note: Option<&'a str>,
    claim_deadline: Option<String>,
    claimed: bool,
    paid_reference: Option<&'a str>,
    paid_on: Option<String>,
    signals: &'a [&'static str],
    /// What the signed-in staff member may do to it now (the lifecycle's answer).
    may_sign_off: bool,
    may_decide: bool,
    may_pay: bool,
}

pub fn reward_json(v: &RewardView) -> RewardJson<'_> {
    let r = &v.row;
    RewardJson {
        id: r.id,
        case_number: &v.case_number,
        department: &v.department,
        basis: &r.basis,
        amount_fen: r.amount_fen,
        amount_yuan: Yuan(Fen(r.amount_fen)),
        computed_fen: r.computed_fen,
        rule: &r.rule,
        penalty_decision: r.penalty_decision.as_deref(),
        employee: r.employee,
        status: r.status,
        proposed_by: &r.proposed_by,
        signed_off_by: r.signed_off_by.as_deref(),
        decided_by: r.decided_by.as_deref(),
        decision_note: r.decision_note.as_deref(),
        claim_deadline: r.claim_deadline.map(|d| d.to_string()),
        claimed: r.claimed_at.is_some(),
        paid_reference: r.paid_reference.as_deref(),
        paid_on: r.paid_at.map(|t| t.date().to_string()),
        signals: &v.signals,
        may_sign_off: v.may_sign_off,
        may_decide: v.may_decide,
        may_pay: v.may_pay,
    }
}

/// The reporter's reward in the /track answer.
#[derive(Serialize)]
struct TrackReward<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_fen: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_yuan: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claim_deadline: Option<String>,
}

/// The /track answer: the case's fields, and the reward (typed, for its amount) when there is one.
#[derive(Serialize)]
pub struct TrackAnswer<'a> {
    #[serde(flatten)]
    case: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    reward: Option<TrackReward<'a>>,
}

pub fn track_answer(case: Value, reward: Option<&ReporterReward>) -> TrackAnswer<'_> {
    TrackAnswer {
        case,
        reward: reward.map(|r| TrackReward {
            status: &r.status,
            amount_fen: r.amount.map(|a| a.0),
            amount_yuan: r.amount.map(Yuan),
            claim_deadline: r.claim_deadline.map(|d| d.to_string()),
        }),
    }
}

/// A proposal as the API takes it (API.md, "Reward proposal").
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProposalBody {
    basis: String,
    fine_yuan: Option<Box<RawValue>>,
    deaths_concealed: Option<i64>,
    accident_grade: Option<String>,
    penalty_decision: Option<String>,
    note: Option<String>,
    exclude: Option<String>,
}

pub async fn propose(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::WorkCases>,
    path: web::Path<String>,
    body: web::Json<ProposalBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = ProposalInput {
        fine_yuan: amount_of("fine_yuan", b.fine_yuan.as_deref()),
        basis: b.basis,
        deaths_concealed: b.deaths_concealed,
        accident_grade: b.accident_grade,
        penalty_decision: b.penalty_decision,
        note: b.note,
        exclude: b.exclude,
    };
    let (st, case) = (staff.member().clone(), path.into_inner());
    let out = state
        .services
        .blocking(move |s| s.propose_reward(&st, &case, &input))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(match out {
        Some(v) => HttpResponse::Created().json_utf8(reward_json(&v)),
        None => HttpResponse::Created().json_utf8(json!({ "status": "excluded" })),
    })
}

pub async fn sign_off(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::SignOffReward>,
    path: web::Path<RewardId>,
) -> Result<HttpResponse, ApiError> {
    let (st, id) = (staff.member().clone(), path.into_inner());
    let v = state
        .services
        .blocking(move |s| s.sign_off_reward(&st, id))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok().json_utf8(reward_json(&v)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusQuery {
    status: Option<String>,
}

pub async fn queue(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadRewards>,
    q: web::Query<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let (st, status) = (
        staff.member().clone(),
        q.status.clone().filter(|s| !s.is_empty()),
    );
    let all = state
        .services
        .blocking(move |s| s.reward_queue(&st, None))
        .await
        .map_err(ApiError::service(lang))?;
    let mut totals: BTreeMap<&'static str, Total> = BTreeMap::new();
    for v in &all {
        let t = totals.entry(v.row.status.into()).or_default();
        t.count += 1;
        t.amount_fen += v.row.amount_fen;
        t.amount_yuan = Yuan(Fen(t.amount_fen));
    }
    // An unknown status filters everything out, as before.
    let items: Vec<RewardJson> = all
        .iter()
        .filter(|v| status.as_deref().is_none_or(|s| v.row.status.as_ref() == s))
        .map(reward_json)
        .collect();
    Ok(HttpResponse::Ok().json_utf8(Queue {
        total: items.len(),
        items,
        totals,
    }))
}

/// Finance's queue (API.md, "Finance list"), with the count and sum per status.
#[derive(Serialize)]
struct Queue<'a> {
    total: usize,
    items: Vec<RewardJson<'a>>,
    totals: BTreeMap<&'static str, Total>,
}

#[derive(Serialize)]
struct Total {
    count: i64,
    amount_fen: i64,
    amount_yuan: Yuan,
}

impl Default for Total {
    fn default() -> Total {
        Total {
            count: 0,
            amount_fen: 0,
            amount_yuan: Yuan(Fen(0)),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionBody {
    decision: String,
    amount_yuan: Option<Box<RawValue>>,
    note: String,
}

pub async fn decide(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::DecideReward>,
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
                lang,
            ));
        }
    };
    let (st, id) = (staff.member().clone(), path.into_inner());
    let v = state
        .services
        .blocking(move |s| {
            let amount = amount_of("amount_yuan", b.amount_yuan.as_deref());
            s.decide_reward(&st, id, approve, amount, &b.note)
        })
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok().json_utf8(reward_json(&v)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayoutBody {
    reference: String,
    /// `YYYY-MM-DD`, today when absent.
    paid_on: Option<String>,
}

pub async fn payout(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::PayReward>,
    path: web::Path<RewardId>,
    body: web::Json<PayoutBody>,
) -> Result<HttpResponse, ApiError> {
    let (st, id, b) = (staff.member().clone(), path.into_inner(), body.into_inner());
    let v = state
        .services
        .blocking(move |s| s.pay_reward(&st, id, &b.reference, b.paid_on.as_deref()))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok().json_utf8(reward_json(&v)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimBody {
    receipt: String,
    payee_name: String,
    payee_account: String,
    phone: String,
}

pub async fn claim(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    body: web::Json<ClaimBody>,
) -> Result<HttpResponse, ApiError> {
    state
        .limiters
        .check_api(Bucket::Lookup, &req, &state.trusted_proxies, lang)?;
    let b = body.into_inner();
    let payee = Payee {
        name: b.payee_name,
        account: b.payee_account,
        phone: b.phone,
    };
    state
        .services
        .claim_reward(&b.receipt, payee)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => {
                ApiError::new(Code::NotFound, lang).with_message("error-receipt_not_found")
            }
            other => ApiError::from_service(other, lang),
        })?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(json!({ "status": RewardStatus::Claimed })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The ledger of paid rewards for a date range (by payment date, both ends included), with
/// totals per department and per basis: UTF-8 CSV with a BOM.
pub async fn ledger(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadRewards>,
    q: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let date = |s: &Option<String>, field: &'static str| -> Result<Option<NaiveDate>, ApiError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| ApiError::from_service(ServiceError::field(field, "bad_date"), lang)),
        }
    };
    let (from, to) = (date(&q.from, "from")?, date(&q.to, "to")?);
    let st = staff.member().clone();
    let rows = state
        .services
        .blocking(move |s| s.reward_queue(&st, Some(RewardStatus::Paid)))
        .await
        .map_err(ApiError::service(lang))?;
    let offset = state.services.offset;
    let rows: Vec<&RewardView> = rows
        .iter()
        .filter(|v| {
            let day = v
                .row
                .paid_at
                .map(|t| t.and_utc().with_timezone(&offset).date_naive());
            day.is_some_and(|d| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t))
        })
        .collect();
    let mut out = String::from("\u{feff}");
    let cell = super::lists::field;
    out.push_str("\"case_number\",\"department\",\"basis\",\"amount_yuan\",\"rule\",\"proposed_by\",\"decided_by\",\"paid_by\",\"paid_at\",\"reference\"\r\n");
    let mut by_dept: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_basis: BTreeMap<String, i64> = BTreeMap::new();
    for v in &rows {
        let r = &v.row;
        *by_dept.entry(v.department.clone()).or_default() += r.amount_fen;
        *by_basis.entry(r.basis.clone()).or_default() += r.amount_fen;
        let line = [
            v.case_number.clone(),
            v.department.clone(),
            r.basis.clone(),
            Fen(r.amount_fen).to_string(),
            r.rule.clone(),
            r.proposed_by.clone(),
            r.decided_by.clone().unwrap_or_default(),
            r.paid_by.clone().unwrap_or_default(),
            r.paid_at
                .map(|t| {
                    t.and_utc()
                        .with_timezone(&offset)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            r.paid_reference.clone().unwrap_or_default(),
        ];
        out.push_str(&line.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    let total: i64 = rows.iter().map(|v| v.row.amount_fen).sum();
    out.push_str("\r\n\"total\",\"\",\"\",");
    out.push_str(&cell(&Fen(total).to_string()));
    out.push_str("\r\n");
    for (dept, fen) in by_dept {
        out.push_str(&format!(
            "\"total by department\",{},\"\",{}\r\n",
            cell(&dept),
            cell(&Fen(fen).to_string())
        ));
    }
    for (basis, fen) in by_basis {
        out.push_str(&format!(
            "\"total by basis\",\"\",{},{}\r\n",
            cell(&basis),
            cell(&Fen(fen).to_string())
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"reward-ledger.csv\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(out))
}
