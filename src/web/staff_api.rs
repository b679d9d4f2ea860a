//! JSON API v1 for staff (API.md, "Staff"): sign-in, the queue, a case, its actions, messages,
//! photos, the identity reveal, and the audit log. Every state-changing call checks the session's
//! CSRF token in `X-CSRF-Token`.

use super::error::ApiError;
use super::extract::{ApiStaff, can, removal_cookie, session_cookie, session_token};
use super::i18n::Lang;
use super::security::client_ip;
use super::{AppState, JsonUtf8};
use crate::domain::catalog::Catalog;
use crate::domain::query::QueueFilter;
use crate::services::cases::{ActionInput, CaseSummary, CaseView};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, SecondsFormat};
use serde::Deserialize;
use serde_json::{Value, json};

fn rfc(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn unit_json(catalog: &Catalog, code: &str) -> Value {
    catalog
        .department(code)
        .map(|d| json!({ "code": d.code, "name_zh": d.name_zh, "name_en": d.name_en }))
        .or_else(|| {
            catalog
                .street(code)
                .map(|s| json!({ "code": s.code, "name_zh": s.name_zh, "name_en": s.name_en }))
        })
        .unwrap_or_else(|| json!({ "code": code, "name_zh": code, "name_en": code }))
}

#[derive(Deserialize)]
pub struct SignInBody {
    username: Option<String>,
    password: Option<String>,
    totp: Option<String>,
}

pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let username = body.username.unwrap_or_default();
    let ip = client_ip(&req, &state.trusted_proxies);
    state
        .limiters
        .check_signin(ip, &username)
        .map_err(|s| ApiError::rate_limited(lang, s))?;
    let done = state
        .services
        .sign_in(
            &username,
            &body.password.unwrap_or_default(),
            body.totp.as_deref(),
            Some(ip),
        )
        .await
        .map_err(ApiError::service(lang))?;
    let user = &done.session.staff;
    let mut out = json!({ "csrf_token": done.session.csrf, "user": { "username": user.username, "role": user.role.as_str() } });
    if let Some(unit) = &user.unit {
        out["user"]["department"] = json!(unit);
    }
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&done.token, state.secure_cookies))
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(out))
}

pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    _: ApiStaff<can::SignIn>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = session_token(&req) {
        state
            .services
            .blocking(move |s| s.sign_out(&token))
            .await
            .map_err(ApiError::service(lang))?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(state.secure_cookies))
        .finish())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    status: Option<String>,
    sector: Option<String>,
    street: Option<String>,
    overdue: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

impl QueueQuery {
    pub fn page_or_first(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }

    /// The queue page's address for page `p` with the same filters.
    pub fn link(&self, p: i64) -> String {
        let f = self.filter();
        let mut qs: Vec<(&str, String)> = vec![("page", p.to_string())];
        for (k, v) in [
            ("status", f.status),
            ("sector", f.sector),
            ("street", f.street),
        ] {
            if let Some(v) = v {
                qs.push((k, v));
            }
        }
        if f.overdue == Some(true) {
            qs.push(("overdue", "true".into()));
        }
        format!(
            "/staff?{}",
            serde_urlencoded::to_string(&qs).unwrap_or_default()
        )
    }

    pub fn filter(&self) -> QueueFilter {
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        QueueFilter {
            unit: None,
            status: some(&self.status),
            sector: some(&self.sector),
            street: some(&self.street),
            overdue: match self.overdue.as_deref() {
                Some("true" | "1" | "on") => Some(true),
                Some("false" | "0") => Some(false),
                _ => None,
            },
        }
    }
}

pub fn item_json(catalog: &Catalog, t: &CaseSummary) -> Value {
    json!({
        "case_number": t.case_number,
        "status": t.status,
        "sector": t.sector,
        "street": t.street,
        "department": unit_json(catalog, &t.department),
        "submitted_at": rfc(t.submitted_at),
        "next_deadline": t.next_deadline.map(|d| d.to_string()),
        "overdue": t.overdue,
    })
}

pub async fn list(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadCases>,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(50);
    let filter = q.filter();
    let st = staff.member().clone();
    let (rows, total) = state
        .services
        .blocking(move |s| s.queue(&st, filter, page, per_page))
        .await
        .map_err(ApiError::service(lang))?;
    let c = &state.services.catalog;
    let items: Vec<Value> = rows.iter().map(|t| item_json(c, t)).collect();
    Ok(HttpResponse::Ok().json_utf8(json!({ "items": items, "total": total })))
}

