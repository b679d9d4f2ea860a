//! JSON API v1 for staff (API.md, "Staff"): sign-in, the queue, a case, its actions, messages,
//! photos, the identity reveal, and the audit log. Every state-changing call checks the session's
//! CSRF token in `X-CSRF-Token`.

use super::api::{CasePath, Csrf, Unit, unit};
use super::error::{
    ApiError, BadQuery, Code, ErrorBody, JsonBodyErrors, NotInReach, RateLimited, Refused,
    StaffErrors,
};
use super::extract::{ApiStaff, Permitted, can, removal_cookie, session_cookie, session_token};
use super::i18n::Lang;
use super::security::client_ip;
use super::{AppState, JsonUtf8};
use crate::domain::FieldError;
use crate::domain::catalog::Catalog;
use crate::domain::json;
use crate::domain::query::{QueueCursor, QueueFilter};
use crate::domain::roles::Role;
use crate::domain::status::Status;
use crate::domain::tip::{Severity, TipInput};
use crate::services::audit::{AuditAsk, AuditEntry};
use crate::services::auth::Staff as StaffMember;
use crate::services::case_json::{CaseJson, case_json};
use crate::services::cases::{ActionInput, CaseSummary};
use crate::services::intake::TakenTip;
use crate::services::listing::ListedSupervision;
use crate::services::{ServiceResult, Services};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use utoipa::ToSchema;

/// What every staff API handler starts from: the application, the request's language and the
/// signed-in staff member whose role may do `P` (extracted in that order, as three extractors
/// would be), with the one way a handler calls the services for that member.
pub struct StaffCall<P: Permitted> {
    pub state: web::Data<AppState>,
    pub lang: Lang,
    pub staff: ApiStaff<P>,
}

impl<P: Permitted> FromRequest for StaffCall<P> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let parts = <(web::Data<AppState>, Lang, ApiStaff<P>)>::from_request(req, payload);
        Box::pin(async move {
            let (state, lang, staff) = parts.await?;
            Ok(StaffCall { state, lang, staff })
        })
    }
}

impl<P: Permitted> StaffCall<P> {
    /// One service call for the signed-in member, on the blocking pool, its error answered in
    /// the request's language.
    pub async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(Services, &StaffMember) -> ServiceResult<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let st = self.staff.member().clone();
        (self.state.services)
            .blocking(move |s| call(s, &st))
            .await
            .map_err(ApiError::service(self.lang))
    }

    pub fn catalog(&self) -> &Catalog {
        &self.state.services.catalog
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SignInBody {
    username: Option<String>,
    password: Option<String>,
    /// The second factor's six digits, for an account that has one.
    totp: Option<String>,
}

/// A signed-in staff member, as the sign-in answer names them.
#[derive(Serialize, ToSchema)]
pub struct SignedInUser {
    pub username: String,
    pub role: Role,
    /// The department or sub-district code (officers and heads).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub department: Option<String>,
}

/// The sign-in answer (the session cookie comes with it).
#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    /// Send it as `X-CSRF-Token` on every state-changing staff call.
    pub csrf_token: String,
    pub user: SignedInUser,
}

impl From<&crate::services::auth::SignedIn> for SignedIn {
    fn from(done: &crate::services::auth::SignedIn) -> SignedIn {
        let user = &done.session.staff;
        SignedIn {
            csrf_token: done.session.csrf.clone(),
            user: SignedInUser {
                username: user.username.clone(),
                role: user.role,
                department: user.unit.clone(),
            },
        }
    }
}

#[utoipa::path(post, path = "/staff/session", tag = "staff", request_body = SignInBody,
    responses(
        (status = 200, description = "signed in; the session cookie is set", body = SignedIn,
            headers(("X-Sign-In-Delay" = u64, description = "milliseconds this attempt waited before its password was checked: 0 unless the username is under pressure and the address is not one the account signed in from lately"))),
        (status = 401, description = "wrong username or password, or a second factor is needed", body = ErrorBody,
            headers(("X-Sign-In-Delay" = u64, description = "milliseconds this attempt waited before its password was checked"))),
        RateLimited, JsonBodyErrors,
    ))]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let username = body.username.unwrap_or_default();
    let ip = client_ip(&req, &state.trusted_proxies);
    let password = body.password.unwrap_or_default();
    let (done, delay) = super::staff::signin::guarded_sign_in(
        &state,
        ip,
        &username,
        &password,
        body.totp.as_deref(),
    )
    .await
    .map_err(|s| ApiError::rate_limited(lang, s))?;
    let delay_header = (super::staff::signin::SIGN_IN_DELAY, delay.to_string());
    let done = match done {
        Ok(done) => done,
        Err(e) => {
            let mut resp = actix_web::ResponseError::error_response(&ApiError::service(lang)(e));
            resp.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static(delay_header.0),
                delay.into(),
            );
            return Ok(resp);
        }
    };
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&done.token, state.secure_cookies))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(delay_header)
        .json_utf8(SignedIn::from(&done)))
}

