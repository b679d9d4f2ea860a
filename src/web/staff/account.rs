//! One's own account: the password and two-step sign-in (TOTP).

use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::web::extract::{NoFields, Staff, StaffForm, can};
use crate::web::pages::{Page, PageError, PageResult, context, mend, render};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;
use tera::Context;

async fn show(
    page: &Page,
    staff: &StaffSession,
    extra: impl FnOnce(&mut Context),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (state, req, lang) = (&page.state, &page.req, page.lang);
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
    page: &Page,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
    (notice, slot): (&str, &'static str),
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    match outcome {
        Ok(()) => {
            let notice = lang.t(notice);
            show(page, staff, |c| c.insert("notice", &notice), StatusCode::OK).await
        }
        Err(e) => {
            let (status, text) = mend(lang, e)?;
            let put = |c: &mut Context| match slot {
                "banner" => c.insert("banner", &text),
                _ => c.insert(slot, &vec![text.clone()]),
            };
            show(page, staff, put, status).await
        }
    }
}

pub async fn account(page: Page, staff: Staff<can::SignIn>) -> PageResult {
    show(&page, &staff.session, |_| {}, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    old_password: String,
    new_password: String,
}

pub async fn change_password(page: Page, sent: StaffForm<can::SignIn, PasswordForm>) -> PageResult {
    let Page { state, .. } = &page;
    let (staff, f) = (sent.staff.session, sent.form);
    let outcome = state
        .services
        .change_password(&staff, &f.old_password, &f.new_password)
        .await;
    let said = ("staff-password-changed", "password_errors");
    after(&page, &staff, outcome, said).await
}

/// Starts two-step sign-in: shows the new secret once, to be confirmed with a code.
pub async fn totp_begin(page: Page, sent: StaffForm<can::SignIn, NoFields>) -> PageResult {
    let Page { state, .. } = &page;
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
            show(&page, &staff, put, StatusCode::OK).await
        }
        Err(e) => after(&page, &staff, Err(e), ("", "banner")).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

pub async fn totp_confirm(page: Page, sent: StaffForm<can::SignIn, CodeForm>) -> PageResult {
    let Page { state, .. } = &page;
    let (staff, code) = (sent.staff.session, sent.form.code);
    let session = staff.clone();
    let outcome = state
        .services
        .blocking(move |s| s.confirm_totp(&session, &code))
        .await;
    after(&page, &staff, outcome, ("staff-totp-enabled", "banner")).await
}
