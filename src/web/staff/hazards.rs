//! Hazards as pages: `/staff/hazards/new` records one (every field labelled, selects that show
//! names, the enterprise found by name or credit code, or given by its number; a refused form
//! comes back with everything typed and each error beside its field), and `/staff/hazards/{id}`
//! shows one with its history, its four responsible people and one form per step that
//! `domain::hazard::decide` allows this staff member now (the services' `steps`).

use super::case::DoneQuery;
use crate::domain::hazard::{HazardId, HazardStatus, Source, Step};
use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::case_words::listed_json;
use crate::services::hazard_actions::HazardActionInput;
use crate::services::hazards::{HazardInput, HazardView};
use crate::web::error::ApiError;
use crate::web::extract::{Staff, StaffForm, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Choice, Names, Page, PageResult, TargetForm, mend, see_other};
use crate::web::render::local_datetime;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use strum::VariantArray;

/// Each refused field's messages, by field name, for the template to show beside the field.
type FieldErrors = BTreeMap<&'static str, Vec<String>>;

/// The hazard form as typed (shown again with what was wrong).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct HazardForm {
    source: String,
    case_number: String,
    /// The enterprise's number as typed.
    enterprise_id: String,
    /// An enterprise picked from the search's results (wins over the typed number).
    enterprise_pick: String,
    /// What to search enterprises by (name or credit code).
    enterprise_q: String,
    /// Set by the search button: show the matches, record nothing.
    find_enterprise: String,
    description: String,
    grade: String,
    basis: String,
    found_on: String,
    department: String,
    street: String,
    responsible_person: String,
    supervisor: String,
    street_official: String,
    leader: String,
    measures: String,
    deadline: String,
    suspend_operations: String,
    /// The joint inspection it comes from, if any (a hidden field).
    inspection_id: String,
}

impl HazardForm {
    /// The enterprise chosen: a pick from the search, else the typed number. A number that is
    /// not one is passed on as none, and named as missing.
    fn enterprise(&self) -> Option<i64> {
        [&self.enterprise_pick, &self.enterprise_id]
            .into_iter()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .map(|s| s.parse().unwrap_or(-1))
    }

    fn input(&self) -> HazardInput {
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        HazardInput {
            source: opt(&self.source),
            case_number: opt(&self.case_number),
            enterprise_id: self.enterprise(),
            enterprise_name: None,
            credit_code: None,
            description: opt(&self.description),
            grade: opt(&self.grade),
            basis: opt(&self.basis),
            found_on: opt(&self.found_on),
            department: opt(&self.department),
            street: opt(&self.street),
            responsible_person: opt(&self.responsible_person),
            supervisor: opt(&self.supervisor),
            street_official: opt(&self.street_official),
            leader: opt(&self.leader),
            measures: opt(&self.measures),
            deadline: opt(&self.deadline),
            suspend_operations: Some(matches!(
                self.suspend_operations.as_str(),
                "on" | "true" | "1"
            )),
            inspection_id: self.inspection_id.trim().parse().ok(),
        }
    }
}

/// The options of an enumeration named by `{prefix}-{code}`.
fn labelled<T: Copy + Into<&'static str>>(lang: Lang, prefix: &str, all: &[T]) -> Vec<Choice> {
    Choice::labelled(lang, prefix, all.iter().map(|&v| v.into()))
}

/// The form's fields in the order the page shows them, for the error summary.
const FORM_ORDER: [&str; 17] = [
    "source",
    "case_number",
    "enterprise_id",
    "credit_code",
    "enterprise_name",
    "description",
    "grade",
    "basis",
    "found_on",
    "department",
    "street",
    "responsible_person",
    "supervisor",
    "street_official",
    "leader",
    "measures",
    "deadline",
];

/// The error summary above the form: each refused field in the page's order, named in words,
/// linking to its input.
fn summary(lang: Lang, errors: &FieldErrors) -> Vec<Value> {
    FORM_ORDER
        .iter()
        .filter_map(|&field| errors.get(field).map(|texts| (field, texts)))
        .map(|(field, texts)| {
            let id = match field {
                "credit_code" | "enterprise_name" => "enterprise_id",
                f => f,
            };
            let label = lang.t(&format!("hazard-{field}"));
            json!({ "id": id, "text": format!("{label}：{}", texts.join(" ")) })
        })
        .collect()
}

