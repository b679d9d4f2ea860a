//! Who is signed in, with which role, and whether a state-changing request carries the session's
//! CSRF token: all of it is in the types a handler takes, so a handler cannot forget a check.
//!
//! - `Staff<P>`: a signed-in staff member whose role may do `P` (a page read with GET;
//!   any other method is refused, so a page that changes something must take `StaffForm`).
//! - `StaffForm<P, T>`: the same, plus a form `T` whose hidden `csrf` field matched the session.
//! - `ApiStaff<P>`: the API's signed-in staff member; on any method but GET/HEAD the
//!   `X-CSRF-Token` header must carry the session's token.
//!
//! Pages answer a missing session by sending the browser to the sign-in form and a wrong role with
//! the localised error page (through `PageError`); the API answers 401 and 403 in its JSON shape.
//! The permissions are the marker types in [`can`], read from `domain::access`. Services check again (defence in depth).

use super::AppState;
use super::error::{ApiError, Code};
use super::pages::PageError;
use crate::domain::access;
use crate::domain::roles::Role;
use crate::services::auth::{Staff as StaffMember, StaffSession};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, dev::Payload};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

pub const COOKIE: &str = "tipline_staff";

pub use crate::domain::access::{Permitted, can};

/// Whether a role may use the routes marked `P` (the navigation shows only what opens).
pub fn allows<P: Permitted>(role: Role) -> bool {
    access::may(role, P::WHAT)
}

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

/// The session token the request's cookie carries, if any.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty())
}

/// The request's session, read once per request (several extractors may ask).
#[derive(Clone)]
struct Current(Option<StaffSession>);

async fn current(req: &HttpRequest) -> Option<StaffSession> {
    if let Some(Current(known)) = req.extensions().get::<Current>() {
        return known.clone();
    }
    let state = req.app_data::<actix_web::web::Data<AppState>>()?.clone();
    let token = session_token(req)?;
    let session = match state.services.blocking(move |s| s.session(&token)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = ?e, path = req.path(), "reading a staff session failed");
            None
        }
    };
    req.extensions_mut().insert(Current(session.clone()));
    session
}

/// Compares two secrets in constant time.
fn same(a: &str, b: &str) -> bool {
    crate::secrets::constant_time_eq(a.as_bytes(), b.as_bytes())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

/// A signed-in staff member whose role may do `P`, on a page read with GET.
pub struct Staff<P: Permitted = can::SignIn> {
    pub session: StaffSession,
    role: PhantomData<P>,
}

impl<P: Permitted> Staff<P> {
    pub fn member(&self) -> &StaffMember {
        &self.session.staff
    }

    /// Checks the session and the role; nobody signed in is sent to the sign-in page.
    async fn signed_in(req: &HttpRequest) -> Result<Self, actix_web::Error> {
        let Some(session) = current(req).await else {
            return Err(SignInFirst.into());
        };
        if !allows::<P>(session.staff.role) {
            return Err(PageError::Forbidden.into());
        }
        Ok(Staff {
            session,
            role: PhantomData,
        })
    }
}

/// Sends the browser to the sign-in page.
#[derive(Debug)]
pub struct SignInFirst;

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

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// The future of an extractor that reads nothing but the request (its session): `read` gets a
/// clone of the request to keep.
fn from_req<T, F: Future<Output = Result<T, actix_web::Error>> + 'static>(
    req: &HttpRequest,
    read: impl FnOnce(HttpRequest) -> F,
) -> Boxed<T> {
    Box::pin(read(req.clone()))
}

impl<P: Permitted> FromRequest for Staff<P> {
    type Error = actix_web::Error;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_req(req, |req| async move {
            if !is_safe(req.method()) {
                // A state-changing page request must come through `StaffForm`.
                return Err(PageError::Csrf.into());
            }
            Staff::<P>::signed_in(&req).await
        })
    }
}

/// A form that carries the session's CSRF token in its hidden `csrf` field.
#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