#[utoipa::path(delete, path = "/staff/session", tag = "staff",
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 204, description = "signed out; the cookie is removed"),
        StaffErrors,
    ))]
pub async fn sign_out(
    call: StaffCall<can::SignIn>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = session_token(&req) {
        call.run(move |s, _| s.sign_out(&token)).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(call.state.secure_cookies))
        .finish())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct QueueQuery {
    /// A case status; `open` for every case not yet finished (the page's default), `all` (or
    /// nothing) for every case.
    status: Option<String>,
    /// A sector code.
    sector: Option<String>,
    /// A sub-district code.
    street: Option<String>,
    /// How the tips came in: `web`, `api`, `open311`, `hotline_12345`, `hotline_12350`,
    /// `letter`, `visit`, `media`, `leader_instruction`, `referral`, `other`.
    channel: Option<String>,
    /// `true` for overdue cases only, `false` for the others.
    overdue: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// 50 by default, at most 200.
    per_page: Option<i64>,
    /// The `next` of an earlier page: the page after it, read from the index however deep
    /// (wins over `page`).
    after: Option<String>,
}

impl QueueQuery {
    pub fn page_or_first(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }

    /// The cursor asked for, if any; one that does not read back is refused.
    pub fn cursor(&self, lang: Lang) -> Result<Option<QueueCursor>, ApiError> {
        match self.after.as_deref().filter(|a| !a.is_empty()) {
            None => Ok(None),
            Some(a) => QueueCursor::parse(a).map(Some).ok_or_else(|| ApiError {
                fields: vec![FieldError::new("after", "invalid")],
                ..ApiError::new(Code::Validation, lang)
            }),
        }
    }

    /// The queue page's address of the page after `cursor` (numbered `p`), same filters.
    pub fn link_after(&self, p: i64, cursor: QueueCursor) -> String {
        format!("{}&after={cursor}", self.link(p))
    }

    /// The queue page's address for page `p` with the same filters.
    pub fn link(&self, p: i64) -> String {
        let f = self.filter();
        let mut qs: Vec<(&str, String)> = vec![("page", p.to_string())];
        let status = self.status.clone().filter(|s| !s.trim().is_empty());
        for (k, v) in [
            ("status", status),
            ("sector", f.sector),
            ("street", f.street),
            ("channel", f.channel),
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

    /// The queue page shows the open cases (待办) unless another status is asked for.
    pub fn page_default(mut self) -> Self {
        self.status
            .get_or_insert_with(|| QueueFilter::OPEN.to_owned());
        self
    }

    pub fn filter(&self) -> QueueFilter {
        let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        QueueFilter {
            unit: None,
            status: some(&self.status).filter(|s| s != "all"),
            sector: some(&self.sector),
            street: some(&self.street),
            channel: some(&self.channel),
            overdue: match self.overdue.as_deref() {
                Some("true" | "1" | "on") => Some(true),
                Some("false" | "0") => Some(false),
                _ => None,
            },
        }
    }
}

/// A case as the queue lists it (API.md, "Lists").
#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub case_number: String,
    pub status: Status,
    /// The sector's code.
    pub sector: String,
    /// The sub-district's code.
    #[schema(required)]
    pub street: Option<String>,
    pub department: Unit,
    #[serde(serialize_with = "json::rfc3339")]
    #[schema(value_type = String)]
    pub submitted_at: NaiveDateTime,
    /// `YYYY-MM-DD`
    #[schema(value_type = Option<String>, required)]
    pub next_deadline: Option<NaiveDate>,
    pub overdue: bool,
    /// 挂牌督办 in force, or null.
    #[schema(required)]
    pub listed_supervision: Option<ListedSupervision>,
    /// `general` or `major` (重大隐患).
    pub severity: Severity,
    /// Where it happened, as the reporter wrote it.
    pub address: String,
    /// Days from today to `next_deadline`, negative when it has passed (null without one).
    #[schema(required)]
    pub days_left: Option<i64>,
    /// Messages from the reporter since someone of the caller's unit (the district's, for the
    /// coordinator and inspectors) last opened the case.
    pub unread: i64,
}

pub fn queue_item(catalog: &Catalog, t: &CaseSummary) -> QueueItem {
    QueueItem {
        case_number: t.case_number.clone(),
        status: t.status,
        sector: t.sector.clone(),
        street: t.street.clone(),
        department: unit(catalog, &t.department),
        submitted_at: t.submitted_at,
        next_deadline: t.next_deadline,
        overdue: t.overdue,
        listed_supervision: t.listed_supervision.clone(),
        severity: t.severity,
        address: t.address.clone(),
        days_left: t.days_left,
        unread: t.unread,
    }
}

/// A page of the queue.
#[derive(Serialize, ToSchema)]
pub struct CaseQueue {
    pub items: Vec<QueueItem>,
    /// All the cases that match, over every page (at least this many when `total_exact` is
    /// false: counting a filter other than status stops at 1,000).
    pub total: i64,
    pub total_exact: bool,
    /// Pass as `after` for the next page; null on the last page.
    #[schema(required)]
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/staff/tips", tag = "staff",
    params(QueueQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "the cases in reach, a page of them", body = CaseQueue),
        BadQuery, StaffErrors,
    ))]