pub fn case_json(catalog: &Catalog, v: &CaseView) -> Value {
    let t = &v.tip;
    let f = &v.file;
    let co: Vec<Value> = v
        .units
        .iter()
        .filter(|(_, r)| r == "co_department")
        .map(|(u, _)| unit_json(catalog, u))
        .collect();
    json!({
        "case_number": t.case_number,
        "sector": t.sector,
        "street": t.street.as_deref().map(|s| unit_json(catalog, s)),
        "address": t.address,
        "enterprise": t.enterprise,
        "description": t.description,
        "severity": t.severity,
        "observed_at": t.observed_at.map(rfc),
        "submitted_at": rfc(t.submitted_at),
        "channel": t.channel,
        "status": t.status,
        "department": unit_json(catalog, &t.department),
        "co_departments": co,
        "triage": t.triage,
        "suggested_sector": t.suggested_sector,
        "wants_reward": t.wants_reward,
        "reporter": if t.anonymous { "anonymous" } else { "identified" },
        "history": v.history.iter().map(|e| json!({ "action": e.action, "by": e.actor, "at": rfc(e.created_at), "note": e.note })).collect::<Vec<_>>(),
        "messages": v.messages.iter().map(|m| json!({ "from": m.sender, "by": m.author, "body": m.body, "at": rfc(m.created_at) })).collect::<Vec<_>>(),
        "deadlines": {
            "acceptance": v.deadlines.acceptance.map(|d| d.to_string()),
            "verification": v.deadlines.verification.map(|d| d.to_string()),
            "feedback": v.deadlines.feedback.map(|d| d.to_string()),
            "rectification": v.deadlines.rectification.map(|d| d.to_string()),
        },
        "verification_extended": f.verification_extended,
        "overdue": v.overdue,
        "rectification": {
            "responsible_party": f.responsible_party,
            "measures": f.measures,
            "suspend_operations": f.suspend_operations,
            "delay_explanation": f.delay_explanation,
        },
        "duplicate_of": f.duplicate_of,
        "reject_reason": f.reject_reason,
        "attachments": v.attachments.iter().map(|(id, ct, n)| json!({ "id": id, "content_type": ct, "bytes": n })).collect::<Vec<_>>(),
        "actions": v.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    })
}

pub async fn detail(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadCases>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (st, case) = (staff.member().clone(), path.into_inner());
    let view = state
        .services
        .blocking(move |s| s.case(&st, &case))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok().json_utf8(case_json(&state.services.catalog, &view)))
}

pub async fn act(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::WorkCases>,
    path: web::Path<String>,
    body: web::Json<ActionInput>,
) -> Result<HttpResponse, ApiError> {
    let (st, case, input) = (staff.member().clone(), path.into_inner(), body.into_inner());
    let view = state
        .services
        .blocking(move |s| s.act(&st, &case, &input))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok().json_utf8(case_json(&state.services.catalog, &view)))
}

#[derive(Deserialize)]
pub struct BodyOnly {
    body: Option<String>,
}

pub async fn message(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::WorkCases>,
    path: web::Path<String>,
    body: web::Json<BodyOnly>,
) -> Result<HttpResponse, ApiError> {
    let (st, case, text) = (
        staff.member().clone(),
        path.into_inner(),
        body.into_inner().body.unwrap_or_default(),
    );
    let id = state
        .services
        .blocking(move |s| s.staff_message(&st, &case, &text))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Created().json_utf8(json!({ "id": id })))
}

pub async fn attachment(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadCases>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (case, id) = path.into_inner();
    let st = staff.member().clone();
    let (ct, bytes) = state
        .services
        .blocking(move |s| s.attachment(&st, &case, id))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok()
        .content_type(ct)
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(bytes))
}

#[derive(Deserialize)]
pub struct ReasonBody {
    reason: Option<String>,
}

pub async fn identity(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::RevealIdentity>,
    path: web::Path<String>,
    body: web::Json<ReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let (st, case, reason) = (
        staff.member().clone(),
        path.into_inner(),
        body.into_inner().reason.unwrap_or_default(),
    );
    let id = state
        .services
        .blocking(move |s| s.reveal_identity(&st, &case, &reason))
        .await
        .map_err(ApiError::service(lang))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(json!({ "name": id.name, "phone": id.phone.as_str(), "email": id.email })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    verify: Option<String>,
    case_number: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn audit(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadAudit>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let verify = matches!(q.verify.as_deref(), Some("true" | "1"));
    let (case, page, per_page) = (
        q.case_number.clone(),
        q.page.unwrap_or(1).clamp(1, 1_000_000),
        q.per_page.unwrap_or(100).clamp(1, 500),
    );
    let st = staff.member().clone();
    let window = ((page - 1) * per_page, per_page);
    let log = state
        .services
        .blocking(move |s| s.audit_log(&st, case.as_deref(), window, verify))
        .await
        .map_err(ApiError::service(lang))?;
    let entries: Vec<Value> = log
        .entries
        .iter()
        .map(|r| json!({ "seq": r.seq, "at": rfc(r.at), "actor": r.actor, "action": r.action, "case_number": r.case_number, "reason": r.reason, "detail": r.detail, "address": r.address, "hash": r.hash }))
        .collect();
    let mut out = json!({ "entries": entries, "total": log.total });
    if let Some(r) = log.report {
        out["verified"] = json!(r.broken_at.is_none());
        out["broken_at"] = json!(r.broken_at);
    }
    Ok(HttpResponse::Ok().json_utf8(out))
}
