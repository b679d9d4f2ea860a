//! One's own account: the password and two-step sign-in (TOTP).

use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::web::AppState;
use crate::web::extract::{NoFields, Staff, StaffForm, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Page, PageError, PageResult, context, mendable, refusal_text, render};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use tera::Context;

async fn show(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    extra: impl FnOnce(&mut Context),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let st = staff.staff.clone();
    let totp_on = state
        .services
        .blocking(move |s| s.totp_enabled(&st))
        .await?;
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("totp_on", &totp_on);
    ctx.insert("password_errors", &Vec::<String>::new());
    ctx.insert("totp_errors", &Vec::<String>::new());
    ctx.insert("totp_secret", "");
    ctx.insert("totp_uri", "");
    extra(&mut ctx);
    Ok(render(state, req, "staff/account.html", &ctx, status))
}

/// The page after a change: its notice, or the refusal in `slot` (a list of messages, or the
/// banner).
async fn after(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
    (notice, slot): (&str, &'static str),
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => {
            let notice = lang.t(notice);
            show(
                state,
                req,
                lang,
                staff,
                |c| c.insert("notice", &notice),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if mendable(&e) => {
            let (status, text) = refusal_text(lang, &e);
            let put = |c: &mut Context| match slot {
                "banner" => c.insert("banner", &text),
                _ => c.insert(slot, &vec![text.clone()]),
            };
            show(state, req, lang, staff, put, status).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn account(page: Page, staff: Staff<can::SignIn>) -> PageResult {
    let Page { state, req, lang } = page;
    show(&state, &req, lang, &staff.session, |_| {}, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    old_password: String,
    new_password: String,
}

pub async fn change_password(page: Page, sent: StaffForm<can::SignIn, PasswordForm>) -> PageResult {
    let Page { state, req, lang } = page;
    let (staff, f) = (sent.staff.session, sent.form);
    let outcome = state
        .services
        .change_password(&staff, &f.old_password, &f.new_password)
        .await;
    let said = ("staff-password-changed", "password_errors");
    after(&state, &req, lang, &staff, outcome, said).await
}

/// Starts two-step sign-in: shows the new secret once, to be confirmed with a code.
pub async fn totp_begin(page: Page, sent: StaffForm<can::SignIn, NoFields>) -> PageResult {
    let Page { state, req, lang } = page;
    let staff = sent.staff.session;
    let session = staff.clone();
    match state
        .services
        .blocking(move |s| s.begin_totp(&session))
        .await
    {
        Ok((secret, uri)) => {
            let put = |c: &mut Context| {
                c.insert("totp_secret", &secret);
                c.insert("totp_uri", &uri);
            };
            show(&state, &req, lang, &staff, put, StatusCode::OK).await
        }
        Err(e) => after(&state, &req, lang, &staff, Err(e), ("", "banner")).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

pub async fn totp_confirm(page: Page, sent: StaffForm<can::SignIn, CodeForm>) -> PageResult {
    let Page { state, req, lang } = page;
    let (staff, code) = (sent.staff.session, sent.form.code);
    let session = staff.clone();
    let outcome = state
        .services
        .blocking(move |s| s.confirm_totp(&session, &code))
        .await;
    after(
        &state,
        &req,
        lang,
        &staff,
        outcome,
        ("staff-totp-enabled", "banner"),
    )
    .await
}