pub async fn list(
    call: StaffCall<can::ReadCases>,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = (q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let (filter, after) = (q.filter(), q.cursor(call.lang)?);
    let got = call
        .run(move |s, st| s.queue(st, filter, page, after, per_page))
        .await?;
    let c = call.catalog();
    Ok(HttpResponse::Ok().json_utf8(CaseQueue {
        items: got.items.iter().map(|t| queue_item(c, t)).collect(),
        total: got.total.n,
        total_exact: got.total.exact,
        next: got.next.map(|n| n.to_string()),
    }))
}

#[utoipa::path(get, path = "/staff/tips/{case}", tag = "staff",
    params(CasePath),
    security(("session" = [])),
    responses(
        (status = 200, description = "the case", body = CaseJson),
        StaffErrors, NotInReach,
    ))]
pub async fn detail(
    call: StaffCall<can::ReadCases>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case = path.into_inner();
    let view = call.run(move |s, st| s.case(st, &case)).await?;
    Ok(HttpResponse::Ok().json_utf8(case_json(call.catalog(), &view)))
}

#[utoipa::path(post, path = "/staff/tips/{case}/actions", tag = "staff", request_body = ActionInput,
    params(CasePath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the case after the action", body = CaseJson),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
/// Readers may ask: `workflow::decide` lets an inspector take `supervise` and nothing else.
pub async fn act(
    call: StaffCall<can::ReadCases>,
    path: web::Path<String>,
    body: web::Json<ActionInput>,
) -> Result<HttpResponse, ApiError> {
    let (case, input) = (path.into_inner(), body.into_inner());
    let view = call.run(move |s, st| s.act(st, &case, &input)).await?;
    Ok(HttpResponse::Ok().json_utf8(case_json(call.catalog(), &view)))
}

/// A tip taken by staff: the body of `POST /api/v1/tips` and where and when it came in.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default)]
pub struct StaffTipBody {
    sector: Option<String>,
    street: Option<String>,
    address: Option<String>,
    enterprise: Option<String>,
    description: Option<String>,
    severity: Option<String>,
    observed_at: Option<String>,
    anonymous: Option<bool>,
    reporter: Option<crate::domain::tip::ReporterInput>,
    wants_reward: Option<bool>,
    employee: Option<bool>,
    supervision_staff: Option<bool>,
    /// `hotline_12345` | `hotline_12350` | `letter` | `visit` | `media` |
    /// `leader_instruction` | `referral` | `other`
    channel: String,
    /// RFC 3339; not in the future, at most 366 days ago. Time limits count from it.
    received_at: Option<String>,
    /// The outlet, letter number or hotline ticket (up to 200 characters).
    source_note: Option<String>,
}

impl StaffTipBody {
    fn split(self) -> (TipInput, TakenTip) {
        let tip = TipInput {
            sector: self.sector,
            street: self.street,
            address: self.address,
            enterprise: self.enterprise,
            description: self.description,
            severity: self.severity,
            observed_at: self.observed_at,
            anonymous: self.anonymous,
            reporter: self.reporter,
            wants_reward: self.wants_reward,
            employee: self.employee,
            supervision_staff: self.supervision_staff,
        };
        let taken = TakenTip {
            channel: self.channel,
            received_at: self.received_at,
            source_note: self.source_note,
        };
        (tip, taken)
    }
}

/// Registers a tip received by another channel; the receipt is in the answer this once.
#[utoipa::path(post, path = "/staff/tips", tag = "staff", request_body = StaffTipBody,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the tip is stored: the public answer's fields and its channel", body = super::api::Submitted),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn take_tip(
    call: StaffCall<can::WorkCases>,
    body: web::Json<StaffTipBody>,
) -> Result<HttpResponse, ApiError> {
    let (input, taken) = body.into_inner().split();
    let channel = taken.channel.parse().ok();
    let done = call
        .state
        .services
        .take_tip(call.staff.member(), input, taken)
        .await
        .map_err(ApiError::service(call.lang))?;
    let mut out = super::api::Submitted::of(call.catalog(), &done);
    out.channel = channel;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(out))
}

