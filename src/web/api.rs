//! JSON API v1: reference data and the reporter's routes (API.md, "HTTP: JSON API v1").
//! Handlers stay thin: extract, count against the rate limit, call one service, answer.

use super::error::{
    ApiError, Code, ErrorBody, JsonBodyErrors, MultipartUnreadable, RateLimited, ReceiptErrors,
    SubmissionLimited,
};
use super::i18n::Lang;
use super::security::{Bucket, client_ip, submission_slot};
use super::{AppState, JsonUtf8};
use crate::domain::catalog::Catalog;
use crate::domain::json;
use crate::domain::status::Status;
use crate::domain::timeline::TipOutcome;
use crate::domain::tip::{Channel, TipInput};
use crate::services::intake::SubmissionKey;
use crate::services::track::{TimelineEntry, TrackedMessage};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

pub use crate::services::names::{Unit, unit};

/// A case in the path, by its number (documentation only: handlers take `web::Path`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes a path parameter; never built")]
pub struct CasePath {
    /// The case number (`HL-2026-000031`).
    case: String,
}

/// A reward in the path, by its id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes a path parameter; never built")]
pub struct RewardPath {
    /// The reward's id.
    id: i64,
}

/// The CSRF header of every state-changing staff call.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[expect(dead_code, reason = "describes a header; never built")]
pub struct Csrf {
    /// The `csrf_token` of the session's sign-in answer; without it the call answers 403.
    #[param(rename = "X-CSRF-Token")]
    token: String,
}

/// A reporter's call, counted against its rate limit (`B`: the look-up bucket; submissions
/// are counted by [`super::security::submission_slot`], once their outcome is known) before the handler runs, with the application and the request's language. Handlers
/// take it after their body, so the body is read (and a malformed one refused) first, as before.
pub struct Reporter<B: Limited> {
    pub state: web::Data<AppState>,
    pub lang: Lang,
    bucket: PhantomData<B>,
}

/// Which rate limit a reporter's route counts against.
pub trait Limited: 'static {
    const BUCKET: Bucket;
}

/// Receipt look-ups and reporter messages.
pub struct Lookup;

impl Limited for Lookup {
    const BUCKET: Bucket = Bucket::Lookup;
}

impl<B: Limited> FromRequest for Reporter<B> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::from_request(req);
        let call = match req.app_data::<web::Data<AppState>>() {
            None => Err(ApiError::new(Code::Internal, lang)),
            Some(state) => (state.limiters)
                .check_api(B::BUCKET, req, &state.trusted_proxies, lang)
                .map(|()| Reporter {
                    state: state.clone(),
                    lang,
                    bucket: PhantomData,
                }),
        };
        ready(call.map_err(Into::into))
    }
}

/// A sector a reporter may choose, with the units that handle its tips.
#[derive(Serialize, ToSchema)]
#[schema(as = Sector)]
pub struct SectorView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub hint_zh: String,
    pub hint_en: String,
    /// The lead department.
    pub department: Unit,
    pub co_departments: Vec<Unit>,
    /// The sub-district co-handles (true) or is only informed (false).
    pub street_co_handles: bool,
    /// Tips go to the coordinator's triage queue.
    pub triage: bool,
}

#[utoipa::path(get, path = "/sectors", tag = "reference",
    responses(
        (status = 200, description = "every sector", body = Vec<SectorView>),
    ))]
pub async fn sectors(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.services.catalog;
    let body: Vec<SectorView> = c
        .sectors()
        .iter()
        .map(|s| SectorView {
            code: s.code.clone(),
            name_zh: s.name_zh.clone(),
            name_en: s.name_en.clone(),
            hint_zh: s.hint_zh.clone(),
            hint_en: s.hint_en.clone(),
            department: unit(c, &s.lead),
            co_departments: s.co_departments.iter().map(|d| unit(c, d)).collect(),
            street_co_handles: s.street_co_handles,
            triage: s.triage,
        })
        .collect();
    HttpResponse::Ok().json_utf8(body)
}

#[utoipa::path(get, path = "/streets", tag = "reference",
    responses(
        (status = 200, description = "every sub-district", body = Vec<Unit>),
    ))]
pub async fn streets(state: web::Data<AppState>) -> HttpResponse {
    let body: Vec<Unit> = state
        .services
        .catalog
        .streets()
        .iter()
        .map(Unit::from)
        .collect();
    HttpResponse::Ok().json_utf8(body)
}

