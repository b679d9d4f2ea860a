//! One's own account: the password, two-step sign-in (TOTP) and text alerts of overdue cases.

use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::web::extract::{NoFields, Staff, StaffForm, can};
use crate::web::pages::{Page, PageResult, mend};
use actix_web::http::StatusCode;
use serde::Deserialize;
use tera::Context;

async fn show(
    page: &Page,
    staff: &StaffSession,
    extra: impl FnOnce(&mut Context),
    status: StatusCode,
) -> PageResult {
    let (totp_on, sms_on) = page
        .run(staff, |s, st| {
            Ok((s.totp_enabled(&st.staff)?, s.sms_alerts_on(&st.staff)?))
        })
        .await?;
    let mut ctx = page.context(staff);
    ctx.insert("totp_on", &totp_on);
    ctx.insert("sms_on", &sms_on);
    ctx.insert("sms_errors", &Vec::<String>::new());
    ctx.insert("sms_phone", "");
    ctx.insert("password_errors", &Vec::<String>::new());
    ctx.insert("totp_errors", &Vec::<String>::new());
    ctx.insert("totp_secret", "");
    ctx.insert("totp_uri", "");
    extra(&mut ctx);
    Ok(page.render("staff/account.html", &ctx, status))
}

/// The page after a change: its notice, or the refusal in `slot` (a list of messages, or the
/// banner).
async fn after(
    page: &Page,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
    (notice, slot): (&str, &'static str),
) -> PageResult {
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
    let (staff, f) = (sent.staff.session, sent.form);
    let services = &page.state.services;
    let outcome = services
        .change_password(&staff, &f.old_password, &f.new_password)
        .await;
    let said = ("staff-password-changed", "password_errors");
    after(&page, &staff, outcome, said).await
}

/// Starts two-step sign-in: shows the new secret once, to be confirmed with a code.
pub async fn totp_begin(page: Page, sent: StaffForm<can::SignIn, NoFields>) -> PageResult {
    let staff = sent.staff.session;
    match page.run(&staff, |s, st| s.begin_totp(st)).await {
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
    let (staff, code) = (sent.staff.session, sent.form.code);
    let outcome = page
        .run(&staff, move |s, st| s.confirm_totp(st, &code))
        .await;
    after(&page, &staff, outcome, ("staff-totp-enabled", "banner")).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SmsForm {
    phone: String,
    /// `on` or `off`.
    alerts: String,
}

/// Opts in to (or out of) texts of overdue escalations; a refused number comes back as typed.
pub async fn sms_alerts(page: Page, sent: StaffForm<can::SignIn, SmsForm>) -> PageResult {
    let (staff, f) = (sent.staff.session, sent.form);
    let on = f.alerts != "off";
    let phone = f.phone.clone();
    let outcome = if on && phone.trim().is_empty() {
        Err(ServiceError::field("phone", "required"))
    } else {
        page.run(&staff, move |s, st| {
            s.set_sms_alerts(st, on.then_some(phone.as_str()))
        })
        .await
    };
    match outcome {
        Ok(()) => after(&page, &staff, Ok(()), ("staff-sms-saved", "sms_errors")).await,
        Err(e) => {
            let (status, text) = mend(page.lang, e)?;
            let put = |c: &mut Context| {
                c.insert("sms_errors", &vec![text.clone()]);
                c.insert("sms_phone", &f.phone);
            };
            show(&page, &staff, put, status).await
        }
    }
}
