//! Who is signed in: the session cookie, the extractors that require a staff member (answering
//! 401 to the API and sending pages to the sign-in form), and the CSRF check every
//! state-changing staff request passes.

use super::AppState;
use super::error::{ApiError, Code};
use super::i18n::Lang;
use crate::domain::roles::Role;
use crate::services::auth::StaffSession;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use std::future::Future;
use std::pin::Pin;

pub const COOKIE: &str = "tipline_staff";

/// The session cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS, no lifetime of its own
/// (the server ends idle sessions).
pub fn session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie("", secure);
    c.make_removal();
    c
}

async fn current(req: &HttpRequest) -> Option<(web::Data<AppState>, StaffSession)> {
    let state = req.app_data::<web::Data<AppState>>()?.clone();
    let token = req.cookie(COOKIE)?.value().to_owned();
    if token.is_empty() {
        return None;
    }
    let session = state.services.blocking(move |s| s.session(&token)).await;
    match session {
        Ok(Some(s)) => Some((state, s)),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = ?e, "reading a staff session failed");
            None
        }
    }
}

/// A signed-in staff member on an API route; 401 otherwise.
pub struct ApiStaff(pub StaffSession);

impl FromRequest for ApiStaff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match current(&req).await {
                Some((_, s)) => Ok(ApiStaff(s)),
                None => Err(ApiError::for_request(Code::Unauthenticated, &req).into()),
            }
        })
    }
}

/// A signed-in staff member on a page; otherwise the answer is the sign-in form.
pub struct PageStaff(pub StaffSession);

/// Sends the browser to the sign-in page.
pub struct SignInFirst;

impl std::fmt::Debug for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInFirst")
    }
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sign in first")
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header(("Location", "/staff/login"))
            .finish()
    }
}

impl FromRequest for PageStaff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match current(&req).await {
                Some((_, s)) => Ok(PageStaff(s)),
                None => Err(SignInFirst.into()),
            }
        })
    }
}

/// Compares two secrets in constant time.
fn same(a: &str, b: &str) -> bool {
    crate::secrets::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// The API's CSRF check: the `X-CSRF-Token` header must carry the session's token.
pub fn check_csrf_header(
    req: &HttpRequest,
    session: &StaffSession,
    lang: Lang,
) -> Result<(), ApiError> {
    let sent = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if same(sent, &session.csrf) {
        Ok(())
    } else {
        Err(ApiError::new(Code::Forbidden, lang).with_message("error-csrf"))
    }
}

/// The pages' CSRF check: the form's hidden `csrf` field.
pub fn csrf_field_ok(sent: &str, session: &StaffSession) -> bool {
    same(sent, &session.csrf)
}

/// Roles allowed on a route, checked in the handler's first line.
pub fn require(session: &StaffSession, roles: &[Role], lang: Lang) -> Result<(), ApiError> {
    if roles.contains(&session.staff.role) {
        Ok(())
    } else {
        Err(ApiError::new(Code::Forbidden, lang))
    }
}
