//! Enterprises as pages: the search with the form that records one (and, for the coordinator,
//! the enterprises with repeated major hazards), one enterprise with everything about it (its
//! tips, hazards and their rectification, exposure, blacklist, accountability, and the
//! coordinator's blacklist forms), the case page's "create from this tip", and the public blacklist (`/blacklist`).

use super::case::{DoneQuery, Refused, answer};
use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::blacklist::BlacklistInput;
use crate::services::enterprises::{EnterpriseInput, EnterpriseView};
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::extract::{Staff, StaffForm, allows, can};
use crate::web::i18n::Lang;
use crate::web::pages::{
    Names, Page, PageError, PageResult, TargetForm, TargetPage, mend, see_other,
};
use crate::web::render::{Caching, local_date, local_datetime};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The form that records an enterprise, as typed (also on the case page, filled from the tip).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct EnterpriseForm {
    pub name: String,
    pub credit_code: String,
    pub address: String,
    pub street: String,
    pub sector: String,
}

impl EnterpriseForm {
    pub fn input(&self) -> EnterpriseInput {
        EnterpriseInput {
            name: Some(self.name.clone()),
            credit_code: Some(self.credit_code.clone()),
            address: Some(self.address.clone()),
            street: Some(self.street.clone()),
            sector: Some(self.sector.clone()),
        }
    }
}

/// A refused form's messages: by field where a field is wrong, else one line for the form.
#[derive(Default, Serialize, Clone)]
pub struct FormErrors {
    pub fields: BTreeMap<&'static str, Vec<String>>,
    pub form: String,
}

