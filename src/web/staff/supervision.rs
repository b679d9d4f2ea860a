//! Supervision and accountability as a page (`/staff/supervision`): the period's findings of the
//! supervision groups, the timeliness of public and media tips per unit, the accountability
//! records, and the forms to record a finding (inspector, coordinator) and a measure
//! (coordinator). The same over JSON is `web::supervision`.

use crate::domain::supervision::{
    AccountabilityFilter, AccountabilityKind, Conclusion, FindingKind,
};
use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::supervision::{AccountabilityInput, FindingInput, FindingView, Timeliness};
use crate::web::extract::{Staff, StaffForm, allows, can};
use crate::web::pages::{Choice, Page, PageResult, mend};
use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// The period asked for.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct PeriodForm {
    from: String,
    to: String,
    /// A supervision group's code: its findings alone.
    group: String,
}

/// A finding as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct FindingForm {
    kind: String,
    unit: String,
    case_number: String,
    finding: String,
    conclusion: String,
}

/// An accountability measure as typed; case numbers separated by spaces, commas or new lines.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct AccountabilityForm {
    kind: String,
    unit: String,
    case_numbers: String,
    decided_on: String,
    summary: String,
}

/// What the page shows besides the lists: the forms as typed and what was wrong with them.
#[derive(Default)]
struct Typed {
    finding: FindingForm,
    finding_errors: Vec<String>,
    measure: AccountabilityForm,
    measure_errors: Vec<String>,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Each field error as "label：message".
fn messages(
    page: &Page,
    e: ServiceError,
) -> Result<(StatusCode, Vec<String>), crate::web::pages::PageError> {
    let lang = page.lang;
    match e {
        ServiceError::Validation(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .iter()
                .map(|f| {
                    let label = lang
                        .try_t(&format!("supervision-field-{}", f.field))
                        .unwrap_or_else(|| f.field.to_owned());
                    format!("{label}：{}", lang.field(f.key, &f.args))
                })
                .collect(),
        )),
        e => mend(lang, e).map(|(status, text)| (status, vec![text])),
    }
}

/// The most tips of one unit the supervision page lists (late ones first).
const TIMELY_SHOWN: usize = 20;

async fn show(
    page: &Page,
    session: &StaffSession,
    period: PeriodForm,
    typed: Typed,
    status: StatusCode,
) -> PageResult {
    let (from, to) = (opt(&period.from), opt(&period.to));
    let both = (from.clone(), to.clone());
    let group = opt(&period.group);
    let (g, unit) = (group.clone(), session.staff.scope());
    let (found, timely, records) = page
        .run(session, move |s, st| {
            let scope = (None, g.as_deref());
            let found = s.findings(&st.staff, scope, (from.as_deref(), to.as_deref()))?;
            let timely = s.timeliness_kept(&st.staff, (both.0.as_deref(), both.1.as_deref()))?;
            let filter = AccountabilityFilter {
                unit,
                ..AccountabilityFilter::default()
            };
            Ok((found, timely, s.accountability(&st.staff, filter)?))
        })
        .await?;
    let (lang, names) = (page.lang, page.names());
    let (from, to, findings) = found;
    let findings = finding_rows(page, &findings);
    let units = timely_rows(page, &timely);
    let measures = measure_rows(&records, names, lang);
    let role = session.staff.role;
    let mut ctx = page.context(session);
    ctx.insert("from", &from.to_string());
    ctx.insert("to", &to.to_string());
    ctx.insert("findings", &findings);
    ctx.insert("group", &group.unwrap_or_default());
    ctx.insert("units", &units);
    ctx.insert("measures", &measures);
    insert_choices(&mut ctx, page);
    insert_forms(&mut ctx, role, &typed);
    Ok(page.render("staff/supervision.html", &ctx, status))
}

pub async fn supervision_page(
    page: Page,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodForm>,
) -> PageResult {
    let typed = Typed {
        measure: AccountabilityForm {
            decided_on: page.state.services.today().to_string(),
            ..AccountabilityForm::default()
        },
        ..Typed::default()
    };
    show(&page, &staff.session, q.into_inner(), typed, StatusCode::OK).await
}

/// The page after a form was sent: with the record listed (201), or with the form as typed and
/// what was wrong with it (`refused` puts the form and its messages in place).
async fn answered(
    page: &Page,
    session: &StaffSession,
    outcome: Result<(), ServiceError>,
    refused: impl FnOnce(Vec<String>) -> Typed,
) -> PageResult {
    let (typed, status) = match outcome {
        Ok(()) => (Typed::default(), StatusCode::CREATED),
        Err(e) => {
            let (status, errors) = messages(page, e)?;
            (refused(errors), status)
        }
    };
    show(page, session, PeriodForm::default(), typed, status).await
}

/// Records a finding; the page comes back with it listed, or with the form as typed.
pub async fn record_finding(
    page: Page,
    sent: StaffForm<can::RecordFindings, FindingForm>,
) -> PageResult {
    let (session, form) = (sent.staff.session.clone(), sent.form);
    let input = FindingInput {
        kind: opt(&form.kind),
        unit: opt(&form.unit),
        case_number: opt(&form.case_number),
        hazard_id: None,
        finding: opt(&form.finding),
        conclusion: opt(&form.conclusion),
    };
    let member = session.staff.clone();
    let outcome = page
        .state
        .services
        .blocking(move |s| s.record_finding(&member, &input))
        .await;
    answered(&page, &session, outcome.map(drop), |errors| Typed {
        finding: form,
        finding_errors: errors,
        ..Typed::default()
    })
    .await
}

