//! What every server-rendered page shares, public or staff: the staff page context, rendering,
//! localised names from the catalog, the answer to a refused call, and `PageError`, the error
//! type of page handlers (so they use `?`): the `error_pages` middleware turns it into the
//! localised error page and logs an internal error with the request's method and path.

use super::AppState;
use super::error::ApiError;
use super::extract::{Permitted, Staff, StaffForm, allows, can};
use super::i18n::Lang;
use super::render::Caching;
use crate::domain::catalog::{Department, Sector, Street};
use crate::services::auth::StaffSession;
use crate::services::{ServiceError, ServiceResult, Services};
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::fmt;
use std::pin::Pin;
use tera::Context;

/// What a link may fill in on the report form (`/report?sector=&street=&enterprise=`): a
/// poster's QR code, a department's page. [`Prefill::known`] keeps only what the form would
/// take: codes that exist, the enterprise trimmed to 100 characters.
#[derive(serde::Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct Prefill {
    pub sector: String,
    pub street: String,
    pub enterprise: String,
}

impl Prefill {
    pub fn known(self, catalog: &crate::domain::catalog::Catalog) -> Prefill {
        let keep = |ok: bool, code: String| if ok { code } else { String::new() };
        Prefill {
            sector: keep(catalog.sector(&self.sector).is_some(), self.sector),
            street: keep(catalog.street(&self.street).is_some(), self.street),
            enterprise: self.enterprise.trim().chars().take(100).collect(),
        }
    }

    /// The report form's address on `site` with what is given (all of it when [`Self::known`]).
    pub fn link(&self, site: &str) -> String {
        let site = site.trim_end_matches('/');
        let params: Vec<(&str, &str)> = [
            ("sector", &self.sector),
            ("street", &self.street),
            ("enterprise", &self.enterprise),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect();
        match serde_urlencoded::to_string(&params) {
            Ok(query) if !query.is_empty() => format!("{site}/report?{query}"),
            _ => format!("{site}/report"),
        }
    }
}

/// A redirect after a form was handled (post/redirect/get).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_owned()))
        .finish()
}

/// An option of a `<select>`: the code it sends and the name people read.
#[derive(Serialize)]
pub struct Choice {
    pub code: String,
    pub name: String,
}

impl Choice {
    /// The options of an enumeration: each code, named by the text `{prefix}-{code}`.
    pub fn labelled<'c>(
        lang: Lang,
        prefix: &str,
        codes: impl IntoIterator<Item = &'c str>,
    ) -> Vec<Choice> {
        let choice = |code: &str| Choice {
            code: code.to_owned(),
            name: lang.t(&format!("{prefix}-{code}")),
        };
        codes.into_iter().map(choice).collect()
    }

    /// The configured supervision groups (督查组), named in the language.
    pub fn groups(groups: &[crate::config::SupervisionGroup], lang: Lang) -> Vec<Choice> {
        let choice = |g: &crate::config::SupervisionGroup| Choice {
            code: g.code.clone(),
            name: lang.pick(&g.name_zh, &g.name_en),
        };
        groups.iter().map(choice).collect()
    }
}

/// The catalog's names in a language ([`crate::services::names`]); the `<select>` options below.
pub use crate::services::names::Names;

/// A catalog entry with a code and a name in each language.
trait Entry {
    fn parts(&self) -> (&str, &str, &str);
}

macro_rules! entries {
    ($($t:ty),*) => {$(
        impl Entry for $t {
            fn parts(&self) -> (&str, &str, &str) {
                (&self.code, &self.name_zh, &self.name_en)
            }
        }
    )*};
}

entries!(Department, Street, Sector);

impl Names<'_> {
    pub fn sector_choices(&self) -> Vec<Choice> {
        self.choices(self.catalog.sectors())
    }

    pub fn street_choices(&self) -> Vec<Choice> {
        self.choices(self.catalog.streets())
    }

    pub fn department_choices(&self) -> Vec<Choice> {
        self.choices(self.catalog.departments())
    }

    /// Departments, then sub-districts.
    pub fn unit_choices(&self) -> Vec<Choice> {
        let mut all = self.department_choices();
        all.extend(self.street_choices());
        all
    }

    fn choices(&self, entries: &[impl Entry]) -> Vec<Choice> {
        entries.iter().map(|e| self.choice(e)).collect()
    }

    fn choice(&self, entry: &impl Entry) -> Choice {
        let (code, zh, en) = entry.parts();
        Choice {
            code: code.to_owned(),
            name: self.pick(zh, en),
        }
    }
}

