//! Open311 GeoReport v2 (`/open311/v2/`) for integrators such as the 12345 hotline, over HTTP:
//! the API key, the rate limit, the format from the path's extension, and the views of
//! `services::open311` written as JSON or XML. A request posted here becomes a tip; a name, phone
//! or email given with it is sealed like any identity and never returned; the receipt goes back
//! only to the caller, in `service_notice`.

use super::AppState;
use super::form::{self, ReadError};
use super::i18n::Lang;
use super::security::client_ip;
use crate::domain::FieldError;
use crate::domain::query::PublicFilter;
use crate::domain::tip::Channel;
use crate::services::ServiceError;
use crate::services::intake::Submitted;
use crate::services::open311::PostRequest;
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, RETRY_AFTER};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::future::{Ready, ready};

/// The standard's two formats, chosen by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// The answer's format from the route's `{format}`; another than `json` or `xml` is Open311's
/// 404 (extracted last, so it is checked where the handlers checked it before).
impl FromRequest for Format {
    type Error = actix_web::Error;
    type Future = Ready<Result<Format, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ext = req.match_info().get("format").unwrap_or_default();
        ready(Format::of(ext).ok_or_else(|| {
            let text = Lang::from_request(req).t("error-not_found");
            InternalError::from_response("unknown format", error(Format::Json, 404, text)).into()
        }))
    }
}