/// A signed-in staff member whose role may do `P` who sent the form `T` with the session's CSRF
/// token. A form that cannot be read answers 400; a wrong token 403.
pub struct StaffForm<P: Permitted, T> {
    pub staff: Staff<P>,
    pub form: T,
}

impl<P: Permitted, T: DeserializeOwned + 'static> FromRequest for StaffForm<P, T> {
    type Error = actix_web::Error;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = actix_web::web::Form::<WithCsrf<T>>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let staff = Staff::<P>::signed_in(&req).await?;
            let sent = body.await.map_err(|_| PageError::BadRequest)?.into_inner();
            if !same(&sent.csrf, &staff.session.csrf) {
                return Err(PageError::Csrf.into());
            }
            Ok(StaffForm {
                staff,
                form: sent.form,
            })
        })
    }
}

/// A signed-in staff member whose role may do `P` who sends a multipart form (a file upload).
/// The CSRF token travels in the form's `csrf` part, which only the handler reads (with the
/// file), so the handler asks [`StaffUpload::csrf_matches`] before acting.
pub struct StaffUpload<P: Permitted> {
    pub staff: Staff<P>,
}

impl<P: Permitted> StaffUpload<P> {
    pub fn csrf_matches(&self, sent: &str) -> bool {
        same(sent, &self.staff.session.csrf)
    }
}

impl<P: Permitted> FromRequest for StaffUpload<P> {
    type Error = actix_web::Error;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_req(req, |req| async move {
            let staff = Staff::<P>::signed_in(&req).await?;
            Ok(StaffUpload { staff })
        })
    }
}

/// A form with nothing but the CSRF token (sign-out, starting two-step sign-in).
#[derive(Deserialize)]
pub struct NoFields {}

/// A signed-in staff member whose role may do `P` on an API route; on a state-changing method the
/// `X-CSRF-Token` header carried the session's token.
pub struct ApiStaff<P: Permitted = can::SignIn> {
    pub session: StaffSession,
    role: PhantomData<P>,
}

impl<P: Permitted> ApiStaff<P> {
    pub fn member(&self) -> &StaffMember {
        &self.session.staff
    }
}

impl<P: Permitted> FromRequest for ApiStaff<P> {
    type Error = actix_web::Error;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        from_req(req, |req| async move {
            let Some(session) = current(&req).await else {
                return Err(ApiError::for_request(Code::Unauthenticated, &req).into());
            };
            if !is_safe(req.method()) {
                let sent = req
                    .headers()
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !same(sent, &session.csrf) {
                    return Err(ApiError::for_request(Code::Forbidden, &req)
                        .with_message("error-csrf")
                        .into());
                }
            }
            if !allows::<P>(session.staff.role) {
                return Err(ApiError::for_request(Code::Forbidden, &req).into());
            }
            Ok(ApiStaff {
                session,
                role: PhantomData,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_keeps_its_fields_beside_the_csrf_token() {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Note {
            note: String,
        }
        let f: WithCsrf<Note> = serde_urlencoded::from_str("csrf=abc&note=%E5%A5%BD").unwrap();
        assert_eq!((f.csrf.as_str(), f.form.note.as_str()), ("abc", "好"));
        let f: WithCsrf<Note> = serde_urlencoded::from_str("note=x").unwrap();
        assert_eq!(
            f.csrf, "",
            "a missing token is an empty one, which never matches"
        );
        let _: WithCsrf<NoFields> = serde_urlencoded::from_str("csrf=abc").unwrap();
    }

    #[test]
    fn a_marker_allows_the_roles_its_permission_names() {
        assert!(allows::<can::ReadCases>(Role::Inspector));
        assert!(!allows::<can::ReadCases>(Role::Finance));
        assert!(allows::<can::DecideReward>(Role::Finance));
        assert!(!allows::<can::DecideReward>(Role::Coordinator));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }
}