/// A stored tip: its case number and, this once, its receipt.
#[derive(Serialize, ToSchema)]
pub struct Submitted {
    pub case_number: String,
    /// 16 digits in four groups of four; never shown again.
    pub receipt: String,
    pub status: Status,
    pub department: Unit,
    pub co_departments: Vec<Unit>,
    /// Present when the reporter named a sub-district.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub street: Option<Unit>,
    /// How it came in: in the answer to staff who took it (`POST /api/v1/staff/tips`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub channel: Option<Channel>,
}

impl Submitted {
    /// The answer for a stored tip (its receipt shown this once).
    pub fn of(c: &Catalog, done: &crate::services::intake::Submitted) -> Submitted {
        Submitted {
            case_number: done.case_number.as_str().to_owned(),
            receipt: done.receipt.grouped(),
            status: Status::Submitted,
            department: unit(c, &done.routing.lead),
            co_departments: done
                .routing
                .co_departments
                .iter()
                .map(|d| unit(c, d))
                .collect(),
            street: done.routing.street.as_deref().map(|s| unit(c, s)),
            channel: None,
        }
    }
}

#[utoipa::path(post, path = "/tips", tag = "reporters", request_body = TipInput,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "8–64 characters of [A-Za-z0-9_-]: the same key again within 2 hours answers the same 201 body and stores nothing; with another body, 422"),
        ("X-Proof-Of-Work" = Option<String>, Header,
        description = "`<challenge>:<nonce>`: the `proof_of_work.challenge` of a 429 and a nonce (1–32 letters or digits) such that SHA-256 of `<challenge>:<nonce>` begins with `difficulty_bits` zero bits; lets an address past its burst submit once, before `expires_at`")),
    responses(
        (status = 201, description = "the tip is stored (or was, under this Idempotency-Key)", body = Submitted),
        (status = 422, description = "a field is wrong, or the Idempotency-Key was used with another body", body = ErrorBody),
        SubmissionLimited, JsonBodyErrors,
    ))]
pub async fn submit_tip(
    req: HttpRequest,
    body: web::Json<TipInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_request(&req);
    let services = &state.services;
    // Only a stored tip counts against the address's limit; a refused one counts apart.
    let ip = client_ip(&req, &state.trusted_proxies);
    let answer = req.headers().get("x-proof-of-work");
    let answer = answer.and_then(|v| v.to_str().ok());
    let slot = submission_slot(&state, ip, answer)
        .await
        .map_err(|r| r.api(lang))?;
    let key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(
            SubmissionKey::parse("idempotency_key", v.to_str().unwrap_or_default())
                .map_err(ApiError::service(lang))?,
        ),
    };
    let done = services
        .submit_tip_once(
            body.into_inner(),
            Channel::Api,
            Default::default(),
            None,
            key,
        )
        .await
        .map_err(ApiError::service(lang))?;
    slot.accepted();
    let out = Submitted::of(&services.catalog, &done);
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(out))
}

#[derive(Deserialize, ToSchema)]
pub struct ReceiptBody {
    receipt: Option<String>,
}

#[derive(Deserialize, ToSchema)]
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

pub(super) fn receipt_not_found(lang: Lang) -> impl Fn(crate::services::ServiceError) -> ApiError {
    move |e| match e {
        crate::services::ServiceError::NotFound => {
            ApiError::new(Code::NotFound, lang).with_message("error-receipt_not_found")
        }
        other => ApiError::from_service(other, lang),
    }
}

/// What the reporter sees of their tip.
#[derive(Serialize, ToSchema)]
pub struct Tracked<'a> {
    pub case_number: &'a str,
    pub status: Status,
    pub department: Unit,
    #[serde(serialize_with = "json::rfc3339")]
    #[schema(value_type = String)]
    pub submitted_at: DateTime<Utc>,
    pub messages: &'a [TrackedMessage],
    /// Present once staff proposed a reward for a reporter who asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reward: Option<crate::services::reward_json::TrackReward<'a>>,
    /// The steps the tip went through, oldest first, each with its day.
    pub timeline: &'a [TimelineEntry],
    /// What came of it, once decided (absent while it is open).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outcome: Option<TipOutcome>,
    /// What staff wrote for the reporter with the outcome: the reason it was not taken up, or
    /// the verification's finding. Absent when they wrote none (a duplicate has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outcome_text: Option<&'a str>,
}