/// The context of every staff page.
pub fn context(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    session: Option<&StaffSession>,
) -> Context {
    let mut ctx = state.pages.context(lang, Some(req.path()));
    ctx.insert("notice", "");
    ctx.insert("banner", "");
    let names = Names::new(&state.services.catalog, lang);
    match session {
        Some(s) => {
            let st = &s.staff;
            ctx.insert(
                "me",
                &json!({
                    "username": st.username,
                    "display_name": st.display_name,
                    "role": lang.t(&format!("role-{}", st.role.as_str())),
                    "unit": st.unit.as_deref().map(|u| names.unit(u)),
                    "may_audit": allows::<can::ReadAudit>(st.role),
                    "may_rewards": allows::<can::ReadRewards>(st.role),
                    "may_cases": allows::<can::ReadCases>(st.role),
                    "is_coordinator": allows::<can::ManageAccounts>(st.role),
                    "may_dashboard": allows::<can::ReadOversight>(st.role),
                    "may_record_hazards": allows::<can::RecordHazards>(st.role),
                    "may_reports": allows::<can::Reports>(st.role),
                }),
            );
            ctx.insert("csrf", &s.csrf);
        }
        None => {
            ctx.insert("me", &serde_json::Value::Null);
            ctx.insert("csrf", "");
        }
    }
    ctx
}

/// Renders a staff page (never stored by a cache).
pub fn render(
    state: &AppState,
    req: &HttpRequest,
    template: &str,
    ctx: &Context,
    status: StatusCode,
) -> HttpResponse {
    state
        .pages
        .render(req, template, ctx, status, Caching::NoStore)
}

/// The status and the message of a refused service call, for a banner beside the form.
pub fn refusal_text(lang: Lang, e: &ServiceError) -> (StatusCode, String) {
    let answer = ApiError::of_service(e, lang);
    (answer.code.status(), answer.plain_text())
}

/// A refused call shown beside the form that made it, with what was typed (a mistake to mend,
/// a conflict, a step this role may not take): its status and message. Anything else (nothing
/// there, or broken) becomes the error page.
pub fn mend(lang: Lang, e: ServiceError) -> Result<(StatusCode, String), PageError> {
    match e {
        ServiceError::NotFound | ServiceError::Internal(_) => Err(e.into()),
        e => Ok(refusal_text(lang, &e)),
    }
}

/// Why a page could not be shown. Handlers return it with `?`; `error_pages` renders it.
#[derive(Debug)]
pub enum PageError {
    /// A service refused or failed (an internal failure is logged when rendered).
    Service(ServiceError),
    /// A state-changing request without the session's CSRF token.
    Csrf,
    /// A form or query that cannot be read at all.
    BadRequest,
    /// The staff member's role may not open this page.
    Forbidden,
    /// Nothing here.
    NotFound,
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError::Service(e)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Service(ServiceError::Internal(e))
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Service(e) => write!(f, "{e}"),
            PageError::Csrf => f.write_str("csrf token missing or wrong"),
            PageError::BadRequest => f.write_str("bad request"),
            PageError::Forbidden => f.write_str("forbidden"),
            PageError::NotFound => f.write_str("not found"),
        }
    }
}

impl PageError {
    /// The status, the title key and the message of the error page.
    fn describe(&self, lang: Lang) -> (StatusCode, &'static str, String) {
        match self {
            PageError::Service(ServiceError::NotFound) | PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "page-not-found-title",
                lang.t("error-not_found"),
            ),
            PageError::Service(ServiceError::Forbidden) | PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "error-forbidden",
                lang.t("error-forbidden"),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "error-forbidden",
                lang.t("error-csrf"),
            ),
            PageError::BadRequest => (
                StatusCode::BAD_REQUEST,
                "error-bad_request",
                lang.t("error-bad_request"),
            ),
            PageError::Service(ServiceError::Internal(_)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "page-internal-title",
                lang.t("error-internal"),
            ),
            PageError::Service(e) => {
                let (status, text) = refusal_text(lang, e);
                (status, "error-forbidden", text)
            }
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.describe(Lang::Zh).0
    }

    /// A bare answer: `error_pages` replaces it with the page in the request's language.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header(("Cache-Control", "no-store"))
            .finish()
    }
}

