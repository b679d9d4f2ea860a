//! `GET /metrics`: the instance's counters in the Prometheus text format (see
//! [`crate::metrics`]): request latencies by route pattern, waits for a database connection,
//! the hashing gate's queue, the page cache and the outbox's depth. Nothing in it is about a
//! reporter: no path, address, case number or receipt is ever a label, only route patterns.
//!
//! Who may read it: a request made directly from loopback (not through a proxy: it carries no
//! forwarding header and its peer is no trusted proxy), or one that carries the configured
//! `metrics_token` as `Authorization: Bearer …`. Anyone else is answered 404, like a path that
//! does not exist.

use super::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;

pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !may_read(&state, &req) {
        let lang = super::i18n::Lang::from_request(&req);
        let (status, title) = (StatusCode::NOT_FOUND, "page-not-found-title");
        let text = lang.t(&super::error::Code::NotFound.message_key());
        return state.pages.error(&req, lang, status, title, &text);
    }
    let depth = state.services.blocking(|s| s.outbox_depth()).await;
    let depth = depth
        .inspect_err(|e| tracing::warn!(error = ?e, "counting the outbox for /metrics failed"))
        .ok();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::metrics::METRICS.render(depth))
}

fn may_read(state: &AppState, req: &HttpRequest) -> bool {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(token), Some(given)) = (&state.metrics_token, bearer) {
        return crate::secrets::constant_time_eq(
            token.expose_secret().as_bytes(),
            given.trim().as_bytes(),
        );
    }
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    req.peer_addr()
        .is_some_and(|peer| peer.ip().is_loopback() && !state.trusted_proxies.contains(&peer.ip()))
        && !forwarded
}
