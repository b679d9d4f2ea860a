//! The accounts of others, for the coordinator: create, deactivate and reactivate, reset a
//! password (which also clears the account's second factor).

use crate::domain::roles::Role;
use crate::services::auth::StaffSession;
use crate::services::staff::NewStaff;
use crate::services::{ServiceError, Services};
use crate::web::extract::{Staff, StaffForm, can};
use crate::web::pages::{Choice, Names, Page, PageError, PageResult, context, mend, render};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
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

async fn show(
    page: &Page,
    staff: &StaffSession,
    view: UsersView,
) -> Result<HttpResponse, PageError> {
    let (state, req, lang) = (&page.state, &page.req, page.lang);
    let session = staff.clone();
    let users = state
        .services
        .blocking(move |s| s.staff_accounts(&session))
        .await?;
    let names = Names::new(&state.services.catalog, lang);
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({ "username": u.username, "role": lang.t(&format!("role-{}", u.role)),
                    "unit": u.unit.as_deref().map(|x| names.unit(x)).unwrap_or_default(), "active": u.active })
        })
        .collect();
    let roles: Vec<Choice> = Role::ALL
        .iter()
        .map(|r| Choice {
            code: r.as_str().into(),
            name: lang.t(&format!("role-{}", r.as_str())),
        })
        .collect();
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("users", &users);
    ctx.insert("roles", &roles);
    ctx.insert("units", &names.unit_choices());
    ctx.insert("new_user", &view.form);
    ctx.insert("user_errors", &view.errors);
    ctx.insert("notice", &view.notice);
    let status = view.status.unwrap_or(StatusCode::OK);
    Ok(render(state, req, "staff/users.html", &ctx, status))
}

/// The page after a change: its notice and a blank form, or the refusal with `form` as typed.
async fn after(
    page: &Page,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
    (notice, form): (&str, NewUserForm),
) -> Result<HttpResponse, PageError> {
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
    let Page { state, .. } = &page;
    let (staff, f) = (sent.staff.session, sent.form);
    let outcome = match f.role.parse::<Role>() {
        Err(_) => Err(ServiceError::field("role", "unknown_role")),
        Ok(role) => {
            let (session, g) = (staff.clone(), f.clone());
            let create = move |s: crate::services::Services| {
                let new = NewStaff {
                    username: g.username.trim(),
                    role,
                    unit: Some(g.unit.as_str()).filter(|u| !u.is_empty()),
                    display_name: Some(g.display_name.as_str()).filter(|d| !d.trim().is_empty()),
                    password: &g.password,
                    phone: Some(g.phone.as_str()),
                };
                s.create_staff(&session, &new).map(|_| ())
            };
            state.services.blocking(create).await
        }
    };
    after(&page, &staff, outcome, ("staff-user-created", f)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
    password: String,
}

/// Runs a change to another's account and shows the accounts page after it.
async fn change(
    page: Page,
    staff: StaffSession,
    run: impl FnOnce(Services) -> Result<(), ServiceError> + Send + 'static,
) -> PageResult {
    let outcome = page.state.services.blocking(run).await;
    let said = ("staff-user-updated", NewUserForm::default());
    after(&page, &staff, outcome, said).await
}

pub async fn set_active(
    page: Page,
    path: web::Path<String>,
    sent: StaffForm<can::ManageAccounts, ActiveForm>,
) -> PageResult {
    let (staff, active) = (sent.staff.session, sent.form.active == "true");
    let (session, user) = (staff.clone(), path.into_inner());
    change(page, staff, move |s| {
        s.set_staff_active(&session, &user, active)
    })
    .await
}

pub async fn reset_password(
    page: Page,
    path: web::Path<String>,
    sent: StaffForm<can::ManageAccounts, ActiveForm>,
) -> PageResult {
    let (staff, pw) = (sent.staff.session, sent.form.password);
    let (session, user) = (staff.clone(), path.into_inner());
    change(page, staff, move |s| {
        s.reset_staff_password(&session, &user, &pw)
    })
    .await
}