impl FormErrors {
    /// The refusal's status and messages; a missing thing or a failure is the error page.
    pub fn of(
        lang: Lang,
        e: ServiceError,
    ) -> Result<(StatusCode, FormErrors), crate::web::pages::PageError> {
        if let ServiceError::Validation(fields) = &e {
            let out = FormErrors {
                fields: ApiError::field_messages(lang, fields),
                form: String::new(),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, out));
        }
        let (status, text) = mend(lang, e)?;
        Ok((
            status,
            FormErrors {
                form: text,
                ..FormErrors::default()
            },
        ))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

/// The search page with the recording form as `form` holds it.
async fn show_list(
    page: &Page,
    staff: &StaffSession,
    q: String,
    form: EnterpriseForm,
    refused: Option<(StatusCode, FormErrors)>,
) -> PageResult {
    let names = page.names();
    let q2 = q.clone();
    let found = page
        .run(staff, move |s, st| s.find_enterprises(&st.staff, &q2))
        .await?;
    let suggestions = blacklist_suggestions(page, staff).await?;
    let items: Vec<Value> = found
        .iter()
        .map(|e| {
            json!({ "id": e.id, "name": e.name, "credit_code": e.credit_code.clone().unwrap_or_default(),
                    "address": e.address, "street": names.street(&e.street), "sector": names.sector(&e.sector) })
        })
        .collect();
    let (status, errors) = refused.unwrap_or((StatusCode::OK, FormErrors::default()));
    let mut ctx = page.context(staff);
    ctx.insert("q", &q);
    ctx.insert("items", &items);
    ctx.insert("suggestions", &suggestions);
    ctx.insert(
        "may_create",
        &allows::<can::RecordHazards>(staff.staff.role),
    );
    ctx.insert("form", &form);
    ctx.insert("errors", &errors);
    ctx.insert("streets", &names.street_choices());
    ctx.insert("sectors", &names.sector_choices());
    Ok(page.render("staff/enterprises.html", &ctx, status))
}

/// For the coordinator, the enterprises whose major hazards suggest the blacklist.
async fn blacklist_suggestions(page: &Page, staff: &StaffSession) -> Result<Vec<Value>, PageError> {
    if !allows::<can::Publish>(staff.staff.role) {
        return Ok(Vec::new());
    }
    let found = page.run(staff, |s, st| s.blacklist_suggestions(&st.staff));
    Ok(found
        .await?
        .iter()
        .map(|s| json!({ "id": s.enterprise.id, "name": s.enterprise.name, "count": s.major_hazards }))
        .collect())
}

pub async fn list_page(
    page: Page,
    staff: Staff<can::ReadCases>,
    q: web::Query<SearchQuery>,
) -> PageResult {
    let q = q.into_inner().q.trim().to_owned();
    show_list(&page, &staff.session, q, EnterpriseForm::default(), None).await
}

/// Records an enterprise; the page comes back with what was typed when a field is wrong.
pub async fn create(page: Page, sent: StaffForm<can::RecordHazards, EnterpriseForm>) -> PageResult {
    let (staff, form) = (sent.staff.session, sent.form);
    let input = form.input();
    let outcome = page
        .run(&staff, move |s, st| s.create_enterprise(&st.staff, &input))
        .await;
    match outcome {
        Ok(v) => Ok(see_other(&format!(
            "/staff/enterprises/{}?done=created",
            v.id
        ))),
        Err(e) => {
            let refused = FormErrors::of(page.lang, e)?;
            show_list(&page, &staff, String::new(), form, Some(refused)).await
        }
    }
}

/// What the enterprise page may carry besides the enterprise: a notice, a refused blacklist form.
#[derive(Default)]
struct Extras {
    notice: String,
    status: Option<StatusCode>,
    errors: FormErrors,
    values: BlacklistForm,
}

fn enterprise_json(names: Names, offset: chrono::FixedOffset, v: &EnterpriseView) -> Value {
    let lang = names.lang;
    let date = |d: chrono::NaiveDate| local_date(d, lang);
    let tips: Vec<Value> = v
        .tips
        .iter()
        .map(|t| json!({ "case_number": t.case_number, "status": lang.t(&format!("status-{}", t.status)) }))
        .collect();
    let hazards: Vec<Value> = v
        .hazards
        .iter()
        .map(|h| {
            let state = match (h.reviewed_on, h.rectified_on) {
                (Some(d), _) => lang.t_str("enterprise-reviewed-on", &[("date", &date(d))]),
                (None, Some(d)) => lang.t_str("enterprise-rectified-on", &[("date", &date(d))]),
                (None, None) => String::new(),
            };
            json!({ "number": h.number, "grade": lang.t(&format!("severity-{}", h.grade.as_str())),
                    "major": h.grade == crate::domain::tip::Severity::Major,
                    "status": lang.t(&format!("enterprise-hazard-{}", h.status.as_str())),
                    "deadline": date(h.deadline), "overdue": h.overdue, "state": state,
                    "listed": h.listed_supervision.as_ref().map(|l| json!({"reason": l.reason, "due": date(l.due)})) })
        })
        .collect();
    let at = |t: chrono::NaiveDateTime| local_datetime(t.and_utc(), offset, lang);
    let exposed: Vec<Value> = v
        .exposed
        .iter()
        .map(|x| json!({ "enterprise": x.enterprise, "location": x.location, "finding": x.finding, "published_at": at(x.published_at), "published": x.published }))
        .collect();
    // People by their display names (the username when the account is gone).
    let person = |u: &String| v.people.get(u).unwrap_or(u).clone();
    let blacklisted: Vec<Value> = v
        .blacklisted
        .iter()
        .map(|b| {
            json!({ "reason": b.reason, "listed_on": date(b.listed_on), "until": b.until.map(date).unwrap_or_default(),
                    "listed_by": person(&b.listed_by), "in_force": b.in_force,
                    "withdrawn_at": b.withdrawn_at.map(at).unwrap_or_default(),
                    "withdrawn_by": b.withdrawn_by.as_ref().map(person).unwrap_or_default(),
                    "withdraw_reason": b.withdraw_reason.clone().unwrap_or_default() })
        })
        .collect();
    let accountability: Vec<Value> = v
        .accountability
        .iter()
        .map(|r| {
            json!({ "decided_on": date(r.decided_on),
                    "kind": lang.t(&format!("accountability-kind-{}", r.kind)),
                    "unit": r.unit.as_deref().map(|u| names.unit(u)).unwrap_or_default(),
                    "summary": r.summary, "cases": r.case_numbers })
        })
        .collect();
    json!({
        "id": v.id, "name": v.name, "credit_code": v.credit_code.clone().unwrap_or_default(),
        "address": v.address, "street": names.street(&v.street), "sector": names.sector(&v.sector),
        "created_by": person(&v.created_by), "created_at": at(v.created_at),
        "tips": tips, "hazards": hazards, "exposed": exposed, "blacklisted": blacklisted,
        "accountability": accountability,
        "listed": v.blacklisted.iter().any(|b| b.in_force),
    })
}

async fn show_one(page: &Page, staff: &StaffSession, id: i64, x: Extras) -> PageResult {
    let v = page
        .run(staff, move |s, st| s.enterprise(&st.staff, id))
        .await?;
    let s = &page.state.services;
    let mut ctx = page.context(staff);
    ctx.insert("e", &enterprise_json(page.names(), s.offset, &v));
    ctx.insert("may_blacklist", &allows::<can::Publish>(staff.staff.role));
    ctx.insert("today", &s.today().to_string());
    ctx.insert("notice", &x.notice);
    ctx.insert("errors", &x.errors);
    ctx.insert("values", &x.values);
    let status = x.status.unwrap_or(StatusCode::OK);
    Ok(page.render("staff/enterprise.html", &ctx, status))
}

pub async fn enterprise_page(
    sent: TargetPage<can::ReadCases, i64>,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let to = sent.to;
    let lang = to.page.lang;
    let notice = q
        .done
        .as_deref()
        .and_then(|d| lang.try_t(&format!("enterprise-done-{d}")))
        .unwrap_or_default();
    let x = Extras {
        notice,
        ..Extras::default()
    };
    show_one(&to.page, &to.staff, to.key, x).await
}

/// The blacklist forms: a listing (reason, last day) or a withdrawal (reason).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct BlacklistForm {
    reason: String,
    until: String,
    withdraw_reason: String,
}

