//! The accounts of others, for the coordinator: create, deactivate and reactivate, reset a
//! password (which also clears the account's second factor).

use crate::domain::roles::Role;
use crate::services::auth::StaffSession;
use crate::services::staff::{FailingNotice, NewStaff};
use crate::services::{ServiceError, ServiceResult, Services};
use crate::web::extract::{Staff, StaffForm, can};
use crate::web::pages::{Choice, Page, PageResult, TargetForm, mend};
use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize, Serialize, Clone)]
#[serde(default)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    unit: String,
    phone: String,
    /// An inspector's supervision group (督查组).
    supervision_group: String,
    #[serde(skip_serializing)]
    password: String,
}

impl Default for NewUserForm {
    /// A blank form starts with the commonest role.
    fn default() -> Self {
        NewUserForm {
            username: String::new(),
            display_name: String::new(),
            role: Role::Officer.as_str().into(),
            unit: String::new(),
            phone: String::new(),
            supervision_group: String::new(),
            password: String::new(),
        }
    }
}

/// What the accounts page shows besides the accounts.
#[derive(Default)]
struct UsersView {
    form: NewUserForm,
    errors: Vec<String>,
    notice: String,
    status: Option<StatusCode>,
}

async fn show(page: &Page, staff: &StaffSession, view: UsersView) -> PageResult {
    let (lang, names) = (page.lang, page.names());
    let (users, failing) = page
        .run(staff, |s, st| {
            Ok((s.staff_accounts(st)?, s.failing_notices(st)?))
        })
        .await?;
    let failing: Vec<Value> = failing.iter().map(|f| failing_row(lang, f)).collect();
    let services = &page.state.services;
    let inspector = Role::Inspector.as_str();
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            // An inspector in no group is shown as such (未分组).
            let group = match &u.supervision_group {
                Some(g) => services.group_name(g, lang),
                None if u.role == inspector => lang.t("staff-no-group"),
                None => String::new(),
            };
            json!({ "username": u.username, "role": lang.t(&format!("role-{}", u.role)),
                    "unit": u.unit.as_deref().map(|x| names.unit(x)).unwrap_or_default(), "active": u.active,
                    "inspector": u.role == inspector, "group": group,
                    "group_code": u.supervision_group.clone().unwrap_or_default() })
        })
        .collect();
    let groups = Choice::groups(&services.supervision_groups, lang);
    let roles = Choice::labelled(lang, "role", Role::ALL.iter().map(|r| r.as_str()));
    let mut ctx = page.context(staff);
    ctx.insert("users", &users);
    ctx.insert("failing", &failing);
    ctx.insert("roles", &roles);
    ctx.insert("units", &names.unit_choices());
    ctx.insert("groups", &groups);
    ctx.insert("new_user", &view.form);
    ctx.insert("user_errors", &view.errors);
    ctx.insert("notice", &view.notice);
    let status = view.status.unwrap_or(StatusCode::OK);
    Ok(page.render("staff/users.html", &ctx, status))
}

/// A notice the outbox keeps failing to send, in words (never its recipient).
fn failing_row(lang: crate::web::i18n::Lang, f: &FailingNotice) -> Value {
    let sms = f.channel == "sms";
    let what = if sms {
        lang.t(&format!("sms-kind-{}", f.subject))
    } else {
        f.subject.clone()
    };
    json!({ "channel": lang.t(if sms { "outbox-sms" } else { "outbox-mail" }),
            "what": what, "attempts": f.attempts,
            "error": f.last_error.as_deref().map(|e| failure_words(lang, e)).unwrap_or_default(),
            "queued": f.queued.format("%Y-%m-%d %H:%M").to_string(),
            "next": f.next_attempt.format("%Y-%m-%d %H:%M").to_string() })
}

