//! The coordinator's form for a unit's evaluation judgments (成效评估: 组织领导, 隐患排查,
//! 整改到位, 事故防控, each 0–100 with a note) for one period, reached from the evaluation table.
//! Saved, it returns to the dashboard of that period; refused, it comes back as typed.

use crate::services::ServiceError;
use crate::services::auth::StaffSession;
use crate::services::evaluation::{EvaluationScores, NOTE_FIELDS, PARTS, ScoresInput};
use crate::web::extract::{Staff, can};
use crate::web::pages::{Page, PageResult, TargetForm, mend, see_other};
use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The period asked for (the form carries it back as hidden fields).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct PeriodQuery {
    from: String,
    to: String,
}

/// The judgments as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ScoreForm {
    from: String,
    to: String,
    leadership: String,
    leadership_note: String,
    hazard_screening: String,
    hazard_screening_note: String,
    rectification_in_place: String,
    rectification_in_place_note: String,
    accident_prevention: String,
    accident_prevention_note: String,
}

impl ScoreForm {
    fn input(&self) -> ScoresInput {
        let n = |s: &str| Some(Value::String(s.to_owned()));
        let t = |s: &str| Some(s.to_owned());
        ScoresInput {
            leadership: n(&self.leadership),
            leadership_note: t(&self.leadership_note),
            hazard_screening: n(&self.hazard_screening),
            hazard_screening_note: t(&self.hazard_screening_note),
            rectification_in_place: n(&self.rectification_in_place),
            rectification_in_place_note: t(&self.rectification_in_place_note),
            accident_prevention: n(&self.accident_prevention),
            accident_prevention_note: t(&self.accident_prevention_note),
        }
    }

    fn from_scores(v: &EvaluationScores) -> ScoreForm {
        let note = |n: &Option<String>| n.clone().unwrap_or_default();
        ScoreForm {
            from: v.from.to_string(),
            to: v.to.to_string(),
            leadership: v.leadership.score.to_string(),
            leadership_note: note(&v.leadership.note),
            hazard_screening: v.hazard_screening.score.to_string(),
            hazard_screening_note: note(&v.hazard_screening.note),
            rectification_in_place: v.rectification_in_place.score.to_string(),
            rectification_in_place_note: note(&v.rectification_in_place.note),
            accident_prevention: v.accident_prevention.score.to_string(),
            accident_prevention_note: note(&v.accident_prevention.note),
        }
    }
}

/// The form page: the unit, the period, each part with what was typed and its errors.
fn show(
    page: &Page,
    session: &StaffSession,
    unit: &str,
    form: &ScoreForm,
    (errors, status): (Vec<String>, StatusCode),
) -> PageResult {
    let (lang, names) = (page.lang, page.names());
    let values = serde_json::to_value(form).unwrap_or_default();
    let parts: Vec<Value> = PARTS
        .iter()
        .zip(NOTE_FIELDS)
        .map(|(part, note)| {
            json!({
                "name": part, "note_name": note,
                "label": lang.t(&format!("evaluation-{part}")),
                "value": values[part], "note": values[note],
            })
        })
        .collect();
    let mut ctx = page.context(session);
    ctx.insert("unit", unit);
    ctx.insert("unit_name", &names.unit(unit));
    ctx.insert("form", form);
    ctx.insert("parts", &parts);
    ctx.insert("form_errors", &errors);
    Ok(page.render("staff/evaluation.html", &ctx, status))
}

pub async fn scores_page(
    page: Page,
    staff: Staff<can::ScoreEvaluation>,
    path: web::Path<String>,
    q: web::Query<PeriodQuery>,
) -> PageResult {
    let (unit, q) = (path.into_inner(), q.into_inner());
    let (u, p) = (unit.clone(), q.clone());
    let entered = page
        .run(&staff.session, move |s, st| {
            s.entered_scores(&st.staff, &u, (Some(&p.from), Some(&p.to)))
        })
        .await;
    let form = match entered {
        Ok(Some(v)) => ScoreForm::from_scores(&v),
        Ok(None) => ScoreForm {
            from: q.from,
            to: q.to,
            ..ScoreForm::default()
        },
        Err(e @ ServiceError::Validation(_)) => {
            let (status, text) = mend(page.lang, e)?;
            let form = ScoreForm {
                from: q.from,
                to: q.to,
                ..ScoreForm::default()
            };
            return show(&page, &staff.session, &unit, &form, (vec![text], status));
        }
        Err(e) => return Err(e.into()),
    };
    show(
        &page,
        &staff.session,
        &unit,
        &form,
        (Vec::new(), StatusCode::OK),
    )
}

pub async fn enter_scores(sent: TargetForm<can::ScoreEvaluation, ScoreForm>) -> PageResult {
    let (to, form) = (sent.to, sent.form);
    let (f, input) = (form.clone(), form.input());
    let outcome = to
        .run(move |s, st, unit| {
            s.enter_scores(&st.staff, unit, (Some(&f.from), Some(&f.to)), &input)
        })
        .await;
    match outcome {
        Ok(v) => Ok(see_other(&format!(
            "/staff/dashboard?from={}&to={}#evaluation",
            v.from, v.to
        ))),
        Err(e) => {
            let lang = to.page.lang;
            let errors = match e {
                ServiceError::Validation(fields) => fields
                    .iter()
                    .map(|f| {
                        let label = lang
                            .try_t(&format!("evaluation-{}", f.field))
                            .unwrap_or_else(|| f.field.to_owned());
                        format!("{label}：{}", lang.field(f.key, &f.args))
                    })
                    .collect(),
                e => vec![mend(lang, e)?.1],
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show(&to.page, &to.staff, &to.key, &form, (errors, status))
        }
    }
}