/// After a blacklist form: back to the enterprise saying what was done, or the form again.
async fn after_blacklist<T>(
    sent: TargetForm<can::Publish, BlacklistForm, i64>,
    outcome: crate::services::ServiceResult<T>,
    done: &str,
) -> PageResult {
    let (to, values) = (sent.to, sent.form);
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/enterprises/{}?done={done}",
            to.key
        ))),
        Err(e) => {
            let (status, errors) = FormErrors::of(to.page.lang, e)?;
            let x = Extras {
                status: Some(status),
                errors,
                values,
                ..Extras::default()
            };
            show_one(&to.page, &to.staff, to.key, x).await
        }
    }
}

pub async fn blacklist(sent: TargetForm<can::Publish, BlacklistForm, i64>) -> PageResult {
    let f = sent.form.clone();
    let input = BlacklistInput {
        reason: Some(f.reason),
        until: Some(f.until),
    };
    let outcome = sent
        .to
        .run(move |s, st, id| s.blacklist_enterprise(&st.staff, *id, &input))
        .await;
    after_blacklist(sent, outcome, "blacklisted").await
}

pub async fn withdraw(sent: TargetForm<can::Publish, BlacklistForm, i64>) -> PageResult {
    let reason = sent.form.withdraw_reason.clone();
    let outcome = sent
        .to
        .run(move |s, st, id| s.withdraw_blacklisting(&st.staff, *id, Some(&reason)))
        .await;
    after_blacklist(sent, outcome, "withdrawn").await
}

/// Records the enterprise a tip names, from the case page, and links the tip to it.
pub async fn create_for_tip(sent: TargetForm<can::WorkCases, EnterpriseForm>) -> PageResult {
    let (to, form) = (sent.to, sent.form);
    let input = form.input();
    let outcome = to
        .run(move |s, st, case| s.create_enterprise_for_tip(&st.staff, case, &input))
        .await;
    answer(
        &to,
        outcome,
        "link_enterprise",
        Refused::Enterprise(form, None),
    )
    .await
}

/// The public blacklist (安全生产不良记录): the entries in force, newest first.
pub async fn public_blacklist(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
) -> Result<HttpResponse, crate::web::pages::PageError> {
    let list = state.services.blocking(|s| s.public_blacklist()).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|e| {
            json!({ "enterprise": e.enterprise, "reason": e.reason,
                    "listed_on": local_date(e.listed_on, lang),
                    "until": e.until.map(|u| local_date(u, lang)).unwrap_or_default() })
        })
        .collect();
    let mut ctx = state.pages.context(lang, Some("/blacklist"));
    ctx.insert("items", &items);
    Ok(state.pages.render(
        &req,
        "public/blacklist.html",
        &ctx,
        StatusCode::OK,
        Caching::Revalidate,
    ))
}
