//! Signing in and out of the staff pages.

use crate::secrets;
use crate::services::auth::SignedIn;
use crate::services::{ServiceError, ServiceResult};
use crate::web::AppState;
use crate::web::extract::{
    NoFields, StaffForm, allows, can, removal_cookie, session_cookie, session_token,
};
use crate::web::i18n::Lang;
use crate::web::pages::{Page, context, refusal_text, render, see_other};
use crate::web::security::{Outcome, client_ip};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::net::IpAddr;

/// The header of every sign-in answer saying how many milliseconds the attempt was held back
/// before its password was checked (0 unless its username is under pressure).
pub const SIGN_IN_DELAY: &str = "x-sign-in-delay";

/// A sign-in through the limits, for the page and the API alike. Only the address can be
/// refused (`Err(seconds)`); a username is never refused, but while it is under pressure an
/// attempt from an address that never signed in to it waits (`tokio` sleep, no worker held)
/// before its password is checked. The first time in a window that a username's failures reach
/// the limit, the audit log records the pressure. `Ok` also carries the wait in milliseconds.
pub(crate) async fn guarded_sign_in(
    state: &AppState,
    ip: IpAddr,
    username: &str,
    password: &str,
    totp: Option<&str>,
) -> Result<(ServiceResult<SignedIn>, u64), u64> {
    let attempt = state.limiters.check_signin(ip, username)?;
    attempt.wait().await;
    let done = state
        .services
        .sign_in(username, password, totp, Some(ip))
        .await;
    let outcome = match &done {
        Ok(_) => Outcome::SignedIn,
        Err(ServiceError::Unauthenticated | ServiceError::SecondFactor) => Outcome::Failed,
        Err(_) => Outcome::Other,
    };
    if let Some(p) = state.limiters.finish_signin(&attempt, outcome) {
        let recorded = state.services.record_sign_in_pressure(
            &p.username,
            p.failures,
            p.addresses,
            p.window_minutes,
        );
        if let Err(e) = recorded.await {
            tracing::error!(error = %e, "sign-in pressure not recorded in the audit log");
        }
    }
    Ok((done, attempt.delay_ms()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    totp: String,
    /// The token of the sign-in form's own cookie (against login CSRF).
    csrf: String,
}

/// The cookie that carries the sign-in form's token: a page of another site cannot read it nor
/// (SameSite=Strict) make the browser send it, so it cannot sign a browser in to an account of
/// its choosing.
const LOGIN_COOKIE: &str = "tipline_login";

/// The sign-in form with a fresh token in it and in its cookie; `username` and `banner` kept.
fn login_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    username: &str,
    banner: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let token = match secrets::random_bytes::<24>() {
        Ok(bytes) => hex::encode(bytes),
        Err(e) => {
            tracing::error!(error = %e, "no random bytes for the sign-in form");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let mut ctx = context(state, req, lang, None);
    ctx.insert("username", username);
    ctx.insert("csrf", &token);
    if let Some(banner) = banner {
        ctx.insert("banner", banner);
    }
    let mut resp = render(state, req, "staff/login.html", &ctx, status);
    let cookie = Cookie::build(LOGIN_COOKIE, token)
        .path("/staff/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .finish();
    let _ = resp.add_cookie(&cookie);
    resp
}

pub async fn login_form(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    login_page(&state, &req, lang, "", None, StatusCode::OK)
}

/// The staff member's first page after signing in, with the session cookie: the queue, or
/// the rewards for finance.
fn first_page(done: &SignedIn, secure_cookies: bool) -> HttpResponse {
    let cases = allows::<can::ReadCases>(done.session.staff.role);
    let mut resp = see_other(if cases { "/staff" } else { "/finance" });
    let _ = resp.add_cookie(&session_cookie(&done.token, secure_cookies));
    resp
}

/// Signs in and opens the staff member's first page: the queue, or the rewards for finance. A
/// refused sign-in shows the form again with the username kept.
pub async fn login_submit(page: Page, form: web::Form<LoginForm>) -> HttpResponse {
    let Page { state, req, lang } = page;
    let f = form.into_inner();
    let ip = client_ip(&req, &state.trusted_proxies);
    let refused = |status: StatusCode, banner: String| {
        login_page(&state, &req, lang, &f.username, Some(&banner), status)
    };
    let cookie = req.cookie(LOGIN_COOKIE);
    let expected = cookie.as_ref().map_or("", |c| c.value());
    if expected.is_empty() || !secrets::constant_time_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        return refused(StatusCode::FORBIDDEN, lang.t("error-csrf"));
    }
    let totp = Some(f.totp.as_str()).filter(|t| !t.trim().is_empty());
    let (signed_in, delay) = match guarded_sign_in(&state, ip, &f.username, &f.password, totp).await
    {
        Ok(done) => done,
        Err(seconds) => {
            let text = lang.rate_limited(seconds);
            let mut resp = refused(StatusCode::TOO_MANY_REQUESTS, text);
            resp.headers_mut().insert(RETRY_AFTER, seconds.into());
            return resp;
        }
    };
    let mut resp = match signed_in {
        Ok(done) => first_page(&done, state.secure_cookies),
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            refused(status, text)
        }
    };
    resp.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static(SIGN_IN_DELAY),
        delay.into(),
    );
    resp
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    _: StaffForm<can::SignIn, NoFields>,
) -> HttpResponse {
    if let Some(token) = session_token(&req) {
        let _ = state.services.blocking(move |s| s.sign_out(&token)).await;
    }
    let mut resp = see_other("/staff/login");
    let _ = resp.add_cookie(&removal_cookie(state.secure_cookies));
    resp
}