#[utoipa::path(post, path = "/track", tag = "reporters", request_body = ReceiptBody,
    responses(
        (status = 200, description = "the tip as its reporter sees it", body = Tracked),
        ReceiptErrors, RateLimited, JsonBodyErrors,
    ))]
pub async fn track(
    body: web::Json<ReceiptBody>,
    call: Reporter<Lookup>,
) -> Result<HttpResponse, ApiError> {
    let (state, lang) = (&call.state, call.lang);
    let receipt = receipt_of(body.into_inner().receipt, lang)?;
    let tip = (state.services.track(&receipt).await).map_err(receipt_not_found(lang))?;
    let out = Tracked {
        case_number: &tip.case_number,
        status: tip.status,
        department: unit(&state.services.catalog, &tip.department),
        submitted_at: tip.submitted_at,
        messages: &tip.messages,
        reward: tip
            .reward
            .as_ref()
            .map(crate::services::reward_json::track_reward),
        timeline: &tip.timeline,
        outcome: tip.outcome,
        outcome_text: tip.outcome_text.as_deref(),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json_utf8(out))
}

/// A message was stored.
#[derive(Serialize, ToSchema)]
pub struct Received {
    /// Always `received`.
    #[schema(pattern = "^received$")]
    pub status: &'static str,
}

#[utoipa::path(post, path = "/track/messages", tag = "reporters", request_body = MessageBody,
    responses(
        (status = 201, description = "the message is stored", body = Received),
        ReceiptErrors, RateLimited, JsonBodyErrors,
    ))]
pub async fn track_message(
    body: web::Json<MessageBody>,
    call: Reporter<Lookup>,
) -> Result<HttpResponse, ApiError> {
    let (state, lang) = (&call.state, call.lang);
    let MessageBody { receipt, body } = body.into_inner();
    let receipt = receipt_of(receipt, lang)?;
    state
        .services
        .reporter_message(&receipt, body.as_deref().unwrap_or_default())
        .await
        .map_err(receipt_not_found(lang))?;
    Ok(HttpResponse::Created().json_utf8(Received { status: "received" }))
}

/// A multipart body with the receipt and one to five photos.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the request body; never built")]
pub struct LaterPhotosForm {
    /// The receipt, with or without its spaces.
    receipt: String,
    /// One to five photos (JPEG, PNG or WebP, 10 MB each; the type is read from the bytes), the
    /// part repeated once per photo.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<Vec<u8>>,
}

/// Photos were added to the tip.
#[derive(Serialize, ToSchema)]
pub struct PhotosAdded {
    /// How many were stored.
    pub attachments: usize,
}

#[utoipa::path(post, path = "/track/attachments", tag = "reporters",
    request_body(content = LaterPhotosForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "the photos are stored with the tip, stripped of their metadata", body = PhotosAdded),
        (status = 413, description = "a photo is over 10 MB, or the body over the multipart limit", body = ErrorBody),
        (status = 415, description = "not multipart, or a photo is not JPEG, PNG or WebP", body = ErrorBody),
        ReceiptErrors, RateLimited, MultipartUnreadable,
    ))]
pub async fn track_photos(
    req: HttpRequest,
    payload: web::Payload,
    call: Reporter<Lookup>,
) -> Result<HttpResponse, ApiError> {
    let (state, lang) = (&call.state, call.lang);
    let how = (state.multipart_limit, &state.uploads);
    let read = super::form::read_later_photos(&req, payload, how, true).await;
    let (receipt, up) = match read {
        Ok(Some(got)) => got,
        Ok(None) => return Err(ApiError::new(Code::UnsupportedMedia, lang)),
        Err(e) => return Err(super::form::read_error(e, lang)),
    };
    let receipt = receipt_of(Some(receipt), lang)?;
    if up.unsupported_type {
        return Err(ApiError::new(Code::UnsupportedMedia, lang).with_message("field-photo_type"));
    }
    if up.photo_errors.contains(&"photo_too_large") {
        return Err(ApiError::new(Code::TooLarge, lang).with_message("field-photo_too_large"));
    }
    if !up.photo_errors.is_empty() {
        let fields = (up.photo_errors.iter())
            .map(|key| crate::domain::FieldError::new("photo", key))
            .collect();
        return Err(ApiError::from_service(
            crate::services::ServiceError::Validation(fields),
            lang,
        ));
    }
    let n = (state.services.reporter_photos(&receipt, up.photos).await)
        .map_err(receipt_not_found(lang))?;
    Ok(HttpResponse::Created().json_utf8(PhotosAdded { attachments: n }))
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

/// Adds the staff session to the document: the cookie, and the CSRF header each state-changing
/// staff call sends (described on those operations).
struct Session;

impl utoipa::Modify for Session {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::extract::COOKIE,
                "The session cookie set by POST /staff/session. Every state-changing staff call \
                 also sends the header X-CSRF-Token with the csrf_token of that answer.",
            ))),
        );
    }
}

