//! JSON API v1: reference data and the reporter's routes (API.md, "HTTP: JSON API v1").
//! Handlers stay thin: extract, count against the rate limit, call one service, answer.

use super::error::{ApiError, Code};
use super::i18n::Lang;
use super::security::Bucket;
use super::{AppState, JsonUtf8};
use crate::domain::catalog::{Catalog, Department, Street};
use crate::domain::tip::{Channel, TipInput};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{Value, json};

fn department_json(d: &Department) -> Value {
    json!({ "code": d.code, "name_zh": d.name_zh, "name_en": d.name_en })
}

fn street_json(s: &Street) -> Value {
    json!({ "code": s.code, "name_zh": s.name_zh, "name_en": s.name_en })
}

/// A unit by code, as `{code, name_zh, name_en}` (departments and streets alike).
fn unit_json(catalog: &Catalog, code: &str) -> Value {
    catalog
        .department(code)
        .map(department_json)
        .or_else(|| catalog.street(code).map(street_json))
        .unwrap_or_else(|| json!({ "code": code, "name_zh": code, "name_en": code }))
}

pub async fn sectors(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.services.catalog;
    let body: Vec<Value> = c
        .sectors()
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "hint_zh": s.hint_zh,
                "hint_en": s.hint_en,
                "department": unit_json(c, &s.lead),
                "co_departments": s.co_departments.iter().map(|d| unit_json(c, d)).collect::<Vec<_>>(),
                "street_co_handles": s.street_co_handles,
                "triage": s.triage,
            })
        })
        .collect();
    HttpResponse::Ok().json_utf8(body)
}

pub async fn streets(state: web::Data<AppState>) -> HttpResponse {
    let body: Vec<Value> = state
        .services
        .catalog
        .streets()
        .iter()
        .map(street_json)
        .collect();
    HttpResponse::Ok().json_utf8(body)
}

pub async fn submit_tip(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    body: web::Json<TipInput>,
) -> Result<HttpResponse, ApiError> {
    state
        .limiters
        .check_api(Bucket::Submission, &req, &state.trusted_proxies, lang)?;
    let done = state
        .services
        .submit_tip(body.into_inner(), Channel::Api, Default::default(), None)
        .await
        .map_err(ApiError::service(lang))?;
    let c = &state.services.catalog;
    let mut out = json!({
        "case_number": done.case_number.as_str(),
        "receipt": done.receipt.grouped(),
        "status": "submitted",
        "department": unit_json(c, &done.routing.lead),
        "co_departments": done.routing.co_departments.iter().map(|d| unit_json(c, d)).collect::<Vec<_>>(),
    });
    if let Some(street) = &done.routing.street {
        out["street"] = unit_json(c, street);
    }
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(out))
}

#[derive(Deserialize)]
pub struct ReceiptBody {
    receipt: Option<String>,
}

#[derive(Deserialize)]
pub struct MessageBody {
    receipt: Option<String>,
    body: Option<String>,
}

/// A missing receipt is a validation error on `receipt`; anything else is looked up.
fn receipt_of(receipt: Option<String>, lang: Lang) -> Result<String, ApiError> {
    match receipt {
        Some(r) if !r.trim().is_empty() => Ok(r),
        _ => Err(ApiError::from_service(
            crate::services::ServiceError::field("receipt", "required"),
            lang,
        )),
    }
}

fn receipt_not_found(lang: Lang) -> impl Fn(crate::services::ServiceError) -> ApiError {
    move |e| match e {
        crate::services::ServiceError::NotFound => {
            ApiError::new(Code::NotFound, lang).with_message("error-receipt_not_found")
        }
        other => ApiError::from_service(other, lang),
    }
}

pub async fn track(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    body: web::Json<ReceiptBody>,
) -> Result<HttpResponse, ApiError> {
    state
        .limiters
        .check_api(Bucket::Lookup, &req, &state.trusted_proxies, lang)?;
    let receipt = receipt_of(body.into_inner().receipt, lang)?;
    let tip = state
        .services
        .track(&receipt)
        .await
        .map_err(receipt_not_found(lang))?;
    let rfc = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let messages: Vec<Value> = tip
        .messages
        .iter()
        .map(|m| json!({ "from": if m.from_staff { "staff" } else { "reporter" }, "body": m.body, "at": rfc(m.at) }))
        .collect();
    let out = json!({
        "case_number": tip.case_number,
        "status": tip.status,
        "department": unit_json(&state.services.catalog, &tip.department),
        "submitted_at": rfc(tip.submitted_at),
        "messages": messages,
    });
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(super::finance::track_answer(out, tip.reward.as_ref())))
}

pub async fn track_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    body: web::Json<MessageBody>,
) -> Result<HttpResponse, ApiError> {
    state
        .limiters
        .check_api(Bucket::Lookup, &req, &state.trusted_proxies, lang)?;
    let MessageBody { receipt, body } = body.into_inner();
    let receipt = receipt_of(receipt, lang)?;
    state
        .services
        .reporter_message(&receipt, body.as_deref().unwrap_or_default())
        .await
        .map_err(receipt_not_found(lang))?;
    Ok(HttpResponse::Created().json_utf8(json!({ "status": "received" })))
}

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.services.ping().await {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("unavailable")
        }
    }
}

/// The machine-readable description of this API (kept true by a test over the routes table).
pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body(OPENAPI)
}
