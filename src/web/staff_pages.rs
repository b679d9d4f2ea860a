//! The staff workspace as pages (`/staff/…`): sign-in, the queue, one page per case with only the
//! actions this role may take now, messages with the reporter, the identity reveal, the three
//! lists, the audit log, one's own account (password, two-step sign-in) and, for the
//! coordinator, the accounts of others. Every form carries the session's CSRF token.

use super::AppState;
use super::i18n::Lang;
use super::lists::{COLUMNS, cells};
use super::render::{Caching, local_datetime};
use super::security::client_ip;
use super::staff_api::QueueQuery;
use super::staff_auth::{PageStaff, csrf_field_ok, removal_cookie, session_cookie};
use crate::domain::roles::Role;
use crate::domain::status::Status;
use crate::domain::tip::ReporterIdentity;
use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::cases::{ActionInput, CaseView};
use crate::services::lists::ListKind;
use crate::services::staff::NewStaff;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tera::Context;

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_owned()))
        .finish()
}

pub(super) fn pick(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::En {
        en.to_owned()
    } else {
        zh.to_owned()
    }
}

pub(super) fn unit_name(state: &AppState, lang: Lang, code: &str) -> String {
    unit_label(&state.services.catalog, lang, code)
}

/// The name of a department or sub-district (the code itself when it is neither).
pub fn unit_label(c: &crate::domain::catalog::Catalog, lang: Lang, code: &str) -> String {
    c.department(code)
        .map(|d| pick(lang, &d.name_zh, &d.name_en))
        .or_else(|| c.street(code).map(|s| pick(lang, &s.name_zh, &s.name_en)))
        .unwrap_or_else(|| code.to_owned())
}

