//! The HTTP layer: the routes table (one place, top to bottom), the shared state, extractor
//! error handling (never serde text in a body), and the access log.

pub mod api;
pub mod cache;
pub mod enterprises;
pub mod error;
pub mod extract;
pub mod finance;
pub mod finance_pages;
pub mod form;
pub mod hazards_api;
pub mod i18n;
pub mod inspections;
pub mod lists;
pub mod metrics;
pub mod open311;
pub mod oversight;
pub mod pages;
pub mod public;
pub mod render;
pub mod reports;
pub mod security;
pub mod staff;
pub mod staff_api;
pub mod supervision;

use crate::config::Settings;
use crate::services::Services;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
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
    /// JSON and form bodies above this many bytes answer 413.
    pub json_limit: usize,
    /// Slots for reading report forms with photos.
    pub uploads: form::Slots,
    /// How slowly a form or Open311 body may arrive before it is dropped.
    pub upload_pace: form::Pace,
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
    /// Open311 API keys; empty means none is required.
    pub open311_keys: Vec<secrecy::SecretString>,
    /// Lets `/metrics` be read from elsewhere than loopback (see [`metrics`]).
    pub metrics_token: Option<secrecy::SecretString>,
    pub stats: crate::config::StatsSettings,
}

/// Adds routes to the service or a scope, one a line: `method "path" => handler`, in the order
/// they are matched; a `get` route answers `HEAD` too. Every path and method is remembered, so
/// that a known path asked with another method answers 405 with `Allow` (see [`not_found`]).
macro_rules! routes {
    (scope $prefix:literal; $($method:ident $path:literal => $handler:expr),* $(,)?) => {{
        known::remember($prefix, &[$((stringify!($method), $path)),*]);
        web::scope($prefix)$(.route($path, known::$method().to($handler)))*
    }};
    ($to:expr; $($method:ident $path:literal => $handler:expr),* $(,)?) => {{
        known::remember("", &[$((stringify!($method), $path)),*]);
        $to$(.route($path, known::$method().to($handler)))*
    }};
}

/// The routes table as data: which methods each known path answers.
mod known {
    use actix_web::dev::ResourceDef;
    use actix_web::{Route, guard, web};
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    pub use actix_web::web::{delete, post, put};

    /// `GET`, and `HEAD` on the same handler (the server sends the headers without the body).
    pub fn get() -> Route {
        web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
    }

    /// (full path pattern, method), filled as the routes are added (once per worker; the set
    /// keeps one of each).
    static KNOWN: Mutex<BTreeSet<(String, &'static str)>> = Mutex::new(BTreeSet::new());

    pub fn remember(prefix: &str, routes: &[(&'static str, &'static str)]) {
        let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        for (method, path) in routes {
            known.insert((format!("{prefix}{path}"), method));
        }
    }

    /// The methods a path answers, as an `Allow` header says them; empty for an unknown path.
    pub fn allowed(path: &str) -> Vec<&'static str> {
        let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        let mut methods = BTreeSet::new();
        for (pattern, method) in known.iter() {
            if ResourceDef::new(pattern.as_str()).is_match(path) {
                match *method {
                    "get" => methods.extend(["GET", "HEAD"]),
                    "post" => _ = methods.insert("POST"),
                    "put" => _ = methods.insert("PUT"),
                    _ => _ = methods.insert("DELETE"),
                }
            }
        }
        methods.into_iter().collect()
    }
}