#[derive(Deserialize, ToSchema)]
pub struct BodyOnly {
    body: Option<String>,
}

/// A message was stored.
#[derive(Serialize, ToSchema)]
pub struct MessageCreated {
    pub id: i64,
}

#[utoipa::path(post, path = "/staff/tips/{case}/messages", tag = "staff", request_body = BodyOnly,
    params(CasePath, Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the message is stored and shown to the reporter", body = MessageCreated),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn message(
    call: StaffCall<can::WorkCases>,
    path: web::Path<String>,
    body: web::Json<BodyOnly>,
) -> Result<HttpResponse, ApiError> {
    let (case, text) = (
        path.into_inner(),
        body.into_inner().body.unwrap_or_default(),
    );
    let id = call
        .run(move |s, st| s.staff_message(st, &case, &text))
        .await?;
    Ok(HttpResponse::Created().json_utf8(MessageCreated { id }))
}

/// A photo and the case in the path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes the path parameters; never built")]
pub struct AttachmentPath {
    /// The case number.
    case: String,
    /// The photo's id (from the case's `attachments`).
    id: i64,
}

#[utoipa::path(get, path = "/staff/tips/{case}/attachments/{id}", tag = "staff",
    params(AttachmentPath),
    security(("session" = [])),
    responses(
        (status = 200, description = "the stored photo's bytes (metadata already stripped)",
            content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        StaffErrors, NotInReach,
    ))]
pub async fn attachment(
    call: StaffCall<can::ReadCases>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (case, id) = path.into_inner();
    let (ct, bytes) = call.run(move |s, st| s.attachment(st, &case, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type(ct)
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonBody {
    pub reason: Option<String>,
}

/// The reporter's identity (each reveal is in the audit log with its reason).
#[derive(Serialize, ToSchema)]
pub struct Identity {
    pub name: String,
    pub phone: String,
    #[schema(required)]
    pub email: Option<String>,
}

#[utoipa::path(post, path = "/staff/tips/{case}/identity", tag = "staff", request_body = ReasonBody,
    params(CasePath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the reporter's identity", body = Identity),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn identity(
    call: StaffCall<can::RevealIdentity>,
    path: web::Path<String>,
    body: web::Json<ReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let (case, reason) = (
        path.into_inner(),
        body.into_inner().reason.unwrap_or_default(),
    );
    let id = call
        .run(move |s, st| s.reveal_identity(st, &case, &reason))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(Identity {
            name: id.name.clone(),
            phone: id.phone.as_str().to_owned(),
            email: id.email.clone(),
        }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AuditQuery {
    /// `true` checks the hash chain.
    pub verify: Option<String>,
    /// Only this case's entries.
    pub case_number: Option<String>,
    /// Only this person's entries: a staff username, `reporter` or `system`.
    pub actor: Option<String>,
    /// Only this action (`sign_in`, `accept`, `export`…).
    pub action: Option<String>,
    /// From this day (`YYYY-MM-DD`, local time), included.
    pub from: Option<String>,
    /// To this day (`YYYY-MM-DD`, local time), included.
    pub to: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 100 by default, at most 500 (the page shows 50).
    pub per_page: Option<i64>,
}

impl AuditQuery {
    /// What the filters ask for.
    pub fn ask(&self) -> AuditAsk {
        AuditAsk {
            case_number: self.case_number.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    /// Whether the hash chain is to be checked.
    pub fn verify(&self) -> bool {
        matches!(self.verify.as_deref(), Some("true" | "1"))
    }

    pub fn page_or_first(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }
}

/// A page of the audit log, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditLog<'a> {
    pub entries: &'a [AuditEntry],
    pub total: i64,
    /// Whether the hash chain verifies; present with `verify=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub verified: Option<bool>,
    /// The first entry whose hash does not verify (null when all do); present with
    /// `verify=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub broken_at: Option<Option<i64>>,
}

#[utoipa::path(get, path = "/staff/audit", tag = "staff",
    params(AuditQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "the audit log", body = AuditLog),
        (status = 422, description = "a bad date, or `to` before `from`", body = ErrorBody),
        BadQuery, StaffErrors,
    ))]
pub async fn audit(
    call: StaffCall<can::ReadAudit>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let (verify, ask) = (q.verify(), q.ask());
    let (page, per_page) = (q.page_or_first(), q.per_page.unwrap_or(100).clamp(1, 500));
    let window = ((page - 1) * per_page, per_page);
    let log = call
        .run(move |s, st| s.audit_log(st, &ask, window, verify))
        .await?;
    let out = AuditLog {
        entries: &log.entries,
        total: log.total,
        verified: log.report.as_ref().map(|r| r.broken_at.is_none()),
        broken_at: log.report.as_ref().map(|r| r.broken_at),
    };
    Ok(HttpResponse::Ok().json_utf8(out))
}