/// The page after a change: its notice and a blank form, or the refusal with `form` as typed.
async fn after(
    page: &Page,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
    (notice, form): (&str, NewUserForm),
) -> PageResult {
    let lang = page.lang;
    let view = match outcome {
        Ok(()) => UsersView {
            notice: lang.t(notice),
            ..UsersView::default()
        },
        Err(e) => {
            let (status, text) = mend(lang, e)?;
            UsersView {
                form,
                errors: vec![text],
                status: Some(status),
                ..UsersView::default()
            }
        }
    };
    show(page, staff, view).await
}

pub async fn users(page: Page, staff: Staff<can::ManageAccounts>) -> PageResult {
    show(&page, &staff.session, UsersView::default()).await
}

pub async fn create_user(
    page: Page,
    sent: StaffForm<can::ManageAccounts, NewUserForm>,
) -> PageResult {
    let (staff, f) = (sent.staff.session, sent.form);
    let outcome = match f.role.parse::<Role>() {
        Err(_) => Err(ServiceError::field("role", "unknown_role")),
        Ok(role) => {
            let g = f.clone();
            let create = move |s: Services, session: &StaffSession| {
                let new = NewStaff {
                    username: g.username.trim(),
                    role,
                    unit: Some(g.unit.as_str()).filter(|u| !u.is_empty()),
                    display_name: Some(g.display_name.as_str()).filter(|d| !d.trim().is_empty()),
                    password: &g.password,
                    phone: Some(g.phone.as_str()),
                    group: Some(g.supervision_group.as_str()),
                };
                s.create_staff(session, &new).map(|_| ())
            };
            page.run(&staff, create).await
        }
    };
    after(&page, &staff, outcome, ("staff-user-created", f)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
    password: String,
    /// An inspector's supervision group; blank for none.
    supervision_group: String,
}

/// Runs a change to another's account and shows the accounts page after it.
async fn change(
    sent: TargetForm<can::ManageAccounts, ActiveForm>,
    run: impl FnOnce(Services, &StaffSession, &String, ActiveForm) -> ServiceResult<()> + Send + 'static,
) -> PageResult {
    let (to, form) = (sent.to, sent.form);
    let outcome = to.run(move |s, st, user| run(s, st, user, form)).await;
    let said = ("staff-user-updated", NewUserForm::default());
    after(&to.page, &to.staff, outcome, said).await
}

pub async fn set_active(sent: TargetForm<can::ManageAccounts, ActiveForm>) -> PageResult {
    change(sent, |s, st, user, f| {
        s.set_staff_active(st, user, f.active == "true")
    })
    .await
}

pub async fn reset_password(sent: TargetForm<can::ManageAccounts, ActiveForm>) -> PageResult {
    change(sent, |s, st, user, f| {
        s.reset_staff_password(st, user, &f.password)
    })
    .await
}

pub async fn set_group(sent: TargetForm<can::ManageAccounts, ActiveForm>) -> PageResult {
    change(sent, |s, st, user, f| {
        let group = Some(f.supervision_group.as_str()).filter(|g| !g.trim().is_empty());
        s.set_staff_group(st, user, group)
    })
    .await
}

/// The class of a delivery failure in words; a gateway's own code stays beside them in
/// brackets (what its support asks for).
fn failure_words(lang: crate::i18n::Lang, class: &str) -> String {
    let (key, detail) = if let Some(code) = class
        .strip_prefix("sms: the gateway refused (")
        .and_then(|c| c.strip_suffix(')'))
    {
        ("outbox-error-refused", Some(code))
    } else if let Some(status) = class.strip_prefix("sms: HTTP ") {
        ("outbox-error-http", Some(status))
    } else {
        let key = match class {
            "smtp: permanent refusal" | "smtp: transient refusal" => "outbox-error-refused",
            "sms: connection error" | "smtp: timeout" | "smtp: connection or protocol error" => {
                "outbox-error-connection"
            }
            "sms: daily limit of the number" => "outbox-error-daily",
            _ => "outbox-error-other",
        };
        (key, None)
    };
    match detail {
        Some(d) => format!("{} ({d})", lang.t(key)),
        None => lang.t(key),
    }
}