/// Every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    routes! { cfg;
        get    "/"                                    => public::index,
        get    "/report"                              => public::report_form,
        post   "/report"                              => public::report_submit,
        get    "/track"                               => public::track_form,
        post   "/track"                               => public::track_submit,
        post   "/track/photos"                        => public::track_photos,
        get    "/stats"                               => public::stats,
        get    "/exposures"                           => public::exposures,
        get    "/static/{file}"                       => render::static_file,
        get    "/favicon.ico"                         => render::favicon,
        get    "/robots.txt"                          => render::robots,
        get    "/metrics"                             => metrics::metrics,
        get    "/staff/login"                         => staff::signin::login_form,
        post   "/staff/login"                         => staff::signin::login_submit,
        post   "/staff/logout"                        => staff::signin::logout,
        get    "/staff"                               => staff::queue::queue,
        // Before the case page, whose {case} would take "new".
        get    "/staff/tips/new"                      => staff::intake::new_tip,
        post   "/staff/tips/new"                      => staff::intake::take_tip,
        get    "/staff/tips/{case}"                   => staff::case::case_page,
        post   "/staff/tips/{case}/act"               => staff::case::act,
        post   "/staff/tips/{case}/message"           => staff::case::message,
        post   "/staff/tips/{case}/identity"          => staff::case::reveal,
        get    "/staff/lists/{kind}"                  => staff::lists::list_page,
        // Before the hazard page, whose {id} would take "new".
        get    "/staff/hazards/new"                   => staff::hazards::new_hazard,
        post   "/staff/hazards/new"                   => staff::hazards::record_hazard,
        get    "/staff/hazards/{id}"                  => staff::hazards::hazard_page,
        post   "/staff/hazards/{id}/act"              => staff::hazards::act,
        get    "/staff/lists/{kind}/print"            => staff::lists::print_page,
        get    "/staff/lists/hazards/template.xlsx"   => staff::lists::import_template,
        post   "/staff/lists/hazards/import"          => staff::lists::import_submit,
        get    "/staff/audit"                         => staff::audit::audit_page,
        get    "/staff/dashboard"                     => oversight::dashboard,
        get    "/staff/evaluation.csv"                => oversight::evaluation_export,
        get    "/staff/report"                        => oversight::report,
        get    "/staff/report.csv"                    => oversight::report_export,
        get    "/staff/account"                       => staff::account::account,
        post   "/staff/account/password"              => staff::account::change_password,
        post   "/staff/account/totp"                  => staff::account::totp_begin,
        post   "/staff/account/totp/confirm"          => staff::account::totp_confirm,
        post   "/staff/account/sms"                   => staff::account::sms_alerts,
        get    "/staff/posters"                       => staff::posters::poster,
        post   "/staff/tips/{case}/reward"            => staff::rewards::propose_reward,
        post   "/staff/rewards/{id}/sign-off"         => staff::rewards::sign_off_reward,
        post   "/staff/rewards/{id}/correct"          => staff::rewards::correct_reward,
        post   "/staff/rewards/{id}/withdraw"         => staff::rewards::withdraw_reward,
        get    "/finance"                             => finance_pages::finance,
        post   "/finance/rewards/{id}/decision"       => finance_pages::finance_decide,
        post   "/finance/rewards/{id}/payout"         => finance_pages::finance_pay,
        post   "/finance/rewards/{id}/payee"          => finance_pages::finance_payee,
        post   "/finance/rewards/{id}/reinstate"      => finance_pages::finance_reinstate,
        get    "/finance/rewards/{id}/notice"         => finance_pages::finance_notice,
        post   "/staff/tips/{case}/exposure"          => staff::exposure::publish_exposure,
        post   "/staff/tips/{case}/exposure/withdraw" => staff::exposure::withdraw_exposure,
        get    "/staff/users"                         => staff::users::users,
        post   "/staff/users"                         => staff::users::create_user,
        post   "/staff/users/{user}/active"           => staff::users::set_active,
        post   "/staff/users/{user}/password"         => staff::users::reset_password,
        post   "/staff/users/{user}/group"            => staff::users::set_group,
        get    "/staff/supervision"                   => staff::supervision::supervision_page,
        post   "/staff/supervision/findings"          => staff::supervision::record_finding,
        post   "/staff/accountability"                => staff::supervision::record_accountability,
        get    "/staff/evaluation/{unit}"             => staff::evaluation::scores_page,
        post   "/staff/evaluation/{unit}"             => staff::evaluation::enter_scores,
        get    "/staff/enterprises"                   => staff::enterprises::list_page,
        post   "/staff/enterprises"                   => staff::enterprises::create,
        get    "/staff/enterprises/{id}"              => staff::enterprises::enterprise_page,
        post   "/staff/enterprises/{id}/blacklist"    => staff::enterprises::blacklist,
        post   "/staff/enterprises/{id}/blacklist/withdraw" => staff::enterprises::withdraw,
        post   "/staff/tips/{case}/enterprise"        => staff::enterprises::create_for_tip,
        get    "/blacklist"                           => staff::enterprises::public_blacklist,
        get    "/staff/inspections"                   => staff::inspections::inspections,
        post   "/staff/inspections"                   => staff::inspections::create,
        get    "/staff/inspections/{id}"              => staff::inspections::inspection,
        get    "/staff/reports"                       => staff::reports::reports_page,
        get    "/staff/reports/new"                   => staff::reports::new_report,
        post   "/staff/reports/new"                   => staff::reports::save_report,
        get    "/staff/reports/{id}"                  => staff::reports::report_page,
        post   "/staff/reports/{id}/edit"             => staff::reports::edit_report,
        post   "/staff/reports/{id}/{step}"           => staff::reports::report_step,
        get    "/staff/reports/{id}/report.csv"       => staff::reports::report_csv,
        get    "/healthz"                             => api::healthz,
    };
    cfg.service(routes! { scope "/open311/v2";
        get    "/discovery.{format}"                  => open311::discovery,
        get    "/services.{format}"                   => open311::services,
        get    "/services/{code}"                     => open311::definition,
        get    "/requests.{format}"                   => open311::list,
        post   "/requests.{format}"                   => open311::create,
        get    "/requests/{id}"                       => open311::one,
    });
    cfg.service(routes! { scope "/api/v1";
        get    "/openapi.json"                        => api::openapi,
        get    "/sectors"                             => api::sectors,
        get    "/streets"                             => api::streets,
        post   "/tips"                                => api::submit_tip,
        post   "/track"                               => api::track,
        post   "/track/messages"                      => api::track_message,
        post   "/track/attachments"                   => api::track_photos,
        post   "/track/reward-claim"                  => finance::claim,
        post   "/staff/session"                       => staff_api::sign_in,
        delete "/staff/session"                       => staff_api::sign_out,
        get    "/staff/tips"                          => staff_api::list,
        get    "/staff/tips/{case}"                   => staff_api::detail,
        post   "/staff/tips"                          => staff_api::take_tip,
        post   "/staff/tips/{case}/actions"           => staff_api::act,
        post   "/staff/tips/{case}/messages"          => staff_api::message,
        get    "/staff/tips/{case}/attachments/{id}"  => staff_api::attachment,
        post   "/staff/tips/{case}/identity"          => staff_api::identity,
        get    "/staff/audit"                         => staff_api::audit,
        post   "/staff/tips/{case}/reward"            => finance::propose,
        post   "/staff/rewards/{id}/sign-off"         => finance::sign_off,
        put    "/staff/rewards/{id}"                  => finance::correct,
        post   "/staff/rewards/{id}/withdraw"         => finance::withdraw,
        get    "/finance/rewards"                     => finance::queue,
        post   "/finance/rewards/{id}/decision"       => finance::decide,
        post   "/finance/rewards/{id}/payout"         => finance::payout,
        post   "/finance/rewards/{id}/payee"          => finance::payee,
        post   "/finance/rewards/{id}/reinstate"      => finance::reinstate,
        get    "/finance/ledger.csv"                  => finance::ledger,
        get    "/staff/lists/{file}"                  => lists::export,
        post   "/staff/supervision"                   => supervision::record_finding,
        get    "/staff/supervision"                   => supervision::findings,
        get    "/staff/supervision/timeliness"        => supervision::timeliness,
        post   "/staff/accountability"                => supervision::record_accountability,
        get    "/staff/accountability"                => supervision::accountability,
        put    "/staff/evaluation/{unit}"             => supervision::enter_scores,
        post   "/staff/hazards"                       => hazards_api::record,
        get    "/staff/hazards/{id}"                  => hazards_api::detail,
        post   "/staff/hazards/{id}/actions"          => hazards_api::act,
        post   "/staff/hazards/import"                => lists::import,
        post   "/staff/inspections"                   => inspections::create,
        get    "/staff/inspections"                   => inspections::list,
        get    "/staff/inspections/{id}"              => inspections::detail,
        post   "/staff/inspections/{id}/hazards"      => inspections::record_hazard,
        post   "/staff/enterprises"                   => enterprises::create,
        get    "/staff/enterprises"                   => enterprises::search,
        get    "/staff/enterprises/{id}"              => enterprises::one,
        post   "/staff/enterprises/{id}/blacklist"    => enterprises::blacklist,
        post   "/staff/enterprises/{id}/blacklist/withdraw" => enterprises::withdraw,
        post   "/staff/reports"                       => reports::create,
        get    "/staff/reports"                       => reports::list,
        get    "/staff/reports/{id}"                  => reports::detail,
        put    "/staff/reports/{id}"                  => reports::edit,
        post   "/staff/reports/{id}/review"           => reports::review,
        post   "/staff/reports/{id}/sign"             => reports::sign,
        post   "/staff/reports/{id}/submit"           => reports::submit,
    });
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
    let path = web::PathConfig::default().error_handler(|_: PathError, req| match is_api(req) {
        true => ApiError::for_request(Code::NotFound, req).into(),
        false => pages::PageError::NotFound.into(),
    });
    let query =
        web::QueryConfig::default().error_handler(|_: QueryPayloadError, req| match is_api(req) {
            true => ApiError::for_request(Code::BadRequest, req).into(),
            false => pages::PageError::BadRequest.into(),
        });
    // A form that cannot be read (a duplicate or mistyped field, too large) is the localised
    // error page, never the framework's text with serde's words.
    let form = web::FormConfig::default()
        .limit(settings.limits.json_bytes)
        .error_handler(|err, req| {
            let too_large = matches!(err, UrlencodedError::Overflow { .. });
            tracing::debug!(too_large, "rejected form body");
            match (is_api(req), too_large) {
                (true, true) => ApiError::for_request(Code::TooLarge, req).into(),
                (true, false) => ApiError::for_request(Code::BadRequest, req).into(),
                (false, _) => pages::PageError::BadRequest.into(),
            }
        });
    cfg.app_data(json)
        .app_data(path)
        .app_data(query)
        .app_data(form)
        .app_data(web::PayloadConfig::new(settings.limits.multipart_bytes));
}

