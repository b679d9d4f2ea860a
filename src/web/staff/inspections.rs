//! Joint inspections as pages: `/staff/inspections` lists those this staff member took part in
//! and, for the coordinator and department staff, the form to record one (departments ticked,
//! enterprises by their numbers); `/staff/inspections/{id}` shows one with the hazards it found
//! and a link to record another under one's own department.

use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::inspections::{InspectionInput, InspectionView};
use crate::web::error::ApiError;
use crate::web::extract::{Staff, StaffForm, allows, can};
use crate::web::pages::{Names, Page, PageResult, TargetPage, mend, see_other};
use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The form as typed: several departments (a checkbox each, named `dept-CODE`), the
/// enterprises' numbers separated by spaces or commas.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct InspectionForm {
    title: String,
    date: String,
    street: String,
    enterprises: String,
    members: String,
    /// The ticked departments' boxes (and any other field, ignored).
    #[serde(flatten)]
    ticked: BTreeMap<String, String>,
}

impl InspectionForm {
    fn departments(&self) -> Vec<String> {
        self.ticked
            .keys()
            .filter_map(|k| k.strip_prefix("dept-"))
            .map(str::to_owned)
            .collect()
    }

    fn input(&self) -> InspectionInput {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let ids = self
            .enterprises
            .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            // A number that is not one is passed on as none, to be refused.
            .map(|s| s.parse().unwrap_or(-1))
            .collect();
        InspectionInput {
            title: opt(&self.title),
            date: opt(&self.date),
            departments: Some(self.departments()),
            street: opt(&self.street),
            enterprise_ids: Some(ids),
            members: opt(&self.members),
        }
    }
}

fn in_words(names: &Names, v: &InspectionView) -> Value {
    let lang = names.lang;
    let departments: Vec<String> = v.departments.iter().map(|d| names.unit(d)).collect();
    let hazards: Vec<Value> = v
        .hazards
        .iter()
        .map(|h| {
            json!({
                "id": h.id, "number": h.number, "department": names.unit(&h.department),
                "enterprise": h.enterprise.clone().unwrap_or_default(),
                "grade": lang.t(&format!("severity-{}", h.grade)),
                "status": lang.t(&format!("hazard-status-{}", h.status)),
                "deadline": h.deadline.to_string(), "overdue": h.overdue,
            })
        })
        .collect();
    json!({
        "id": v.id, "title": v.title, "date": v.date.to_string(),
        "departments": departments.join("、"),
        "street": v.street.as_deref().map(|s| names.unit(s)).unwrap_or_default(),
        "members": v.members, "enterprises": v.enterprises, "hazards": hazards,
        "may_record": v.may_record,
    })
}

async fn list_page(
    page: &Page,
    staff: &StaffSession,
    form: &InspectionForm,
    errors: &[String],
    status: StatusCode,
) -> PageResult {
    let all = page.run(staff, |s, st| s.inspections(&st.staff)).await?;
    let names = page.names();
    let items: Vec<Value> = all.iter().map(|v| in_words(&names, v)).collect();
    let role = staff.staff.role;
    let mut ctx = page.context(staff);
    ctx.insert("items", &items);
    ctx.insert("form", form);
    ctx.insert("ticked", &form.departments());
    ctx.insert("errors", errors);
    ctx.insert("departments", &names.department_choices());
    ctx.insert("streets", &names.street_choices());
    let may_create =
        allows::<can::RecordHazards>(role) && role != crate::domain::roles::Role::Inspector;
    ctx.insert("may_create", &may_create);
    Ok(page.render("staff/inspections.html", &ctx, status))
}

pub async fn inspections(page: Page, staff: Staff<can::ReadCases>) -> PageResult {
    let form = InspectionForm {
        date: page.state.services.today().to_string(),
        ticked: staff
            .member()
            .unit
            .iter()
            .map(|u| (format!("dept-{u}"), "on".to_owned()))
            .collect(),
        ..InspectionForm::default()
    };
    list_page(&page, &staff.session, &form, &[], StatusCode::OK).await
}

pub async fn create(page: Page, sent: StaffForm<can::RecordHazards, InspectionForm>) -> PageResult {
    let (staff, form) = (sent.staff.session, sent.form);
    let input = form.input();
    match page
        .run(&staff, move |s, st| s.create_inspection(&st.staff, &input))
        .await
    {
        Ok(v) => Ok(see_other(&format!("/staff/inspections/{}", v.id))),
        Err(ServiceError::Validation(fields)) => {
            let lang = page.lang;
            let errors: Vec<String> = ApiError::field_messages(lang, &fields)
                .into_iter()
                .map(|(field, texts)| {
                    let label = lang.t(&format!("inspection-{field}"));
                    format!("{label}：{}", texts.join(" "))
                })
                .collect();
            list_page(
                &page,
                &staff,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            let (status, text) = mend(page.lang, e)?;
            list_page(&page, &staff, &form, &[text], status).await
        }
    }
}

pub async fn inspection(sent: TargetPage<can::ReadCases, i64>) -> PageResult {
    let to = sent.to;
    let v = to.run(|s, st, id| s.inspection(&st.staff, *id)).await?;
    let mut ctx = to.page.context(&to.staff);
    ctx.insert("i", &in_words(&to.page.names(), &v));
    Ok(to
        .page
        .render("staff/inspection.html", &ctx, StatusCode::OK))
}