/// Documents the answer every route may give before its handler runs: `reject_nul` refuses a
/// NUL character anywhere in a request (path, query, body) with 422, whatever the route.
struct NulRefused;

impl utoipa::Modify for NulRefused {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Content, Ref, ResponseBuilder};
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                op.responses
                    .responses
                    .entry("422".to_owned())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(
                                "the request carries a NUL character (in the path, the query \
                                 or the body)",
                            )
                            .content(
                                "application/json",
                                Content::new(Some(Ref::from_schema_name("Error"))),
                            )
                            .build()
                            .into()
                    });
            }
        }
    }
}

/// The machine-readable description of this API, generated from the handlers' annotations and
/// the answers' types (so it cannot drift from what they send).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tipline JSON API",
        version = "1",
        description = "Work-safety hazard tip-off portal (安全生产隐患举报平台). Errors are always \
            {error, message, fields?} in the request's language (?lang=, cookie, Accept-Language). \
            Staff calls need the session cookie from POST /staff/session, and state-changing ones \
            the header X-CSRF-Token with its csrf_token."
    ),
    servers((url = "/api/v1")),
    paths(
        openapi,
        sectors,
        streets,
        submit_tip,
        track,
        track_message,
        track_photos,
        super::finance::claim,
        super::staff_api::sign_in,
        super::staff_api::sign_out,
        super::staff_api::list,
        super::staff_api::detail,
        super::staff_api::act,
        super::staff_api::take_tip,
        super::staff_api::message,
        super::staff_api::attachment,
        super::staff_api::identity,
        super::staff_api::audit,
        super::finance::propose,
        super::finance::sign_off,
        super::finance::queue,
        super::finance::decide,
        super::finance::payout,
        super::finance::correct,
        super::finance::withdraw,
        super::finance::reinstate,
        super::finance::payee,
        super::finance::ledger,
        super::lists::export,
        super::supervision::record_finding,
        super::supervision::findings,
        super::supervision::timeliness,
        super::supervision::record_accountability,
        super::supervision::accountability,
        super::supervision::enter_scores,
        super::hazards_api::record,
        super::hazards_api::detail,
        super::hazards_api::act,
        super::lists::import,
        super::inspections::create,
        super::inspections::list,
        super::inspections::detail,
        super::inspections::record_hazard,
        super::enterprises::create,
        super::enterprises::search,
        super::enterprises::one,
        super::enterprises::blacklist,
        super::enterprises::withdraw,
        super::reports::create,
        super::reports::list,
        super::reports::detail,
        super::reports::edit,
        super::reports::review,
        super::reports::sign,
        super::reports::submit,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Session, &NulRefused),
)]
pub struct ApiDoc;

/// The document as served, encoded once (on the first request for it); `None` if encoding
/// failed, which is logged and answered 500 like any other answer that cannot be encoded.
pub static OPENAPI: LazyLock<Option<String>> =
    LazyLock::new(|| match ApiDoc::openapi().to_json() {
        Ok(text) => Some(text),
        Err(e) => {
            tracing::error!(error = %e, "encoding the OpenAPI document failed");
            None
        }
    });

#[utoipa::path(get, path = "/openapi.json", tag = "reference",
    responses(
        (status = 200, description = "this document (OpenAPI 3.1)", body = Object),
    ))]
pub async fn openapi() -> HttpResponse {
    match OPENAPI.as_deref() {
        Some(text) => HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .body(text),
        None => HttpResponse::InternalServerError().finish(),
    }
}