/// Whether a request is the API's (`/api/`, `/open311/`), answered in its JSON shape; anything
/// else is a page, answered with the error page.
pub(crate) fn is_api(req: &HttpRequest) -> bool {
    let p = req.path();
    p.starts_with("/api/") || p.starts_with("/open311/")
}

/// The answer for a route that does not exist: the API's JSON under `/api/`, a page elsewhere;
/// 405 with `Allow` for a known path asked with a method it does not answer.
pub async fn not_found(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    use actix_web::http::StatusCode;
    let lang = i18n::Lang::from_request(&req);
    let allowed = known::allowed(req.path());
    let (status, code, title) = match allowed.is_empty() {
        true => (
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "page-not-found-title",
        ),
        false => (
            StatusCode::METHOD_NOT_ALLOWED,
            Code::MethodNotAllowed,
            "page-method-title",
        ),
    };
    let mut res = match is_api(&req) {
        true => ApiError::new(code, lang).error_response(),
        false => state
            .pages
            .error(&req, lang, status, title, &lang.t(&code.message_key())),
    };
    if let (false, Ok(value)) = (
        allowed.is_empty(),
        actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")),
    ) {
        res.headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    res
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
    use actix_web::http::header::{HeaderName, HeaderValue};
    let started = Instant::now();
    let method = req.method().clone();
    // Kept for the log line only when the log takes it (a deployment logging `warn` does not).
    let logged_path = tracing::enabled!(target: "tipline::access", tracing::Level::INFO)
        .then(|| req.path().to_owned());
    let path = req.path();
    let hsts = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.secure_cookies);
    // Case data, rewards and payees: never kept by a browser or a proxy.
    let staff_json = path.starts_with("/api/v1/staff") || path.starts_with("/api/v1/finance");
    let in_flight = crate::metrics::InFlight::start();
    let fut = srv.call(req);
    async move {
        let _in_flight = in_flight;
        let mut res = fut.await?;
        let headers = res.headers_mut();
        let extra = [
            (
                "strict-transport-security",
                "max-age=31536000; includeSubDomains",
                hsts,
            ),
            ("cache-control", "no-store", staff_json),
        ];
        for (name, value, _) in [
            ("x-content-type-options", "nosniff", true),
            ("referrer-policy", "no-referrer", true),
            ("x-frame-options", "DENY", true),
            (
                "permissions-policy",
                "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
                true,
            ),
        ]
        .into_iter()
        .chain(extra)
        .filter(|(_, _, on)| *on)
        {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        if let Some(path) = &logged_path {
            security::log_access(method.as_str(), path, res.status().as_u16(), started);
        }
        // By route pattern, never the path (it may carry a case number); paths no route
        // matched count together.
        let route = res.request().match_pattern();
        let route = route.as_deref().unwrap_or("unmatched");
        crate::metrics::METRICS.request(method.as_str(), route, started.elapsed());
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
        let start = source.find("scope \"/api/v1\";").expect("the API scope");
        let end = start + source[start..].find("});").expect("its end");
        let mut routes = Vec::new();
        for line in source[start..end].lines().skip(1) {
            // `method "path" => handler`
            if let [method, path, ..] = line.split_whitespace().collect::<Vec<_>>()[..] {
                routes.push((path.trim_matches('"').to_owned(), method.to_owned()));
            }
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