/// Renders a `PageError` as the localised error page, and logs an internal error with the
/// request's method and path and the whole chain of its causes.
pub fn error_pages<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody + 'static,
{
    let fut = srv.call(req);
    async move {
        let res = fut.await?;
        let Some(error) = res
            .response()
            .error()
            .and_then(|e| e.as_error::<PageError>())
        else {
            return Ok(res.map_into_boxed_body());
        };
        let lang = Lang::from_request(res.request());
        let (status, title, message) = error.describe(lang);
        if let PageError::Service(ServiceError::Internal(e)) = error {
            tracing::error!(
                method = %res.request().method(),
                path = res.request().path(),
                error = format!("{e:#}"),
                "a page failed"
            );
        }
        let req = res.request().clone();
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return Ok(res.map_into_boxed_body());
        };
        let page = state.pages.error(&req, lang, status, title, &message);
        Ok(res.into_response(page))
    }
}

/// What every page handler starts from: the shared state, the request and its language (one
/// extractor instead of three in every signature).
pub struct Page {
    pub state: web::Data<AppState>,
    pub req: HttpRequest,
    pub lang: Lang,
}

impl FromRequest for Page {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Page, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        std::future::ready(match state {
            Some(state) => Ok(Page {
                state,
                req: req.clone(),
                lang: Lang::from_request(req),
            }),
            None => Err(actix_web::error::ErrorInternalServerError("no app state")),
        })
    }
}

impl Page {
    /// The catalog's names in the page's language.
    pub fn names(&self) -> Names<'_> {
        Names::new(&self.state.services.catalog, self.lang)
    }

    /// The context of a staff page for the signed-in staff member.
    pub fn context(&self, staff: &StaffSession) -> Context {
        context(&self.state, &self.req, self.lang, Some(staff))
    }

    /// Renders a staff page (never stored by a cache).
    pub fn render(&self, template: &str, ctx: &Context, status: StatusCode) -> HttpResponse {
        render(&self.state, &self.req, template, ctx, status)
    }

    /// Runs a service call as the signed-in staff member, off the async workers.
    pub async fn run<T: Send + 'static>(
        &self,
        staff: &StaffSession,
        call: impl FnOnce(Services, &StaffSession) -> ServiceResult<T> + Send + 'static,
    ) -> ServiceResult<T> {
        let staff = staff.clone();
        self.state.services.blocking(move |s| call(s, &staff)).await
    }
}

/// What a page handler answers.
pub type PageResult = Result<HttpResponse, PageError>;

/// The one thing a form acts on (a case, a reward, an account), named by `key` in the path, with
/// the page and the staff member who sent the form.
pub struct Target<K = String> {
    pub page: Page,
    pub staff: StaffSession,
    pub key: K,
}

impl<K: Clone + Send + 'static> Target<K> {
    /// Runs a service call as the sender on the thing, off the async workers.
    pub async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(Services, &StaffSession, &K) -> ServiceResult<T> + Send + 'static,
    ) -> ServiceResult<T> {
        let key = self.key.clone();
        self.page
            .run(&self.staff, move |s, st| call(s, st, &key))
            .await
    }
}

/// A staff extractor that a [`Sent`] may be made of: who it names, and what they sent with it.
pub trait StaffSent: FromRequest + 'static {
    type Form;
    fn split(self) -> (StaffSession, Self::Form);
}

impl<P: Permitted + 'static> StaffSent for Staff<P> {
    type Form = ();
    fn split(self) -> (StaffSession, ()) {
        (self.session, ())
    }
}

impl<P: Permitted + 'static, T: DeserializeOwned + 'static> StaffSent for StaffForm<P, T> {
    type Form = T;
    fn split(self) -> (StaffSession, T) {
        (self.staff.session, self.form)
    }
}

/// The thing the path names (its key read as `K`), asked for through the staff extractor `S`
/// (with its checks, in the same order), with what `S` carried.
pub struct Sent<S: StaffSent, K> {
    pub to: Target<K>,
    pub form: S::Form,
}

/// A form `T` sent about the thing the path names, by a staff member whose role may do `P`,
/// with the session's CSRF token (`StaffForm`'s checks).
pub type TargetForm<P, T, K = String> = Sent<StaffForm<P, T>, K>;

/// The page of the thing the path names, read by a staff member whose role may do `P`.
pub type TargetPage<P, K = String> = Sent<Staff<P>, K>;

impl<S, K> FromRequest for Sent<S, K>
where
    S: StaffSent,
    S::Future: 'static,
    K: DeserializeOwned + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let parts = <(Page, web::Path<K>, S)>::from_request(req, payload);
        Box::pin(async move {
            let (page, key, sent) = parts.await?;
            let ((staff, form), key) = (sent.split(), key.into_inner());
            Ok(Sent {
                to: Target { page, staff, key },
                form,
            })
        })
    }
}