/// The form page, blank or as typed, with each error beside its field.
async fn form_page(
    page: &Page,
    staff: &StaffSession,
    form: &HazardForm,
    (errors, banner): (FieldErrors, String),
    status: StatusCode,
) -> PageResult {
    let (q, chosen) = (form.enterprise_q.clone(), form.enterprise());
    let found = page
        .run(staff, move |s, st| {
            s.enterprise_choices(&st.staff, &q, chosen)
        })
        .await?;
    let (names, lang) = (page.names(), page.lang);
    let mut ctx = page.context(staff);
    ctx.insert("form", form);
    ctx.insert("summary", &summary(lang, &errors));
    ctx.insert("errors", &errors);
    ctx.insert("banner", &banner);
    ctx.insert(
        "sources",
        &labelled(lang, "hazard-source", Source::VARIANTS),
    );
    ctx.insert("departments", &names.department_choices());
    ctx.insert("streets", &names.street_choices());
    ctx.insert("enterprises", &found);
    ctx.insert("chosen", &chosen.unwrap_or_default());
    ctx.insert("searched", &!form.find_enterprise.is_empty());
    ctx.insert("today", &page.state.services.today().to_string());
    Ok(page.render("staff/hazard_new.html", &ctx, status))
}

/// `?inspection=ID`: the form records a hazard that joint inspection found.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewHazardQuery {
    inspection: Option<i64>,
}

/// Where a hazard a staff member records most likely comes from: a supervision group's
/// inspector's check, the department's or sub-district's own inspection, else a self-check.
fn default_source(role: crate::domain::roles::Role, is_department: bool, has_unit: bool) -> Source {
    match (role, is_department, has_unit) {
        (crate::domain::roles::Role::Inspector, _, _) => Source::Supervision,
        (_, true, _) => Source::DepartmentInspection,
        (_, false, true) => Source::StreetInspection,
        _ => Source::SelfInspection,
    }
}

pub async fn new_hazard(
    page: Page,
    staff: Staff<can::RecordHazards>,
    q: web::Query<NewHazardQuery>,
) -> PageResult {
    let me = staff.member();
    let catalog = &page.state.services.catalog;
    let unit = me.unit.clone().unwrap_or_default();
    let is_department = catalog.department(&unit).is_some();
    let form = HazardForm {
        source: default_source(me.role, is_department, me.unit.is_some())
            .as_str()
            .to_owned(),
        grade: "general".into(),
        found_on: page.state.services.today().to_string(),
        department: if is_department {
            unit.clone()
        } else {
            String::new()
        },
        street: if catalog.street(&unit).is_some() {
            unit
        } else {
            String::new()
        },
        ..HazardForm::default()
    };
    let form = match q.inspection {
        Some(id) => HazardForm {
            source: Source::JointInspection.as_str().to_owned(),
            inspection_id: id.to_string(),
            ..form
        },
        None => form,
    };
    let blank = (FieldErrors::new(), String::new());
    form_page(&page, &staff.session, &form, blank, StatusCode::OK).await
}

