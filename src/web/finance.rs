//! Rewards over HTTP (API.md, "Finance" and the reward routes): the proposal on a case, finance's
//! queue with totals and signals, decisions and payouts, the reporter's claim with the receipt,
//! and the ledger as CSV.

use super::error::{ApiError, Code};
use super::extract::{ApiStaff, can};
use super::i18n::Lang;
use super::security::Bucket;
use super::{AppState, JsonUtf8};
use crate::domain::reward::Fen;
use crate::services::ServiceError;
use crate::services::rewards::{Payee, ProposalInput, RewardView};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn money(fen: i64) -> (i64, f64) {
    (fen, Fen(fen).yuan())
}

pub fn reward_json(v: &RewardView) -> Value {
    let r = &v.row;
    let (fen, yuan) = money(r.amount_fen);
    json!({
        "id": r.id,
        "case_number": v.case_number,
        "department": v.department,
        "basis": r.basis,
        "amount_fen": fen,
        "amount_yuan": yuan,
        "computed_fen": r.computed_fen,
        "rule": r.rule,
        "penalty_decision": r.penalty_decision,
        "employee": r.employee,
        "status": r.status,
        "proposed_by": r.proposed_by,
        "signed_off_by": r.signed_off_by,
        "decided_by": r.decided_by,
        "decision_note": r.decision_note,
        "claim_deadline": r.claim_deadline.map(|d| d.to_string()),
        "claimed": r.claimed_at.is_some(),
        "paid_reference": r.paid_reference,
        "paid_on": r.paid_at.map(|t| t.date().to_string()),
        "signals": v.signals,
    })
}

pub async fn propose(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::WorkCases>,
    path: web::Path<String>,
    body: web::Json<ProposalInput>,
) -> Result<HttpResponse, ApiError> {
    let (st, case, input) = (staff.member().clone(), path.into_inner(), body.into_inner());
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
    path: web::Path<i64>,
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
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for v in &all {
        let t = totals.entry(v.row.status.clone()).or_default();
        t.0 += 1;
        t.1 += v.row.amount_fen;
    }
    let items: Vec<Value> = all
        .iter()
        .filter(|v| status.as_deref().is_none_or(|s| v.row.status == s))
        .map(reward_json)
        .collect();
    let totals: BTreeMap<String, Value> = totals
        .into_iter()
        .map(|(k, (n, fen))| {
            (
                k,
                json!({ "count": n, "amount_fen": fen, "amount_yuan": Fen(fen).yuan() }),
            )
        })
        .collect();
    Ok(HttpResponse::Ok()
        .json_utf8(json!({ "total": items.len(), "items": items, "totals": totals })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionBody {
    decision: String,
    amount_yuan: Option<f64>,
    note: String,
}

pub async fn decide(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::DecideReward>,
    path: web::Path<i64>,
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
        .blocking(move |s| s.decide_reward(&st, id, approve, b.amount_yuan, &b.note))
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
    path: web::Path<i64>,
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
        .json_utf8(json!({ "status": "claimed" })))
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
        .blocking(move |s| s.reward_queue(&st, Some("paid")))
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
