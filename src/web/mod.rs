//! The HTTP layer: the routes table (one place, top to bottom), the shared state, extractor
//! error handling (never serde text in a body), and the access log.

pub mod api;
pub mod error;
pub mod extract;
pub mod finance;
pub mod finance_pages;
pub mod form;
pub mod i18n;
pub mod lists;
pub mod open311;
pub mod oversight;
pub mod pages;
pub mod public;
pub mod render;
pub mod security;
pub mod staff;
pub mod staff_api;

use crate::config::Settings;
use crate::services::Services;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, HttpResponse, web};
use error::{ApiError, Code};
use security::Limiters;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

/// JSON answers say their charset, as the contract has it (`application/json; charset=utf-8`).
pub trait JsonUtf8 {
    fn json_utf8(&mut self, body: impl serde::Serialize) -> HttpResponse;
}

impl JsonUtf8 for actix_web::HttpResponseBuilder {
    fn json_utf8(&mut self, body: impl serde::Serialize) -> HttpResponse {
        match serde_json::to_string(&body) {
            Ok(text) => self
                .content_type("application/json; charset=utf-8")
                .body(text),
            Err(e) => {
                tracing::error!(error = %e, "encoding a JSON answer failed");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

/// What every handler may reach.
pub struct AppState {
    pub services: Services,
    pub pages: render::Pages,
    pub limiters: Arc<Limiters>,
    pub trusted_proxies: Vec<IpAddr>,
    /// Multipart bodies above this many bytes answer 413.
    pub multipart_limit: usize,
    /// Slots for reading report forms with photos.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
    /// Open311 API keys; empty means none is required.
    pub open311_keys: Vec<secrecy::SecretString>,
    pub stats: crate::config::StatsSettings,
}

impl AppState {
    /// Waits (up to 30 seconds) for a slot to read an upload.
    pub async fn upload_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ()> {
        let wait = self.uploads.clone().acquire_owned();
        match tokio::time::timeout(std::time::Duration::from_secs(30), wait).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(()),
        }
    }
}

/// Every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::index))
        .route("/report", web::get().to(public::report_form))
        .route("/report", web::post().to(public::report_submit))
        .route("/track", web::get().to(public::track_form))
        .route("/track", web::post().to(public::track_submit))
        .route("/stats", web::get().to(public::stats))
        .route("/exposures", web::get().to(public::exposures))
        .route("/static/{file}", web::get().to(render::static_file))
        .route("/staff/login", web::get().to(staff::signin::login_form))
        .route("/staff/login", web::post().to(staff::signin::login_submit))
        .route("/staff/logout", web::post().to(staff::signin::logout))
        .route("/staff", web::get().to(staff::queue::queue))
        .route("/staff/tips/{case}", web::get().to(staff::case::case_page))
        .route("/staff/tips/{case}/act", web::post().to(staff::case::act))
        .route(
            "/staff/tips/{case}/message",
            web::post().to(staff::case::message),
        )
        .route(
            "/staff/tips/{case}/identity",
            web::post().to(staff::case::reveal),
        )
        .route(
            "/staff/lists/{kind}",
            web::get().to(staff::lists::list_page),
        )
        .route("/staff/audit", web::get().to(staff::audit::audit_page))
        .route("/staff/dashboard", web::get().to(oversight::dashboard))
        .route(
            "/staff/evaluation.csv",
            web::get().to(oversight::evaluation_export),
        )
        .route("/staff/report", web::get().to(oversight::report))
        .route("/staff/report.csv", web::get().to(oversight::report_export))
        .route("/staff/account", web::get().to(staff::account::account))
        .route(
            "/staff/account/password",
            web::post().to(staff::account::change_password),
        )
        .route(
            "/staff/account/totp",
            web::post().to(staff::account::totp_begin),
        )
        .route(
            "/staff/account/totp/confirm",
            web::post().to(staff::account::totp_confirm),
        )
        .route(
            "/staff/tips/{case}/reward",
            web::post().to(staff::rewards::propose_reward),
        )
        .route("/finance", web::get().to(finance_pages::finance))
        .route(
            "/finance/rewards/{id}/decision",
            web::post().to(finance_pages::finance_decide),
        )
        .route(
            "/finance/rewards/{id}/payout",
            web::post().to(finance_pages::finance_pay),
        )
        .route(
            "/staff/tips/{case}/exposure",
            web::post().to(staff::exposure::publish_exposure),
        )
        .route(
            "/staff/tips/{case}/exposure/withdraw",
            web::post().to(staff::exposure::withdraw_exposure),
        )
        .route("/staff/users", web::get().to(staff::users::users))
        .route("/staff/users", web::post().to(staff::users::create_user))
        .route(
            "/staff/users/{user}/active",
            web::post().to(staff::users::set_active),
        )
        .route(
            "/staff/users/{user}/password",
            web::post().to(staff::users::reset_password),
        )
        .route("/healthz", web::get().to(api::healthz))
        .service(
            web::scope("/open311/v2")
                .route("/discovery.{format}", web::get().to(open311::discovery))
                .route("/services.{format}", web::get().to(open311::services))
                .route("/services/{code}", web::get().to(open311::definition))
                .route("/requests.{format}", web::get().to(open311::list))
                .route("/requests.{format}", web::post().to(open311::create))
                .route("/requests/{id}", web::get().to(open311::one)),
        )
        .service(
            web::scope("/api/v1")
                .route("/openapi.json", web::get().to(api::openapi))
                .route("/sectors", web::get().to(api::sectors))
                .route("/streets", web::get().to(api::streets))
                .route("/tips", web::post().to(api::submit_tip))
                .route("/track", web::post().to(api::track))
                .route("/track/messages", web::post().to(api::track_message))
                .route("/track/reward-claim", web::post().to(finance::claim))
                .route("/staff/session", web::post().to(staff_api::sign_in))
                .route("/staff/session", web::delete().to(staff_api::sign_out))
                .route("/staff/tips", web::get().to(staff_api::list))
                .route("/staff/tips/{case}", web::get().to(staff_api::detail))
                .route("/staff/tips/{case}/actions", web::post().to(staff_api::act))
                .route(
                    "/staff/tips/{case}/messages",
                    web::post().to(staff_api::message),
                )
                .route(
                    "/staff/tips/{case}/attachments/{id}",
                    web::get().to(staff_api::attachment),
                )
                .route(
                    "/staff/tips/{case}/identity",
                    web::post().to(staff_api::identity),
                )
                .route("/staff/audit", web::get().to(staff_api::audit))
                .route(
                    "/staff/tips/{case}/reward",
                    web::post().to(finance::propose),
                )
                .route(
                    "/staff/rewards/{id}/sign-off",
                    web::post().to(finance::sign_off),
                )
                .route("/staff/rewards/{id}", web::put().to(finance::correct))
                .route(
                    "/staff/rewards/{id}/withdraw",
                    web::post().to(finance::withdraw),
                )
                .route("/finance/rewards", web::get().to(finance::queue))
                .route(
                    "/finance/rewards/{id}/decision",
                    web::post().to(finance::decide),
                )
                .route(
                    "/finance/rewards/{id}/payout",
                    web::post().to(finance::payout),
                )
                .route(
                    "/finance/rewards/{id}/payee",
                    web::post().to(finance::payee),
                )
                .route(
                    "/finance/rewards/{id}/reinstate",
                    web::post().to(finance::reinstate),
                )
                .route("/finance/ledger.csv", web::get().to(finance::ledger))
                .route("/staff/lists/{file}", web::get().to(lists::export)),
        );
}

/// Extractor settings: body limits and error answers in the API's shape.
pub fn extractors(cfg: &mut web::ServiceConfig, settings: &Settings) {
    let json = web::JsonConfig::default()
        .limit(settings.limits.json_bytes)
        .content_type_required(true)
        .error_handler(|err, req| {
            let code = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => Code::TooLarge,
                JsonPayloadError::ContentType => Code::UnsupportedMedia,
                _ => Code::BadRequest,
            };
            // Only the kind: serde's text quotes the offending value, which may be a receipt
            // or a name.
            tracing::debug!(kind = ?code, "rejected JSON body");
            ApiError::for_request(code, req).into()
        });
    // The API answers in its JSON shape; a page answers with the error page.
    let api = |req: &HttpRequest| {
        let p = req.path();
        p.starts_with("/api/") || p.starts_with("/open311/")
    };
    let path = web::PathConfig::default().error_handler(move |_: PathError, req| match api(req) {
        true => ApiError::for_request(Code::NotFound, req).into(),
        false => pages::PageError::NotFound.into(),
    });
    let query =
        web::QueryConfig::default().error_handler(move |_: QueryPayloadError, req| {
            match api(req) {
                true => ApiError::for_request(Code::BadRequest, req).into(),
                false => pages::PageError::BadRequest.into(),
            }
        });
    cfg.app_data(json)
        .app_data(path)
        .app_data(query)
        .app_data(web::PayloadConfig::new(settings.limits.multipart_bytes));
}

/// The answer for a route that does not exist: the API's JSON under `/api/`, a page elsewhere.
pub async fn not_found(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    let lang = i18n::Lang::from_request(&req);
    if req.path().starts_with("/api/") || req.path().starts_with("/open311/") {
        return ApiError::new(Code::NotFound, lang).error_response();
    }
    state.pages.error(
        &req,
        lang,
        actix_web::http::StatusCode::NOT_FOUND,
        "page-not-found-title",
        &lang.t("error-not_found"),
    )
}

/// Logs every request without its query string (API.md: nothing of /report or /track beyond
/// the path), and sets the headers every answer carries.
pub fn access_log<S, B>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<
            actix_web::dev::ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        let headers = res.headers_mut();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
        ] {
            headers.insert(
                actix_web::http::header::HeaderName::from_static(name),
                actix_web::http::header::HeaderValue::from_static(value),
            );
        }
        security::log_access(&method, &path, res.status().as_u16(), started);
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    /// Every route of `/api/v1` in the routes table above is described in the generated OpenAPI
    /// document, with its method, and nothing is described that does not exist.
    #[test]
    fn the_openapi_document_describes_every_api_route() {
        let source = include_str!("mod.rs");
        let start = source
            .find("web::scope(\"/api/v1\")")
            .expect("the API scope");
        let end = start + source[start..].find(");").expect("its end");
        let scope: String = source[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut routes = Vec::new();
        for part in scope.split(".route(").skip(1) {
            let path = part.split('"').nth(1).expect("a path");
            let method = part
                .split("web::")
                .nth(1)
                .and_then(|m| m.split("()").next())
                .expect("a method");
            routes.push((path.to_owned(), method.to_owned()));
        }
        assert!(routes.len() > 20, "{routes:?}");
        let doc: serde_json::Value = serde_json::from_str(
            super::api::OPENAPI
                .as_deref()
                .expect("the document encodes"),
        )
        .expect("valid JSON");
        let paths = doc["paths"].as_object().expect("paths");
        for (path, method) in &routes {
            assert!(
                paths
                    .get(path)
                    .and_then(|p| p.get(method.as_str()))
                    .is_some(),
                "{method} {path} is not described"
            );
        }
        let described: usize = paths
            .values()
            .map(|p| p.as_object().map_or(0, |o| o.len()))
            .sum();
        assert_eq!(
            described,
            routes.len(),
            "the OpenAPI document describes routes that do not exist"
        );
    }
}