pub async fn record_hazard(
    page: Page,
    sent: StaffForm<can::RecordHazards, HazardForm>,
) -> PageResult {
    let (staff, form) = (sent.staff.session, sent.form);
    if !form.find_enterprise.is_empty() {
        let nothing = (FieldErrors::new(), String::new());
        return form_page(&page, &staff, &form, nothing, StatusCode::OK).await;
    }
    let input = form.input();
    match page
        .run(&staff, move |s, st| s.record_hazard(&st.staff, &input))
        .await
    {
        Ok(v) => Ok(see_other(&format!(
            "/staff/hazards/{}?done=created",
            v.id.0
        ))),
        Err(ServiceError::Validation(fields)) => {
            let errors = ApiError::field_messages(page.lang, &fields);
            let shown = (errors, String::new());
            form_page(
                &page,
                &staff,
                &form,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            let (status, text) = mend(page.lang, e)?;
            form_page(&page, &staff, &form, (FieldErrors::new(), text), status).await
        }
    }
}

/// A step's form as typed on the hazard page.
#[derive(Deserialize, Default, Clone, Serialize)]
#[serde(default)]
pub struct StepForm {
    action: String,
    decision: String,
    explanation_id: String,
    completed_on: String,
    note: String,
    deadline: String,
    reason: String,
    explanation: String,
    new_date: String,
    responsible_person: String,
    supervisor: String,
    street_official: String,
    leader: String,
    due: String,
}

impl StepForm {
    fn input(&self) -> HazardActionInput {
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        HazardActionInput {
            action: self.action.clone(),
            decision: opt(&self.decision),
            explanation_id: self.explanation_id.trim().parse().ok(),
            completed_on: opt(&self.completed_on),
            note: opt(&self.note),
            deadline: opt(&self.deadline),
            reason: opt(&self.reason),
            explanation: opt(&self.explanation),
            new_date: opt(&self.new_date),
            responsible_person: opt(&self.responsible_person),
            supervisor: opt(&self.supervisor),
            street_official: opt(&self.street_official),
            leader: opt(&self.leader),
            due: opt(&self.due),
        }
    }
}

/// What the hazard page carries besides the hazard: a notice, or a refused step's form.
#[derive(Default)]
struct Extras {
    status: Option<StatusCode>,
    notice: String,
    failed: Option<StepForm>,
    errors: FieldErrors,
    banner: String,
}

/// A step's label (`hazard-step-…`).
fn step_label(lang: Lang, step: &str) -> String {
    lang.try_t(&format!("hazard-step-{step}"))
        .unwrap_or_else(|| step.to_owned())
}

/// The forms the page shows: one per step allowed now (a passed and a failed review as one
/// form with two buttons), each with its values (what was typed in a refused one, else the
/// hazard's own) and its errors.
fn forms(lang: Lang, v: &HazardView, today: &str, x: &Extras) -> Vec<Value> {
    let mut out = Vec::new();
    let blank = Extras::default();
    // Deciding on an explanation has a form beside each explanation.
    for s in v
        .steps
        .iter()
        .filter(|s| **s != Step::AcknowledgeExplanation)
    {
        let name = match s {
            Step::ReviewPass | Step::ReviewFail => "review",
            s => s.as_str(),
        };
        if out.iter().any(|f: &Value| f["name"] == name) {
            continue;
        }
        let typed = x.failed.as_ref().filter(|f| f.action == name);
        let values = typed.cloned().unwrap_or_else(|| StepForm {
            completed_on: today.to_owned(),
            responsible_person: v.responsible_person.clone(),
            supervisor: v.supervisor.clone(),
            street_official: v.street_official.clone().unwrap_or_default(),
            leader: v.leader.clone().unwrap_or_default(),
            ..StepForm::default()
        });
        let mine = if typed.is_some() { x } else { &blank };
        out.push(json!({
            "name": name,
            "label": step_label(lang, name),
            "pass": v.steps.contains(&Step::ReviewPass),
            "fail": v.steps.contains(&Step::ReviewFail),
            "v": values,
            "e": mine.errors,
            "banner": mine.banner,
        }));
    }
    out
}

/// A history row's note in words: `assign` records `field=name` lines; a `review_pass` whose
/// note is the hazard's case number is the case's confirmed rectification.
fn history_note(lang: Lang, step: &str, note: &str, case: Option<&str>) -> String {
    if step == Step::ReviewPass.as_str() && case == Some(note) {
        return lang.t_str("hazard-note-tip-confirmed", &[("case", note)]);
    }
    if let Some(words) = crate::services::explanations::note_in_words(lang, step, note) {
        return words;
    }
    if step != Step::Assign.as_str() {
        return note.to_owned();
    }
    note.lines()
        .map(|line| match line.split_once('=') {
            Some((field, name)) => format!("{}：{name}", lang.t(&format!("hazard-{field}"))),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The hazard in words: names for codes, dates as dates.
fn hazard_json(
    names: Names,
    (offset, today): (chrono::FixedOffset, chrono::NaiveDate),
    v: &HazardView,
) -> Value {
    let lang = names.lang;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    // People by their display names (the username when the account is gone).
    let person = |u: &String| v.people.get(u).unwrap_or(u).clone();
    let history: Vec<Value> = v
        .history
        .iter()
        .map(|e| {
            json!({
                "at": local_datetime(e.at.and_utc(), offset, lang),
                "step": step_label(lang, &e.step),
                "by": person(&e.by),
                "note": history_note(
                    lang,
                    &e.step,
                    e.note.as_deref().unwrap_or_default(),
                    v.case_number.as_deref(),
                ),
                "date": date(e.date),
            })
        })
        .collect();
    json!({
        "id": v.id.0,
        "number": v.number,
        "status": v.status.as_str(),
        "status_label": lang.t(&format!("hazard-status-{}", v.status.as_str())),
        "source": lang.t(&format!("hazard-source-{}", v.source.as_str())),
        "case_number": v.case_number.clone().unwrap_or_default(),
        "enterprise": v.enterprise,
        "description": v.description,
        "grade": lang.t(&format!("severity-{}", v.grade)),
        "major": v.grade == crate::domain::tip::Severity::Major,
        "basis": v.basis.clone().unwrap_or_default(),
        "found_on": v.found_on.to_string(),
        "department": names.unit(&v.department),
        "street": v.street.as_deref().map(|s| names.unit(s)).unwrap_or_default(),
        "responsible_person": v.responsible_person,
        "supervisor": v.supervisor,
        "street_official": v.street_official.clone().unwrap_or_default(),
        "leader": v.leader.clone().unwrap_or_default(),
        "measures": v.measures,
        "deadline": v.deadline.to_string(),
        "original_deadline": date(Some(v.original_deadline).filter(|d| *d != v.deadline)),
        "suspend": v.suspend_operations,
        "resumed_on": date(v.resumed_on),
        "overdue": v.overdue,
        "rectified_on": date(v.rectified_on),
        "reviewed_by": v.reviewed_by.as_ref().map(person).unwrap_or_default(),
        "reviewed_on": date(v.reviewed_on),
        "escalated_on": date(v.escalated_on),
        "supervised": v.supervised,
        "listed": v.listed_supervision.as_ref().map(|l| listed_json(l, today)),
        "closed": v.status == HazardStatus::Closed,
        "created_by": person(&v.created_by),
        "history": history,
    })
}

/// Every error of a refused form, with its banner, for a form that shows them together.
fn all_errors(x: &Extras) -> Vec<String> {
    x.errors
        .values()
        .flatten()
        .cloned()
        .chain(Some(x.banner.clone()).filter(|b| !b.is_empty()))
        .collect()
}

/// The hazard page with what `x` adds to it.
async fn show(page: &Page, staff: &StaffSession, id: HazardId, x: Extras) -> PageResult {
    let v = page
        .run(staff, move |s, st| s.hazard(&st.staff, id))
        .await?;
    let services = &page.state.services;
    let (names, lang) = (page.names(), page.lang);
    let mut ctx = page.context(staff);
    let at = (services.offset, services.today());
    ctx.insert("h", &hazard_json(names, at, &v));
    let today = services.today().to_string();
    ctx.insert("forms", &forms(lang, &v, &today, &x));
    let explanations =
        super::case::explanations_json(lang, services.offset, &v.explanations, &v.people);
    ctx.insert("explanations", &explanations);
    ctx.insert(
        "may_acknowledge",
        &v.steps.contains(&Step::AcknowledgeExplanation),
    );
    let acknowledging = x
        .failed
        .as_ref()
        .filter(|f| f.action == Step::AcknowledgeExplanation.as_str());
    ctx.insert("acknowledging", &acknowledging);
    let acknowledging_id = acknowledging.and_then(|f| f.explanation_id.trim().parse::<i64>().ok());
    ctx.insert("acknowledging_id", &acknowledging_id);
    let errors = match acknowledging {
        Some(_) => all_errors(&x),
        None => Vec::new(),
    };
    ctx.insert("acknowledge_errors", &errors);
    ctx.insert("today", &today);
    ctx.insert("notice", &x.notice);
    let status = x.status.unwrap_or(StatusCode::OK);
    Ok(page.render("staff/hazard.html", &ctx, status))
}

pub async fn hazard_page(
    page: Page,
    staff: Staff<can::ReadCases>,
    path: web::Path<i64>,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let lang = page.lang;
    let notice = q.notice(lang, "hazard-done", |d| step_label(lang, d));
    let x = Extras {
        notice: notice.unwrap_or_default(),
        ..Extras::default()
    };
    show(&page, &staff.session, HazardId(path.into_inner()), x).await
}

/// One step from the hazard page: back to the page saying what was done, or the page again
/// with the refused form as typed and its errors (beside its fields, or above the forms).
pub async fn act(sent: TargetForm<can::ReadCases, StepForm, i64>) -> PageResult {
    let (to, form) = (sent.to, sent.form);
    let (id, input) = (HazardId(to.key), form.input());
    match to
        .run(move |s, st, _| s.hazard_act(&st.staff, id, &input))
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/staff/hazards/{}?done={}",
            id.0, form.action
        ))),
        Err(ServiceError::Validation(fields)) => {
            let x = Extras {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                errors: ApiError::field_messages(to.page.lang, &fields),
                failed: Some(form),
                ..Extras::default()
            };
            show(&to.page, &to.staff, id, x).await
        }
        Err(e) => {
            let (status, text) = mend(to.page.lang, e)?;
            let x = Extras {
                status: Some(status),
                banner: text,
                failed: Some(form),
                ..Extras::default()
            };
            show(&to.page, &to.staff, id, x).await
        }
    }
}