/// Records an accountability measure (the coordinator).
pub async fn record_accountability(
    page: Page,
    sent: StaffForm<can::RecordAccountability, AccountabilityForm>,
) -> PageResult {
    let (session, form) = (sent.staff.session.clone(), sent.form);
    let cases: Vec<String> = form
        .case_numbers
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let input = AccountabilityInput {
        kind: opt(&form.kind),
        unit: opt(&form.unit),
        enterprise_id: None,
        case_numbers: Some(cases),
        decided_on: opt(&form.decided_on),
        summary: opt(&form.summary),
    };
    let member = session.staff.clone();
    let outcome = page
        .state
        .services
        .blocking(move |s| s.record_accountability(&member, &input))
        .await;
    answered(&page, &session, outcome.map(drop), |errors| Typed {
        measure: form,
        measure_errors: errors,
        ..Typed::default()
    })
    .await
}

/// The findings recorded in the period, in words.
fn finding_rows(page: &Page, findings: &[FindingView]) -> Vec<serde_json::Value> {
    let (lang, names, services) = (page.lang, page.names(), &page.state.services);
    findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "kind": lang.t(&format!("finding-kind-{}", f.kind)),
                "unit": names.unit(&f.unit),
                "case_number": f.case_number,
                "hazard_number": f.hazard_number,
                "finding": f.finding,
                "problem": f.conclusion == Conclusion::Problem,
                "conclusion": lang.t(&format!("finding-conclusion-{}", f.conclusion)),
                "by": f.recorded_by_name,
                "group": f.group.as_deref().map(|g| services.group_name(g, lang)).unwrap_or_default(),
                "on": f.recorded_at.date().to_string(),
            })
        })
        .collect()
}

/// Each unit's timeliness: the late ones come first; a twelve-week period of a busy district
/// holds tens of thousands of tips, so the page shows the first of each unit (the JSON has all).
fn timely_rows(page: &Page, timely: &Timeliness) -> Vec<serde_json::Value> {
    let (lang, names) = (page.lang, page.names());
    let yes_no = |v: Option<bool>| match v {
        None => lang.t("timely-not-due"),
        Some(true) => lang.t("timely-yes"),
        Some(false) => lang.t("timely-no"),
    };
    timely
        .units
        .iter()
        .map(|u| {
            let tips: Vec<serde_json::Value> = u
                .tips
                .iter()
                .take(TIMELY_SHOWN)
                .map(|t| {
                    serde_json::json!({
                        "case_number": t.case_number,
                        "channel": lang.t(&format!("history-channel-{}", t.channel)),
                        "submitted": t.submitted.to_string(),
                        "accepted": yes_no(t.accepted_in_time),
                        "verified": yes_no(t.verified_in_time),
                        "late": t.late(),
                    })
                })
                .collect();
            serde_json::json!({
                "unit": names.unit(&u.unit), "late": u.late, "count": u.tips.len(),
                "shown": tips.len(), "tips": tips,
            })
        })
        .collect()
}

/// Whether this role may record findings and measures, and those forms as typed (with their
/// errors after a refusal).
fn insert_forms(ctx: &mut tera::Context, role: crate::domain::roles::Role, typed: &Typed) {
    ctx.insert("may_find", &allows::<can::RecordFindings>(role));
    ctx.insert("may_hold", &allows::<can::RecordAccountability>(role));
    ctx.insert("finding", &typed.finding);
    ctx.insert("finding_errors", &typed.finding_errors);
    ctx.insert("measure", &typed.measure);
    ctx.insert("measure_errors", &typed.measure_errors);
}

/// The supervision groups, kinds of finding, conclusions, kinds of measure and units the
/// filter and forms offer, in words.
fn insert_choices(ctx: &mut tera::Context, page: &Page) {
    let (lang, names) = (page.lang, page.names());
    let groups = Choice::groups(&page.state.services.supervision_groups, lang);
    ctx.insert("groups", &groups);
    ctx.insert(
        "finding_kinds",
        &Choice::labelled(
            lang,
            "finding-kind",
            FindingKind::VARIANTS.iter().map(|k| k.as_str()),
        ),
    );
    ctx.insert(
        "conclusions",
        &Choice::labelled(
            lang,
            "finding-conclusion",
            Conclusion::VARIANTS.iter().map(|k| k.as_str()),
        ),
    );
    ctx.insert(
        "measure_kinds",
        &Choice::labelled(
            lang,
            "accountability-kind",
            AccountabilityKind::VARIANTS.iter().map(|k| k.as_str()),
        ),
    );
    ctx.insert("unit_choices", &names.unit_choices());
}

/// Accountability records as the pages show them (the supervision page, a unit's dashboard and
/// report): the measure and its target in words.
pub fn measure_rows(
    records: &[crate::services::supervision::AccountabilityView],
    names: crate::services::names::Names,
    lang: crate::web::i18n::Lang,
) -> Vec<serde_json::Value> {
    records
        .iter()
        .map(|r| {
            let target = [
                r.unit.as_deref().map(|u| names.unit(u)),
                r.enterprise.clone(),
            ];
            serde_json::json!({
                "kind": lang.t(&format!("accountability-kind-{}", r.kind)),
                "target": target.into_iter().flatten().collect::<Vec<_>>().join(" · "),
                "enterprise_id": r.enterprise_id,
                "cases": r.case_numbers,
                "decided_on": r.decided_on.to_string(),
                "summary": r.summary,
                "by": r.recorded_by_name,
            })
        })
        .collect()
}