/// The context of every staff page.
pub(super) fn context(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    session: Option<&StaffSession>,
) -> Context {
    let mut ctx = state.pages.context(lang, Some(req.path()));
    ctx.insert("notice", "");
    ctx.insert("banner", "");
    match session {
        Some(s) => {
            let st = &s.staff;
            ctx.insert(
                "me",
                &json!({
                    "username": st.username,
                    "display_name": st.display_name,
                    "role": lang.t(&format!("role-{}", st.role.as_str())),
                    "unit": st.unit.as_deref().map(|u| unit_name(state, lang, u)),
                    "may_audit": matches!(st.role, Role::Coordinator | Role::Inspector),
                    "may_rewards": matches!(st.role, Role::Finance | Role::Coordinator | Role::Inspector),
                    "is_coordinator": st.role == Role::Coordinator,
                    "may_dashboard": matches!(st.role, Role::Coordinator | Role::Inspector | Role::Head),
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

pub(super) fn render(
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

pub(super) fn error_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    e: &ServiceError,
) -> HttpResponse {
    let (status, title) = match e {
        ServiceError::NotFound => (StatusCode::NOT_FOUND, "page-not-found-title"),
        ServiceError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
        _ => {
            tracing::error!(error = ?e, "a staff page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page-internal-title")
        }
    };
    let msg = match e {
        ServiceError::NotFound => lang.t("error-not_found"),
        ServiceError::Forbidden => lang.t("error-forbidden"),
        _ => lang.t("error-internal"),
    };
    state.pages.error(req, lang, status, title, &msg)
}

/// The message of a refused service call, for a banner.
pub(super) fn refusal_text(lang: Lang, e: &ServiceError) -> (StatusCode, String) {
    match e {
        ServiceError::Validation(fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .iter()
                .map(|f| lang.t_args(&format!("field-{}", f.key), &f.args))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ServiceError::Conflict(k) => (
            StatusCode::CONFLICT,
            lang.try_t(&format!("conflict-{k}"))
                .unwrap_or_else(|| lang.t("error-conflict")),
        ),
        ServiceError::Forbidden => (StatusCode::FORBIDDEN, lang.t("error-forbidden")),
        ServiceError::NotFound => (StatusCode::NOT_FOUND, lang.t("error-not_found")),
        ServiceError::Unauthenticated => (StatusCode::UNAUTHORIZED, lang.t("error-sign_in")),
        ServiceError::SecondFactor => (StatusCode::UNAUTHORIZED, lang.t("error-second_factor")),
        ServiceError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, lang.t("error-internal")),
    }
}

fn csrf_refused(state: &AppState, req: &HttpRequest, lang: Lang) -> HttpResponse {
    state.pages.error(
        req,
        lang,
        StatusCode::FORBIDDEN,
        "error-forbidden",
        &lang.t("error-csrf"),
    )
}

// ---- sign-in ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    totp: String,
}

pub async fn login_form(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    let mut ctx = context(&state, &req, lang, None);
    ctx.insert("username", "");
    render(&state, &req, "staff/login.html", &ctx, StatusCode::OK)
}

pub async fn login_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let f = form.into_inner();
    let ip = client_ip(&req, &state.trusted_proxies);
    let mut ctx = context(&state, &req, lang, None);
    ctx.insert("username", &f.username);
    if let Err(seconds) = state.limiters.check_signin(ip, &f.username) {
        ctx.insert(
            "banner",
            &lang.t_args("error-rate_limited", &[("seconds", seconds as i64)]),
        );
        let mut resp = render(
            &state,
            &req,
            "staff/login.html",
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(v) = seconds.to_string().parse() {
            resp.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, v);
        }
        return resp;
    }
    let totp = Some(f.totp.as_str()).filter(|t| !t.trim().is_empty());
    match state
        .services
        .sign_in(&f.username, &f.password, totp, Some(ip))
        .await
    {
        Ok(done) => {
            let mut resp = see_other("/staff");
            let _ = resp.add_cookie(&session_cookie(&done.token, state.secure_cookies));
            resp
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            ctx.insert("banner", &text);
            render(&state, &req, "staff/login.html", &ctx, status)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    if let Some(c) = req.cookie(super::staff_auth::COOKIE) {
        let token = c.value().to_owned();
        let _ = state.services.blocking(move |s| s.sign_out(&token)).await;
    }
    let mut resp = see_other("/staff/login");
    let _ = resp.add_cookie(&removal_cookie(state.secure_cookies));
    resp
}

// ---- the queue ----

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

pub async fn queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    q: web::Query<QueueQuery>,
) -> HttpResponse {
    let filter = q.filter();
    let page = q.page_or_first();
    let per_page = 50;
    let (st, f) = (staff.0.staff.clone(), filter.clone());
    let (rows, total) = match state
        .services
        .blocking(move |s| s.queue(&st, f, page, per_page))
        .await
    {
        Ok(r) => r,
        Err(e) => return error_page(&state, &req, lang, &e),
    };
    let s = &state.services;
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|t| {
            json!({
                "case_number": t.case_number,
                "status": lang.t(&format!("status-{}", t.status)),
                "sector": s.catalog.sector(&t.sector).map(|x| pick(lang, &x.name_zh, &x.name_en)).unwrap_or_default(),
                "street": t.street.as_deref().map(|x| unit_name(&state, lang, x)).unwrap_or_default(),
                "department": unit_name(&state, lang, &t.department),
                "submitted": local_datetime(t.submitted_at.and_utc(), s.offset, lang),
                "deadline": t.next_deadline.map(|d| d.to_string()).unwrap_or_default(),
                "overdue": t.overdue,
            })
        })
        .collect();
    let pages = ((total + per_page - 1) / per_page).max(1);
    let link = |p: i64| {
        let mut qs = vec![format!("page={p}")];
        for (k, v) in [
            ("status", &filter.status),
            ("sector", &filter.sector),
            ("street", &filter.street),
        ] {
            if let Some(v) = v {
                qs.push(format!("{k}={v}"));
            }
        }
        if filter.overdue == Some(true) {
            qs.push("overdue=true".into());
        }
        format!("/staff?{}", qs.join("&"))
    };
    let mut ctx = context(&state, &req, lang, Some(&staff.0));
    ctx.insert("items", &items);
    ctx.insert("total", &total);
    ctx.insert("page", &page);
    ctx.insert("pages", &pages);
    ctx.insert(
        "prev_href",
        &if page > 1 {
            link(page - 1)
        } else {
            String::new()
        },
    );
    ctx.insert(
        "next_href",
        &if page < pages {
            link(page + 1)
        } else {
            String::new()
        },
    );
    ctx.insert(
        "filter",
        &json!({ "status": filter.status, "sector": filter.sector, "street": filter.street, "overdue": filter.overdue == Some(true) }),
    );
    let statuses: Vec<Choice> = Status::ALL
        .iter()
        .map(|st| Choice {
            code: st.as_str().into(),
            name: lang.t(&format!("status-{}", st.as_str())),
        })
        .collect();
    let sectors: Vec<Choice> = s
        .catalog
        .sectors()
        .iter()
        .map(|x| Choice {
            code: x.code.clone(),
            name: pick(lang, &x.name_zh, &x.name_en),
        })
        .collect();
    let streets: Vec<Choice> = s
        .catalog
        .streets()
        .iter()
        .map(|x| Choice {
            code: x.code.clone(),
            name: pick(lang, &x.name_zh, &x.name_en),
        })
        .collect();
    ctx.insert("statuses", &statuses);
    ctx.insert("sectors", &sectors);
    ctx.insert("streets", &streets);
    render(&state, &req, "staff/queue.html", &ctx, StatusCode::OK)
}

// ---- one case ----

/// What a case page may carry besides the case: a refused action with its typed values, a
/// revealed identity, a typed message.
#[derive(Default)]
struct CaseExtras {
    status: Option<StatusCode>,
    banner: String,
    notice: String,
    failed: String,
    form_errors: Vec<String>,
    values: ActionInput,
    identity: Option<ReporterIdentity>,
    message_value: String,
    reward_errors: Vec<String>,
    exposure_errors: Vec<String>,
    exposure_values: ExposureForm,
}

fn render_case(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    v: &CaseView,
    x: CaseExtras,
) -> HttpResponse {
    let s = &state.services;
    let t = &v.tip;
    let f = &v.file;
    let today = s.today();
    let co: Vec<String> = v
        .units
        .iter()
        .filter(|(_, r)| r == "co_department")
        .map(|(u, _)| unit_name(state, lang, u))
        .collect();
    let sector = |code: &str| {
        s.catalog
            .sector(code)
            .map(|x| pick(lang, &x.name_zh, &x.name_en))
            .unwrap_or_default()
    };
    let case = json!({
        "case_number": t.case_number,
        "status": t.status,
        "status_label": lang.t(&format!("status-{}", t.status)),
        "overdue": v.overdue,
        "sector": sector(&t.sector),
        "suggested": t.suggested_sector.as_deref().map(sector).unwrap_or_default(),
        "address": t.address,
        "enterprise": t.enterprise.clone().unwrap_or_default(),
        "severity": lang.t(&format!("severity-{}", t.severity)),
        "observed": t.observed_at.map(|o| local_datetime(o.and_utc(), s.offset, lang)).unwrap_or_default(),
        "submitted": local_datetime(t.submitted_at.and_utc(), s.offset, lang),
        "reporter": lang.t(if t.anonymous { "reporter-anonymous" } else { "reporter-identified" }),
        "wants_reward": t.wants_reward,
        "description": t.description,
        "department": unit_name(state, lang, &t.department),
        "co_departments": co.join("、"),
        "street": t.street.as_deref().map(|x| unit_name(state, lang, x)).unwrap_or_default(),
        "duplicate_of": f.duplicate_of.clone().unwrap_or_default(),
        "reject_reason": f.reject_reason.clone().unwrap_or_default(),
        "responsible_party": f.responsible_party.clone().unwrap_or_default(),
        "measures": f.measures.clone().unwrap_or_default(),
        "suspend": f.suspend_operations,
        "delay_explanation": f.delay_explanation.clone().unwrap_or_default(),
    });
    let current = t
        .status
        .parse::<Status>()
        .ok()
        .and_then(|st| v.deadlines.current(st))
        .map(|(l, _)| l);
    let deadlines: Vec<serde_json::Value> = [
        ("acceptance", v.deadlines.acceptance),
        ("verification", v.deadlines.verification),
        ("feedback", v.deadlines.feedback),
        ("rectification", v.deadlines.rectification),
    ]
    .into_iter()
    .filter_map(|(k, d)| d.map(|d| (k, d)))
    .map(|(k, d)| {
        let is_current = current.is_some_and(|l| l.as_str() == k);
        let days = (d - today).num_days();
        let left = if !is_current {
            String::new()
        } else if days > 0 {
            lang.t_args("staff-days-left", &[("days", days)])
        } else if days == 0 {
            lang.t("staff-due-today")
        } else {
            lang.t_args("staff-days-over", &[("days", -days)])
        };
        json!({ "label": lang.t(&format!("limit-{k}")), "date": d.to_string(), "left": left, "overdue": is_current && days < 0 })
    })
    .collect();
    let history: Vec<serde_json::Value> = v
        .history
        .iter()
        .map(|h| {
            json!({
                "at": local_datetime(h.created_at.and_utc(), s.offset, lang),
                "action": lang.try_t(&format!("action-{}", h.action)).unwrap_or_else(|| h.action.clone()),
                "by": h.actor.clone().unwrap_or_default(),
                "note": h.note.clone().unwrap_or_default(),
            })
        })
        .collect();
    let messages: Vec<serde_json::Value> = v
        .messages
        .iter()
        .map(|m| {
            let staff_side = m.sender == "staff";
            json!({
                "from_staff": staff_side,
                "who": if staff_side { m.author.clone().unwrap_or_else(|| lang.t("track-from-staff")) } else { lang.t("staff-reporter") },
                "body": m.body,
                "at": local_datetime(m.created_at.and_utc(), s.offset, lang),
            })
        })
        .collect();
    let photos: Vec<serde_json::Value> = v
        .attachments
        .iter()
        .map(|(id, ct, n)| json!({ "url": format!("/api/v1/staff/tips/{}/attachments/{id}", t.case_number), "content_type": ct, "bytes": n }))
        .collect();
    let actions: Vec<serde_json::Value> = v
        .actions
        .iter()
        .map(|a| json!({ "name": a.as_str(), "label": lang.t(&format!("action-{}", a.as_str())) }))
        .collect();
    let departments: Vec<Choice> = s
        .catalog
        .departments()
        .iter()
        .filter(|d| d.code != t.department)
        .map(|d| Choice {
            code: d.code.clone(),
            name: pick(lang, &d.name_zh, &d.name_en),
        })
        .collect();
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("c", &case);
    ctx.insert("deadlines", &deadlines);
    ctx.insert("history", &history);
    ctx.insert("messages", &messages);
    ctx.insert("photos", &photos);
    ctx.insert("actions", &actions);
    ctx.insert("departments", &departments);
    ctx.insert("today", &today.to_string());
    ctx.insert("failed", &x.failed);
    ctx.insert("form_errors", &x.form_errors);
    ctx.insert(
        "values",
        &json!({
            "reason": x.values.reason, "note": x.values.note, "duplicate_of": x.values.duplicate_of,
            "deadline": x.values.deadline, "responsible_party": x.values.responsible_party,
            "measures": x.values.measures, "explanation": x.values.explanation,
        }),
    );
    ctx.insert(
        "may_message",
        &!matches!(staff.staff.role, Role::Inspector | Role::Finance),
    );
    ctx.insert("may_reveal", &v.may_reveal);
    ctx.insert("may_propose", &v.may_propose_reward);
    let rewards: Vec<serde_json::Value> = v
        .rewards
        .iter()
        .map(|r| json!({ "id": r.id, "status": lang.t(&format!("reward-status-{}", r.status)), "amount": crate::domain::reward::Fen(r.amount_fen).to_string(), "rule": r.rule }))
        .collect();
    ctx.insert("rewards", &rewards);
    ctx.insert("reward_errors", &x.reward_errors);
    ctx.insert("may_expose", &v.may_expose);
    ctx.insert(
        "exposure",
        &v.exposure.as_ref().map(|e| {
            json!({
                "published": e.withdrawn_at.is_none(),
                "enterprise": e.enterprise, "location": e.location, "finding": e.finding,
                "published_at": local_datetime(e.published_at.and_utc(), s.offset, lang),
                "published_by": e.published_by,
                "withdrawn_at": e.withdrawn_at.map(|w| local_datetime(w.and_utc(), s.offset, lang)).unwrap_or_default(),
                "withdrawn_by": e.withdrawn_by.clone().unwrap_or_default(),
                "withdraw_reason": e.withdraw_reason.clone().unwrap_or_default(),
            })
        }),
    );
    ctx.insert("exposure_errors", &x.exposure_errors);
    let ev = &x.exposure_values;
    // A first publication starts from the business as reported; the rest is written anew.
    let enterprise = if ev.enterprise.is_empty() && x.exposure_errors.is_empty() {
        t.enterprise.clone().unwrap_or_default()
    } else {
        ev.enterprise.clone()
    };
    ctx.insert(
        "exposure_values",
        &json!({"enterprise": enterprise, "location": ev.location, "finding": ev.finding, "reason": ev.reason}),
    );
    ctx.insert(
        "identity",
        &x.identity
            .as_ref()
            .map(|i| json!({ "name": i.name, "phone": i.phone.as_str(), "email": i.email })),
    );
    ctx.insert("message_value", &x.message_value);
    ctx.insert("banner", &x.banner);
    ctx.insert("notice", &x.notice);
    render(
        state,
        req,
        "staff/case.html",
        &ctx,
        x.status.unwrap_or(StatusCode::OK),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn load_case(
    state: &AppState,
    staff: &StaffSession,
    case: &str,
) -> Result<CaseView, ServiceError> {
    let (st, c) = (staff.staff.clone(), case.to_owned());
    state.services.blocking(move |s| s.case(&st, &c)).await
}

pub async fn case_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> HttpResponse {
    match load_case(&state, &staff.0, &path).await {
        Ok(v) => {
            let notice = q
                .done
                .as_deref()
                .map(|d| {
                    let what = lang
                        .try_t(&format!("action-{d}"))
                        .unwrap_or_else(|| d.to_owned());
                    lang.t_str("staff-done", &[("action", &what)])
                })
                .unwrap_or_default();
            render_case(
                &state,
                &req,
                lang,
                &staff.0,
                &v,
                CaseExtras {
                    notice,
                    ..CaseExtras::default()
                },
            )
        }
        Err(e) => error_page(&state, &req, lang, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    action: String,
    note: String,
    reason: String,
    duplicate_of: String,
    deadline: String,
    responsible_party: String,
    measures: String,
    suspend_operations: String,
    explanation: String,
    department: String,
}

impl ActionForm {
    fn input(&self) -> ActionInput {
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        ActionInput {
            action: self.action.clone(),
            note: opt(&self.note),
            reason: opt(&self.reason),
            duplicate_of: opt(&self.duplicate_of),
            deadline: opt(&self.deadline),
            responsible_party: opt(&self.responsible_party),
            measures: opt(&self.measures),
            suspend_operations: Some(matches!(
                self.suspend_operations.as_str(),
                "true" | "on" | "1"
            )),
            explanation: opt(&self.explanation),
            department: opt(&self.department),
        }
    }
}

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let case = path.into_inner();
    let input = form.input();
    let (st, c, i) = (staff.0.staff.clone(), case.clone(), input.clone());
    match state.services.blocking(move |s| s.act(&st, &c, &i)).await {
        // The transferring head may no longer see the case: back to the queue.
        Ok(v)
            if v.actions.is_empty()
                && input.action == "transfer"
                && staff.0.staff.role != Role::Coordinator =>
        {
            see_other("/staff")
        }
        Ok(_) => see_other(&format!("/staff/tips/{case}?done={}", input.action)),
        Err(e @ (ServiceError::NotFound | ServiceError::Internal(_))) => {
            error_page(&state, &req, lang, &e)
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            match load_case(&state, &staff.0, &case).await {
                Ok(v) => {
                    let x = CaseExtras {
                        status: Some(status),
                        failed: input.action.clone(),
                        form_errors: vec![text],
                        values: input,
                        ..CaseExtras::default()
                    };
                    render_case(&state, &req, lang, &staff.0, &v, x)
                }
                Err(e) => error_page(&state, &req, lang, &e),
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    csrf: String,
    body: String,
}

pub async fn message(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<MessageForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let case = path.into_inner();
    let (st, c, body) = (staff.0.staff.clone(), case.clone(), form.body.clone());
    match state
        .services
        .blocking(move |s| s.staff_message(&st, &c, &body))
        .await
    {
        Ok(_) => see_other(&format!("/staff/tips/{case}?done=message")),
        Err(e @ (ServiceError::NotFound | ServiceError::Internal(_))) => {
            error_page(&state, &req, lang, &e)
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            match load_case(&state, &staff.0, &case).await {
                Ok(v) => {
                    let x = CaseExtras {
                        status: Some(status),
                        banner: text,
                        message_value: form.body.clone(),
                        ..CaseExtras::default()
                    };
                    render_case(&state, &req, lang, &staff.0, &v, x)
                }
                Err(e) => error_page(&state, &req, lang, &e),
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealForm {
    csrf: String,
    reason: String,
}

pub async fn reveal(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<RevealForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let case = path.into_inner();
    let (st, c, reason) = (staff.0.staff.clone(), case.clone(), form.reason.clone());
    let outcome = state
        .services
        .blocking(move |s| s.reveal_identity(&st, &c, &reason))
        .await;
    let Ok(v) = load_case(&state, &staff.0, &case).await else {
        return error_page(&state, &req, lang, &ServiceError::NotFound);
    };
    let x = match outcome {
        Ok(id) => CaseExtras {
            identity: Some(id),
            ..CaseExtras::default()
        },
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            CaseExtras {
                status: Some(status),
                banner: text,
                ..CaseExtras::default()
            }
        }
    };
    render_case(&state, &req, lang, &staff.0, &v, x)
}

// ---- lists and audit ----

pub async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
) -> HttpResponse {
    let Some(kind) = ListKind::parse(&path) else {
        return error_page(&state, &req, lang, &ServiceError::NotFound);
    };
    let st = staff.0.staff.clone();
    let rows = match state
        .services
        .blocking(move |s| s.list(&st, kind, false))
        .await
    {
        Ok(r) => r,
        Err(e) => return error_page(&state, &req, lang, &e),
    };
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| cells(&state.services.catalog, lang, r))
        .collect();
    let headers: Vec<String> = COLUMNS.iter().map(|k| lang.t(k)).collect();
    let mut ctx = context(&state, &req, lang, Some(&staff.0));
    ctx.insert("title", &lang.t(&format!("list-{}", kind.as_str())));
    ctx.insert("kind", kind.as_str());
    ctx.insert("headers", &headers);
    ctx.insert("rows", &table);
    render(&state, &req, "staff/list.html", &ctx, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyQuery {
    verify: Option<String>,
}

pub async fn audit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    q: web::Query<VerifyQuery>,
) -> HttpResponse {
    let verify = q.verify.as_deref() == Some("true");
    if !matches!(staff.0.staff.role, Role::Coordinator | Role::Inspector) {
        return error_page(&state, &req, lang, &ServiceError::Forbidden);
    }
    let got = state
        .services
        .blocking(move |s| {
            // Verifying reads the whole log: only when asked.
            let report = if verify {
                Some(s.verify_audit()?)
            } else {
                None
            };
            let mut conn = s.db.read()?;
            let (rows, total) = crate::db::audit::page(&mut conn, None, 0, 200)?;
            Ok((report, rows, total))
        })
        .await;
    let (report, rows, total) = match got {
        Ok(r) => r,
        Err(e) => return error_page(&state, &req, lang, &e),
    };
    let offset = state.services.offset;
    let entries: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({ "seq": r.seq, "at": local_datetime(r.at.and_utc(), offset, lang), "actor": r.actor, "action": r.action,
                    "case_number": r.case_number, "reason": r.reason.clone().unwrap_or_default(), "detail": r.detail.clone().unwrap_or_default() })
        })
        .collect();
    let mut ctx = context(&state, &req, lang, Some(&staff.0));
    ctx.insert("checked", &report.is_some());
    ctx.insert(
        "verified",
        &report.as_ref().is_some_and(|r| r.broken_at.is_none()),
    );
    ctx.insert(
        "broken_at",
        &report
            .as_ref()
            .and_then(|r| r.broken_at)
            .unwrap_or_default(),
    );
    ctx.insert("head", &report.and_then(|r| r.head).unwrap_or_default());
    ctx.insert("total", &total);
    ctx.insert("entries", &entries);
    render(&state, &req, "staff/audit.html", &ctx, StatusCode::OK)
}

// ---- one's own account ----

async fn render_account(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    extra: impl FnOnce(&mut Context),
    status: StatusCode,
) -> HttpResponse {
    let uid = staff.staff.id;
    let totp_on = state
        .services
        .blocking(move |s| {
            let mut c = s.db.read()?;
            Ok(crate::db::staff::totp(&mut c, uid)?.1)
        })
        .await
        .unwrap_or(false);
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("totp_on", &totp_on);
    ctx.insert("password_errors", &Vec::<String>::new());
    ctx.insert("totp_errors", &Vec::<String>::new());
    ctx.insert("totp_secret", "");
    ctx.insert("totp_uri", "");
    extra(&mut ctx);
    render(state, req, "staff/account.html", &ctx, status)
}

pub async fn account(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
) -> HttpResponse {
    render_account(&state, &req, lang, &staff.0, |_| {}, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    old_password: String,
    new_password: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    match state
        .services
        .change_password(&staff.0, &form.old_password, &form.new_password)
        .await
    {
        Ok(()) => {
            render_account(
                &state,
                &req,
                lang,
                &staff.0,
                |c| c.insert("notice", &lang.t("staff-password-changed")),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            render_account(
                &state,
                &req,
                lang,
                &staff.0,
                |c| c.insert("password_errors", &vec![text]),
                status,
            )
            .await
        }
    }
}

pub async fn totp_begin(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let session = staff.0.clone();
    match state
        .services
        .blocking(move |s| s.begin_totp(&session))
        .await
    {
        Ok((secret, uri)) => {
            render_account(
                &state,
                &req,
                lang,
                &staff.0,
                |c| {
                    c.insert("totp_secret", &secret);
                    c.insert("totp_uri", &uri);
                },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            render_account(
                &state,
                &req,
                lang,
                &staff.0,
                |c| c.insert("banner", &text),
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

pub async fn totp_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let (session, code) = (staff.0.clone(), form.code.clone());
    match state
        .services
        .blocking(move |s| s.confirm_totp(&session, &code))
        .await
    {
        Ok(()) => {
            render_account(
                &state,
                &req,
                lang,
                &staff.0,
                |c| c.insert("notice", &lang.t("staff-totp-enabled")),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            render_account(
                &state,
                &req,
                lang,
                &staff.0,
                |c| c.insert("banner", &text),
                status,
            )
            .await
        }
    }
}

// ---- accounts of others (the coordinator) ----

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct NewUserForm {
    #[serde(skip_serializing)]
    csrf: String,
    username: String,
    display_name: String,
    role: String,
    unit: String,
    phone: String,
    #[serde(skip_serializing)]
    password: String,
}

/// What the accounts page shows besides the accounts.
struct UsersView<'a> {
    form: &'a NewUserForm,
    errors: Vec<String>,
    notice: String,
}

async fn render_users(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    view: UsersView<'_>,
    status: StatusCode,
) -> HttpResponse {
    let users = match state.services.blocking(|s| s.list_staff()).await {
        Ok(u) => u,
        Err(e) => return error_page(state, req, lang, &e),
    };
    let users: Vec<serde_json::Value> = users
        .iter()
        .map(|u| {
            json!({ "username": u.username, "role": lang.t(&format!("role-{}", u.role)),
                    "unit": u.unit.as_deref().map(|x| unit_name(state, lang, x)).unwrap_or_default(), "active": u.active })
        })
        .collect();
    let roles: Vec<Choice> = Role::ALL
        .iter()
        .map(|r| Choice {
            code: r.as_str().into(),
            name: lang.t(&format!("role-{}", r.as_str())),
        })
        .collect();
    let c = &state.services.catalog;
    let units: Vec<Choice> = c
        .departments()
        .iter()
        .map(|d| Choice {
            code: d.code.clone(),
            name: pick(lang, &d.name_zh, &d.name_en),
        })
        .chain(c.streets().iter().map(|s| Choice {
            code: s.code.clone(),
            name: pick(lang, &s.name_zh, &s.name_en),
        }))
        .collect();
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("users", &users);
    ctx.insert("roles", &roles);
    ctx.insert("units", &units);
    ctx.insert("new_user", view.form);
    ctx.insert("user_errors", &view.errors);
    ctx.insert("notice", &view.notice);
    render(state, req, "staff/users.html", &ctx, status)
}

pub async fn users(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
) -> HttpResponse {
    if staff.0.staff.role != Role::Coordinator {
        return error_page(&state, &req, lang, &ServiceError::Forbidden);
    }
    let blank = NewUserForm {
        role: "officer".into(),
        ..NewUserForm::default()
    };
    render_users(
        &state,
        &req,
        lang,
        &staff.0,
        UsersView {
            form: &blank,
            errors: Vec::new(),
            notice: String::new(),
        },
        StatusCode::OK,
    )
    .await
}

pub async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    form: web::Form<NewUserForm>,
) -> HttpResponse {
    // The accounts page lists everyone: only the coordinator gets it, even as an error page.
    if staff.0.staff.role != Role::Coordinator {
        return error_page(&state, &req, lang, &ServiceError::Forbidden);
    }
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let f = form.into_inner();
    let Ok(role) = f.role.parse::<Role>() else {
        return render_users(
            &state,
            &req,
            lang,
            &staff.0,
            UsersView {
                form: &f,
                errors: vec![lang.t("error-bad_request")],
                notice: String::new(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let (session, g) = (staff.0.clone(), f.clone());
    let outcome = state
        .services
        .blocking(move |s| {
            s.create_staff(
                &session,
                &NewStaff {
                    username: g.username.trim(),
                    role,
                    unit: Some(g.unit.as_str()).filter(|u| !u.is_empty()),
                    display_name: Some(g.display_name.as_str()).filter(|d| !d.trim().is_empty()),
                    password: &g.password,
                    phone: Some(g.phone.as_str()),
                },
            )
        })
        .await;
    match outcome {
        Ok(_) => {
            let blank = NewUserForm {
                role: "officer".into(),
                ..NewUserForm::default()
            };
            render_users(
                &state,
                &req,
                lang,
                &staff.0,
                UsersView {
                    form: &blank,
                    errors: Vec::new(),
                    notice: lang.t("staff-user-created"),
                },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            render_users(
                &state,
                &req,
                lang,
                &staff.0,
                UsersView {
                    form: &f,
                    errors: vec![text],
                    notice: String::new(),
                },
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    csrf: String,
    active: String,
    password: String,
}

pub async fn set_active(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<ActiveForm>,
) -> HttpResponse {
    // The accounts page lists everyone: only the coordinator gets it, even as an error page.
    if staff.0.staff.role != Role::Coordinator {
        return error_page(&state, &req, lang, &ServiceError::Forbidden);
    }
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let (session, user, active) = (staff.0.clone(), path.into_inner(), form.active == "true");
    let outcome = state
        .services
        .blocking(move |s| s.set_staff_active(&session, &user, active))
        .await;
    after_user_change(&state, &req, lang, &staff.0, outcome).await
}

pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<ActiveForm>,
) -> HttpResponse {
    // The accounts page lists everyone: only the coordinator gets it, even as an error page.
    if staff.0.staff.role != Role::Coordinator {
        return error_page(&state, &req, lang, &ServiceError::Forbidden);
    }
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let (session, user, pw) = (staff.0.clone(), path.into_inner(), form.password.clone());
    let outcome = state
        .services
        .blocking(move |s| s.reset_staff_password(&session, &user, &pw))
        .await;
    after_user_change(&state, &req, lang, &staff.0, outcome).await
}

async fn after_user_change(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
) -> HttpResponse {
    let blank = NewUserForm {
        role: "officer".into(),
        ..NewUserForm::default()
    };
    match outcome {
        Ok(()) => {
            render_users(
                state,
                req,
                lang,
                staff,
                UsersView {
                    form: &blank,
                    errors: Vec::new(),
                    notice: lang.t("staff-user-updated"),
                },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            render_users(
                state,
                req,
                lang,
                staff,
                UsersView {
                    form: &blank,
                    errors: vec![text],
                    notice: String::new(),
                },
                status,
            )
            .await
        }
    }
}

// ---- rewards ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RewardForm {
    csrf: String,
    basis: String,
    fine_yuan: String,
    deaths_concealed: String,
    accident_grade: String,
    penalty_decision: String,
    note: String,
    exclude: String,
}

pub async fn propose_reward(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<RewardForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let case = path.into_inner();
    let f = form.into_inner();
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = crate::services::rewards::ProposalInput {
        basis: f.basis.clone(),
        fine_yuan: crate::domain::reward::Fen::parse_field("fine_yuan", &f.fine_yuan),
        deaths_concealed: f.deaths_concealed.trim().parse().ok(),
        accident_grade: opt(&f.accident_grade),
        penalty_decision: opt(&f.penalty_decision),
        note: opt(&f.note),
        exclude: opt(&f.exclude),
    };
    let (st, c) = (staff.0.staff.clone(), case.clone());
    match state
        .services
        .blocking(move |s| s.propose_reward(&st, &c, &input))
        .await
    {
        Ok(_) => see_other(&format!("/staff/tips/{case}?done=reward")),
        Err(e @ (ServiceError::NotFound | ServiceError::Internal(_))) => {
            error_page(&state, &req, lang, &e)
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            match load_case(&state, &staff.0, &case).await {
                Ok(v) => render_case(
                    &state,
                    &req,
                    lang,
                    &staff.0,
                    &v,
                    CaseExtras {
                        status: Some(status),
                        reward_errors: vec![text],
                        ..CaseExtras::default()
                    },
                ),
                Err(e) => error_page(&state, &req, lang, &e),
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FinanceQuery {
    status: String,
    done: String,
}

/// What the reward page shows besides the rewards.
struct FinanceView<'a> {
    filter: &'a str,
    notice: String,
    errors: Vec<String>,
}

async fn render_finance(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    view: FinanceView<'_>,
    status: StatusCode,
) -> HttpResponse {
    let FinanceView {
        filter,
        notice,
        errors,
    } = view;
    let st = staff.staff.clone();
    let all = match state
        .services
        .blocking(move |s| s.reward_queue(&st, None))
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(state, req, lang, &e),
    };
    let mut totals: std::collections::BTreeMap<String, (i64, i64)> =
        std::collections::BTreeMap::new();
    for v in &all {
        let t = totals.entry(v.row.status.to_string()).or_default();
        t.0 += 1;
        t.1 += v.row.amount_fen;
    }
    let items: Vec<serde_json::Value> = all
        .iter()
        .filter(|v| filter.is_empty() || v.row.status.as_ref() == filter)
        .map(|v| {
            let r = &v.row;
            json!({
                "id": r.id, "case_number": v.case_number, "department": unit_name(state, lang, &v.department),
                "basis": lang.t(&format!("basis-{}", r.basis)), "amount": crate::domain::reward::Fen(r.amount_fen).to_string(),
                "rule": r.rule, "status": lang.t(&format!("reward-status-{}", r.status)), "proposed_by": r.proposed_by,
                "decided_by": r.decided_by.clone().unwrap_or_default(), "reference": r.paid_reference.clone().unwrap_or_default(),
                "signals": v.signals.iter().map(|s| lang.t(&format!("signal-{s}"))).collect::<Vec<_>>(),
                "may_decide": v.may_decide, "may_pay": v.may_pay,
            })
        })
        .collect();
    let totals: Vec<serde_json::Value> = totals
        .into_iter()
        .map(|(k, (n, fen))| json!({ "status": lang.t(&format!("reward-status-{k}")), "count": n, "amount": crate::domain::reward::Fen(fen).to_string() }))
        .collect();
    let statuses: Vec<Choice> = [
        "proposed",
        "awaiting_signoff",
        "approved",
        "claimed",
        "paid",
        "rejected",
        "expired",
    ]
    .iter()
    .map(|s| Choice {
        code: (*s).into(),
        name: lang.t(&format!("reward-status-{s}")),
    })
    .collect();
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("items", &items);
    ctx.insert("totals", &totals);
    ctx.insert("statuses", &statuses);
    ctx.insert("filter", filter);
    ctx.insert("notice", &notice);
    ctx.insert("banner", &errors.join(" "));
    render(state, req, "staff/finance.html", &ctx, status)
}

pub async fn finance(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    q: web::Query<FinanceQuery>,
) -> HttpResponse {
    let notice = if q.done.is_empty() {
        String::new()
    } else {
        lang.t("staff-user-updated")
    };
    render_finance(
        &state,
        &req,
        lang,
        &staff.0,
        FinanceView {
            filter: &q.status,
            notice,
            errors: Vec::new(),
        },
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    amount_yuan: String,
    note: String,
    reference: String,
    paid_on: String,
}

pub async fn finance_decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let (st, id, f) = (staff.0.staff.clone(), path.into_inner(), form.into_inner());
    let outcome = state
        .services
        .blocking(move |s| {
            let amount = crate::domain::reward::Fen::parse_field("amount_yuan", &f.amount_yuan);
            s.decide_reward(&st, id.into(), f.decision == "approve", amount, &f.note)
        })
        .await;
    after_finance(&state, &req, lang, &staff.0, outcome.map(|_| ())).await
}

pub async fn finance_pay(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let (st, id, reference, day) = (
        staff.0.staff.clone(),
        path.into_inner(),
        form.reference.clone(),
        form.paid_on.clone(),
    );
    let outcome = state
        .services
        .blocking(move |s| s.pay_reward(&st, id.into(), &reference, Some(&day)))
        .await;
    after_finance(&state, &req, lang, &staff.0, outcome.map(|_| ())).await
}

async fn after_finance(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
) -> HttpResponse {
    match outcome {
        Ok(()) => see_other("/finance?done=1"),
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            render_finance(
                state,
                req,
                lang,
                staff,
                FinanceView {
                    filter: "",
                    notice: String::new(),
                    errors: vec![text],
                },
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ExposureForm {
    csrf: String,
    enterprise: String,
    location: String,
    finding: String,
    reason: String,
}

/// Publishes a case on the public exposure list, or takes it off (`withdraw`).
async fn exposure_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    case: String,
    form: ExposureForm,
    withdraw: bool,
) -> HttpResponse {
    if !csrf_field_ok(&form.csrf, &staff.0) {
        return csrf_refused(&state, &req, lang);
    }
    let (st, c, f) = (staff.0.staff.clone(), case.clone(), form.clone());
    let outcome = state
        .services
        .blocking(move |s| {
            if withdraw {
                s.withdraw_exposure(&st, &c, Some(&f.reason))
            } else {
                s.publish_exposure(
                    &st,
                    &c,
                    &crate::services::exposure::ExposureInput {
                        enterprise: Some(f.enterprise),
                        location: Some(f.location),
                        finding: Some(f.finding),
                    },
                )
            }
        })
        .await;
    let done = if withdraw {
        "exposure_withdrawn"
    } else {
        "exposure_published"
    };
    match outcome {
        Ok(()) => see_other(&format!("/staff/tips/{case}?done={done}")),
        Err(e @ (ServiceError::NotFound | ServiceError::Internal(_) | ServiceError::Forbidden)) => {
            error_page(&state, &req, lang, &e)
        }
        Err(e) => {
            let (status, text) = refusal_text(lang, &e);
            match load_case(&state, &staff.0, &case).await {
                Ok(v) => render_case(
                    &state,
                    &req,
                    lang,
                    &staff.0,
                    &v,
                    CaseExtras {
                        status: Some(status),
                        exposure_errors: vec![text],
                        exposure_values: form,
                        ..CaseExtras::default()
                    },
                ),
                Err(e) => error_page(&state, &req, lang, &e),
            }
        }
    }
}

pub async fn publish_exposure(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<ExposureForm>,
) -> HttpResponse {
    exposure_action(
        state,
        req,
        lang,
        staff,
        path.into_inner(),
        form.into_inner(),
        false,
    )
    .await
}

pub async fn withdraw_exposure(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    staff: PageStaff,
    path: web::Path<String>,
    form: web::Form<ExposureForm>,
) -> HttpResponse {
    exposure_action(
        state,
        req,
        lang,
        staff,
        path.into_inner(),
        form.into_inner(),
        true,
    )
    .await
}
