//! Progress reports as pages: `/staff/reports` (a round's reports, and for the coordinator every
//! department's and sub-district's submission), `/staff/reports/new` (the period or a round and
//! the narrative; a refused form comes back as typed), `/staff/reports/{id}` (the frozen
//! figures, the narrative, the 编制 / 审核 / 签发 lines and the steps this staff member may take,
//! printable) and its CSV. The same over JSON is `web::reports`.

use crate::domain::report::{ReportStatus, ReportStep};
use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::exports::CsvFile;
use crate::services::reports::{Narrative, ReportInput, ReportList, ReportView};
use crate::web::error::ApiError;
use crate::web::extract::{Staff, StaffForm, can};
use crate::web::i18n::Lang;
use crate::web::oversight::round_links;
use crate::web::pages::{Names, Page, PageError, PageResult, mend, see_other};
use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A round asked for, or the period of a new report.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct RoundForm {
    from: String,
    to: String,
}

/// A new report as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct NewReportForm {
    from: String,
    to: String,
    #[serde(flatten)]
    narrative: Narrative,
}

/// Each field error as "label：message" (the labels are the form's).
fn messages(lang: Lang, e: ServiceError) -> Result<(StatusCode, Vec<String>), PageError> {
    match e {
        ServiceError::Validation(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::field_messages(lang, &fields)
                .into_iter()
                .map(|(field, texts)| {
                    let label = lang.t(&format!("report-field-{}", field.replace('.', "-")));
                    format!("{label}：{}", texts.join(" "))
                })
                .collect(),
        )),
        e => mend(lang, e).map(|(status, text)| (status, vec![text])),
    }
}

/// The scope's name: a unit, or the district's summary.
fn scope(names: &Names, unit: Option<&str>) -> String {
    match unit {
        Some(u) => names.unit(u),
        None => names.lang.t("report-summary"),
    }
}

fn status_words(lang: Lang, s: Option<ReportStatus>) -> String {
    match s {
        Some(s) => lang.t(&format!("report-status-{s}")),
        None => lang.t("report-status-none"),
    }
}