impl Format {
    fn of(ext: &str) -> Option<Format> {
        match ext {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// Splits `HL-2026-000001.xml` into the id and its format (JSON when there is none).
    fn split(s: &str) -> Option<(&str, Format)> {
        match s.rsplit_once('.') {
            Some((id, ext)) => Format::of(ext).map(|f| (id, f)),
            None => Some((s, Format::Json)),
        }
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The element name of one item of a list called `list` (`endpoints` → `endpoint`).
fn singular(list: &str) -> &str {
    list.strip_suffix('s').unwrap_or(list)
}

fn xml_element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {
            out.push_str(&format!("<{name}/>"));
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                xml_element(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for item in items {
                xml_element(out, singular(name), item);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// The same answer in JSON, or in XML under `root` (a list's items named `item`).
fn answer(
    format: Format,
    status: actix_web::http::StatusCode,
    root: &str,
    item: &str,
    v: Value,
) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::build(status)
            .content_type("application/json; charset=utf-8")
            .body(v.to_string()),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            match &v {
                Value::Array(items) => {
                    out.push_str(&format!("<{root}>"));
                    for i in items {
                        xml_element(&mut out, item, i);
                    }
                    out.push_str(&format!("</{root}>"));
                }
                other => xml_element(&mut out, root, other),
            }
            HttpResponse::build(status)
                .content_type("text/xml; charset=utf-8")
                .body(out)
        }
    }
}

/// Open311's error shape: `[{"code": N, "description": "…"}]`, or `<errors><error>…`.
fn error(format: Format, code: u16, description: String) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    answer(
        format,
        status,
        "errors",
        "error",
        json!([{ "code": code, "description": description }]),
    )
}

fn key_ok(state: &AppState, key: Option<&str>) -> bool {
    state.open311_keys.is_empty()
        || key.is_some_and(|k| crate::secrets::matches_any(&state.open311_keys, k))
}

pub async fn discovery(state: web::Data<AppState>, fmt: Format) -> HttpResponse {
    let doc = state.services.open311_discovery();
    answer(fmt, StatusCode::OK, "discovery", "", to_value(doc))
}

pub async fn services(state: web::Data<AppState>, lang: Lang, fmt: Format) -> HttpResponse {
    let list = state.services.open311_services(lang);
    answer(fmt, StatusCode::OK, "services", "service", to_value(list))
}

/// A service's definition: no extra attributes beyond the standard's fields.
pub async fn definition(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> HttpResponse {
    let path = path.into_inner();
    let Some((code, fmt)) = Format::split(&path) else {
        return error(Format::Json, 404, lang.t("error-not_found"));
    };
    if state.services.catalog.sector(code).is_none() {
        return error(fmt, 404, lang.t("error-not_found"));
    }
    let body = json!({ "service_code": code, "attributes": [] });
    answer(fmt, StatusCode::OK, "service_definition", "", body)
}

/// A view as the tree both formats are written from.
fn to_value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    api_key: Option<String>,
    service_request_id: Option<String>,
    service_code: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
}

impl ListQuery {
    /// What the query asks for; a date that is not an RFC 3339 instant is refused.
    fn filter(&self) -> Result<PublicFilter, FieldError> {
        PublicFilter::parse(
            self.service_code.as_deref(),
            self.service_request_id.as_deref(),
            self.start_date.as_deref(),
            self.end_date.as_deref(),
            self.status.as_deref(),
        )
    }
}

pub async fn list(
    state: web::Data<AppState>,
    lang: Lang,
    q: web::Query<ListQuery>,
    fmt: Format,
) -> HttpResponse {
    if !key_ok(&state, q.api_key.as_deref()) {
        return error(fmt, 403, lang.t("error-forbidden"));
    }
    let filter = match q.filter() {
        Ok(filter) => filter,
        Err(e) => return error(fmt, 400, lang.field(e.key, &e.args)),
    };
    let s = &state.services;
    match s.blocking(move |s| s.open311_requests(filter, lang)).await {
        Ok(list) => answer(
            fmt,
            StatusCode::OK,
            "service_requests",
            "request",
            to_value(list),
        ),
        Err(e) => {
            tracing::error!(error = ?e, "open311 list failed");
            error(fmt, 500, lang.t("error-internal"))
        }
    }
}

pub async fn one(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    q: web::Query<ListQuery>,
) -> HttpResponse {
    let path = path.into_inner();
    let Some((id, fmt)) = Format::split(&path) else {
        return error(Format::Json, 404, lang.t("error-not_found"));
    };
    if !key_ok(&state, q.api_key.as_deref()) {
        return error(fmt, 403, lang.t("error-forbidden"));
    }
    let id = id.to_owned();
    let s = &state.services;
    match s.blocking(move |s| s.open311_request(&id, lang)).await {
        Ok(Some(r)) => answer(
            fmt,
            StatusCode::OK,
            "service_requests",
            "request",
            to_value([r]),
        ),
        Ok(None) => error(fmt, 404, lang.t("error-not_found")),
        Err(e) => {
            tracing::error!(error = ?e, "open311 request failed");
            error(fmt, 500, lang.t("error-internal"))
        }
    }
}

/// A request as Open311 sends it, read as JSON or as a form.
fn read_request(req: &HttpRequest, body: &[u8]) -> Option<PostRequest> {
    if req.content_type().starts_with("application/json") {
        serde_json::from_slice(body).ok()
    } else {
        serde_urlencoded::from_bytes(body).ok()
    }
}

/// The API key a request's query carries.
#[derive(Deserialize)]
struct KeyQuery {
    api_key: Option<String>,
}

/// The key a request's query carries.
fn query_key(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<KeyQuery>(req.query_string())
        .ok()
        .and_then(|q| q.api_key)
}

/// What a request to post is refused before its body is read (by any reader, the NUL check
/// included): a declared length over the JSON limit (413), a wrong key in the query (403).
pub fn refused_early(req: &HttpRequest, state: &AppState) -> Option<HttpResponse> {
    let path = req.path();
    let ext = path.strip_prefix("/open311/v2/requests.")?;
    let fmt = Format::of(ext).filter(|_| req.method() == actix_web::http::Method::POST)?;
    let lang = Lang::from_request(req);
    if form::declared_length(req).is_some_and(|n| n > state.json_limit) {
        return Some(error(fmt, 413, lang.t("error-too_large")));
    }
    let key = query_key(req);
    (key.is_some() && !key_ok(state, key.as_deref()))
        .then(|| error(fmt, 403, lang.t("error-forbidden")))
}

/// Posts a request. Nothing is read before the size (limited like JSON) and a key the query
/// carries are checked (see [`refused_early`], which answers before any reader); a key sent in
/// the body is checked once the (bounded) body is read.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    payload: web::Payload,
    fmt: Format,
) -> HttpResponse {
    if let Some(refused) = refused_early(&req, &state) {
        return refused;
    }
    let too_large = || error(fmt, 413, lang.t("error-too_large"));
    let query_key = query_key(&req);
    let body = match form::read_all(payload, state.json_limit).await {
        Ok(body) => body,
        Err(ReadError::TooLarge) => return too_large(),
        Err(_) => return error(fmt, 400, lang.t("error-bad_request")),
    };
    let Some(p) = read_request(&req, &body) else {
        return error(fmt, 400, lang.t("error-bad_request"));
    };
    if query_key.is_none() && !key_ok(&state, p.api_key.as_deref()) {
        return error(fmt, 403, lang.t("error-forbidden"));
    }
    let ip = client_ip(&req, &state.trusted_proxies);
    let slot = match state.limiters.submission(ip) {
        Ok(slot) => slot,
        Err(wait) => {
            let mut resp = error(fmt, 429, lang.rate_limited(wait.seconds));
            resp.headers_mut().insert(RETRY_AFTER, wait.seconds.into());
            return resp;
        }
    };
    let s = &state.services;
    let submitted = s.submit_tip(p.tip(), Channel::Open311, Default::default(), None);
    let submitted = submitted.await;
    if submitted.is_ok() {
        slot.accepted();
    }
    created(fmt, lang, submitted)
}

/// The answer to a request: the case number and the receipt to read back (never stored, so
/// never cached), or what was wrong with it.
fn created(fmt: Format, lang: Lang, submitted: Result<Submitted, ServiceError>) -> HttpResponse {
    match submitted {
        Ok(done) => {
            let notice = lang.t_str("open311-notice", &[("receipt", &done.receipt.grouped())]);
            let id = done.case_number.as_str();
            let body = json!([{ "service_request_id": id, "service_notice": notice }]);
            let (status, list) = (StatusCode::CREATED, "service_requests");
            let mut resp = answer(fmt, status, list, "request", body);
            let no_store = HeaderValue::from_static("no-store");
            resp.headers_mut().insert(CACHE_CONTROL, no_store);
            resp
        }
        Err(ServiceError::Validation(fields)) => {
            let text = fields.iter().map(|f| {
                let message = lang.field(f.key, &f.args);
                format!("{}: {message}", f.field)
            });
            error(fmt, 400, text.collect::<Vec<_>>().join("; "))
        }
        Err(e) => {
            tracing::error!(error = ?e, "an Open311 request failed");
            error(fmt, 500, lang.t("error-internal"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped_and_stripped_of_what_xml_cannot_carry() {
        assert_eq!(
            xml_escape("<漏气> & \"x\" 'y'\u{1}\u{FFFE}\n"),
            "&lt;漏气&gt; &amp; &quot;x&quot; &apos;y&apos;\n"
        );
        let mut out = String::new();
        xml_element(&mut out, "endpoints", &json!([{"formats": ["a", "b"]}]));
        assert_eq!(
            out,
            "<endpoints><endpoint><formats><format>a</format><format>b</format></formats></endpoint></endpoints>"
        );
    }
}