/// A saved report in words, for its page.
fn in_words(page: &Page, v: &ReportView) -> Value {
    let (lang, names) = (page.lang, page.names());
    let offset = page.state.services.offset;
    let at = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| crate::i18n::local_datetime(t.and_utc(), offset, lang))
            .unwrap_or_default()
    };
    let f = &v.figures;
    let pairs = |rows: &[(&str, String)]| -> Vec<Value> {
        rows.iter()
            .map(|(k, v)| json!({"label": lang.t(k), "value": v}))
            .collect()
    };
    let sources: Vec<Value> = f
        .campaign
        .found_by_source
        .iter()
        .map(|s| json!({"label": lang.t(&format!("hazard-source-{}", s.source)), "value": s.count}))
        .collect();
    let overdue: Vec<Value> = f
        .overdue_cases
        .iter()
        .map(|o| {
            json!({
                "case_number": o.case_number,
                "department": names.unit(&o.department),
                "street": o.street.as_deref().map(|s| names.unit(s)).unwrap_or_default(),
                "missed": lang.t(&format!("oversight-missed-{}", o.missed)),
                "due": o.due.to_string(),
                "days_late": o.days_late,
                "explanations": o.explanations.iter().map(|e| json!({
                    "text": e.text,
                    "new_date": e.new_date.map(|d| d.to_string()),
                    "standing": lang.t(&format!("explanation-{}", e.standing)),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let may = |s: ReportStep| v.steps.contains(&s);
    json!({
        "id": v.id,
        "scope": scope(&names, v.unit.as_deref()),
        "from": v.from.to_string(),
        "to": v.to.to_string(),
        "round": v.round.clone().unwrap_or_default(),
        "status": status_words(lang, Some(v.status)),
        "figures": pairs(&f.case_lines()),
        "campaign": pairs(&f.campaign_lines()),
        "sources": sources,
        "overdue": overdue,
        "narrative": {
            "progress": v.narrative.progress,
            "problems": v.narrative.problems,
            "next_steps": v.narrative.next_steps,
        },
        "prepared_by": v.prepared_by,
        "prepared_at": at(Some(v.prepared_at)),
        "reviewed_by": v.reviewed_by.clone().unwrap_or_default(),
        "reviewed_at": at(v.reviewed_at),
        "signed_by": v.signed_by.clone().unwrap_or_default(),
        "signed_at": at(v.signed_at),
        "signer_role": v.signer_role.map(|r| lang.t(&format!("report-signer-{r}"))).unwrap_or_default(),
        "submitted_by": v.submitted_by.clone().unwrap_or_default(),
        "submitted_at": at(v.submitted_at),
        "may_edit": may(ReportStep::Edit),
        "may_review": may(ReportStep::Review),
        "may_sign": may(ReportStep::Sign),
        "may_submit": may(ReportStep::Submit),
    })
}

pub async fn reports_page(
    page: Page,
    staff: Staff<can::Reports>,
    q: web::Query<RoundForm>,
) -> PageResult {
    let q = q.into_inner();
    let (from, to) = (q.from.clone(), q.to.clone());
    let mut ctx = page.context(&staff.session);
    let lang = page.lang;
    ctx.insert("rounds", &round_links(page.state.services.today(), lang));
    let listed = page
        .run(&staff.session, move |s, st| {
            s.reports(&st.staff, (Some(from.as_str()), Some(to.as_str())))
        })
        .await;
    let status = match listed {
        Ok(list) => {
            insert_round(&mut ctx, page.names(), &list);
            StatusCode::OK
        }
        Err(e) => {
            let (status, errors) = messages(lang, e)?;
            ctx.insert("q", &q);
            ctx.insert("reports", &Vec::<Value>::new());
            ctx.insert("units", &Vec::<Value>::new());
            ctx.insert("errors", &errors);
            status
        }
    };
    Ok(page.render("staff/reports.html", &ctx, status))
}

/// A round's reports and which units submitted theirs, in words.
fn insert_round(ctx: &mut tera::Context, names: Names, list: &ReportList) {
    let lang = names.lang;
    let reports: Vec<Value> = list
        .reports
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "scope": scope(&names, r.unit.as_deref()),
                "status": status_words(lang, Some(r.status)),
                "prepared_by": r.prepared_by,
                "signed_by": r.signed_by.clone().unwrap_or_default(),
            })
        })
        .collect();
    let units: Vec<Value> = list
        .units
        .iter()
        .map(|u| {
            json!({
                "name": names.unit(&u.unit), "report_id": u.report_id,
                "status": status_words(lang, u.status), "submitted": u.submitted,
            })
        })
        .collect();
    ctx.insert(
        "q",
        &json!({"from": list.from.to_string(), "to": list.to.to_string()}),
    );
    ctx.insert("reports", &reports);
    ctx.insert("units", &units);
    ctx.insert("errors", &Vec::<String>::new());
}

fn new_form_page(
    page: &Page,
    staff: &StaffSession,
    form: &NewReportForm,
    errors: &[String],
    status: StatusCode,
) -> PageResult {
    let mut ctx = page.context(staff);
    let names = page.names();
    ctx.insert("scope", &scope(&names, staff.staff.unit.as_deref()));
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert(
        "rounds",
        &round_links(page.state.services.today(), page.lang),
    );
    Ok(page.render("staff/report_new.html", &ctx, status))
}

pub async fn new_report(
    page: Page,
    staff: Staff<can::Reports>,
    q: web::Query<RoundForm>,
) -> PageResult {
    let q = q.into_inner();
    let form = NewReportForm {
        from: q.from,
        to: q.to,
        ..NewReportForm::default()
    };
    new_form_page(&page, &staff.session, &form, &[], StatusCode::OK)
}

pub async fn save_report(page: Page, sent: StaffForm<can::Reports, NewReportForm>) -> PageResult {
    let (staff, form) = (sent.staff.session, sent.form);
    let input = ReportInput {
        unit: None,
        from: Some(form.from.clone()),
        to: Some(form.to.clone()),
        narrative: Some(form.narrative.clone()),
    };
    match page
        .run(&staff, move |s, st| s.create_report(&st.staff, &input))
        .await
    {
        Ok(v) => Ok(see_other(&format!("/staff/reports/{}", v.id))),
        Err(e) => {
            let (status, errors) = messages(page.lang, e)?;
            new_form_page(&page, &staff, &form, &errors, status)
        }
    }
}

/// What a refused form on the report's page brings back: the narrative as typed with its
/// errors, or a refused step's message above the report.
#[derive(Default)]
struct Refused<'a> {
    typed: Option<&'a Narrative>,
    errors: Vec<String>,
    banner: String,
}

/// The report's page.
async fn show(
    page: &Page,
    staff: &StaffSession,
    id: i64,
    refused: Refused<'_>,
    status: StatusCode,
) -> PageResult {
    let v = page
        .run(staff, move |s, st| s.report(&st.staff, id))
        .await?;
    let mut ctx = page.context(staff);
    ctx.insert("r", &in_words(page, &v));
    let form = match refused.typed {
        Some(f) => f.clone(),
        None => v.narrative.clone(),
    };
    ctx.insert("form", &form);
    ctx.insert("errors", &refused.errors);
    ctx.insert("banner", &refused.banner);
    Ok(page.render("staff/report_saved.html", &ctx, status))
}

pub async fn report_page(page: Page, staff: Staff<can::Reports>, id: web::Path<i64>) -> PageResult {
    let id = id.into_inner();
    show(
        &page,
        &staff.session,
        id,
        Refused::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn edit_report(
    page: Page,
    id: web::Path<i64>,
    sent: StaffForm<can::Reports, Narrative>,
) -> PageResult {
    let (id, staff, form) = (id.into_inner(), sent.staff.session, sent.form);
    let input = form.clone();
    let done = page
        .run(&staff, move |s, st| {
            s.report_step(&st.staff, id, ReportStep::Edit, Some(&input))
        })
        .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/staff/reports/{id}"))),
        Err(e) => {
            let (status, errors) = messages(page.lang, e)?;
            let typed = Refused {
                typed: Some(&form),
                errors,
                ..Refused::default()
            };
            show(&page, &staff, id, typed, status).await
        }
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct Nothing {}

pub async fn report_step(
    page: Page,
    path: web::Path<(i64, String)>,
    sent: StaffForm<can::Reports, Nothing>,
) -> PageResult {
    let (id, step) = path.into_inner();
    let step = match step.parse::<ReportStep>() {
        Ok(s @ (ReportStep::Review | ReportStep::Sign | ReportStep::Submit)) => s,
        _ => return Err(PageError::NotFound),
    };
    let staff = sent.staff.session;
    let done = page
        .run(&staff, move |s, st| {
            s.report_step(&st.staff, id, step, None)
        })
        .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/staff/reports/{id}"))),
        Err(e) => {
            let (status, errors) = messages(page.lang, e)?;
            let banner = Refused {
                banner: errors.join(" "),
                ..Refused::default()
            };
            show(&page, &staff, id, banner, status).await
        }
    }
}

pub async fn report_csv(
    page: Page,
    staff: Staff<can::Reports>,
    id: web::Path<i64>,
) -> Result<CsvFile, PageError> {
    let (id, lang) = (id.into_inner(), page.lang);
    Ok(page
        .run(&staff.session, move |s, st| {
            s.report_file(&st.staff, id, lang)
        })
        .await?)
}
