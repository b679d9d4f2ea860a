//! The oversight pages: the staff dashboard with its charts (server-drawn SVG, each followed by
//! the table it shows), the evaluation table (成效评估) and the printable periodic progress report
//! (`tipline report` writes the same page to a file), and the answers of their CSV files (written
//! by `services::exports`).

use super::AppState;
use super::extract::{Staff, can};
use super::i18n::Lang;
use super::pages::{Choice, Names, Page, PageError, PageResult, context, refusal_text, render};
use crate::domain::catalog::Catalog;
use crate::domain::metrics::Group;
use crate::domain::supervision::AccountabilityFilter;
use crate::services::exports::{CsvFile, OversightFile};
use crate::services::oversight::{Oversight, Round, days, pct, rounds, score};
use crate::services::{ServiceError, Services};
use actix_web::{Either, HttpResponse, http::StatusCode, web};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PeriodQuery {
    pub from: String,
    pub to: String,
    pub unit: String,
}

fn row(label: String, g: &Group) -> Value {
    json!({
        "key": g.key,
        "label": label,
        "received": g.received,
        "accepted": g.accepted,
        "found_true": g.found_true,
        "rectified": g.rectified,
        "overdue": g.overdue,
        "overdue_explained": g.overdue_explained,
        "overdue_accepted": g.overdue_accepted,
        "acceptance_in_time": pct(g.acceptance_in_time),
        "verification_in_time": pct(g.verification_in_time),
        "rectification_done": pct(g.rectification_done),
        "score": score(g),
        "median_acceptance": days(g.median_days_to_acceptance),
        "p90_acceptance": days(g.p90_days_to_acceptance),
        "median_verification": days(g.median_days_to_verification),
        "p90_verification": days(g.p90_days_to_verification),
        "median_rectification": days(g.median_days_to_rectification),
        "p90_rectification": days(g.p90_days_to_rectification),
    })
}

/// A unit's entered judgments (成效评估) in words: each part's label, score and note; null when
/// none were entered (the page says 未评分).
fn judgments(lang: Lang, g: &Group, notes: Option<&crate::services::evaluation::Notes>) -> Value {
    let Some(j) = g.judgments else {
        return Value::Null;
    };
    let scores = [
        j.leadership,
        j.hazard_screening,
        j.rectification_in_place,
        j.accident_prevention,
    ];
    let parts: Vec<Value> = crate::services::evaluation::PARTS
        .iter()
        .zip(scores)
        .enumerate()
        .map(|(i, (part, score))| {
            let note = notes.and_then(|n| n[i].clone()).unwrap_or_default();
            json!({"label": lang.t(&format!("evaluation-{part}")), "score": score, "note": note})
        })
        .collect();
    json!(parts)
}

/// Horizontal bars (one per row) as geometry for the SVG in the template: received in full,
/// found true and rectified drawn over it.
fn bars(names: Names, groups: &[Group]) -> Value {
    let max = groups.iter().map(|g| g.received).max().unwrap_or(0).max(1) as f64;
    let width = 200.0;
    let rows: Vec<Value> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let w = |n: i64| (n as f64 / max * width * 10.0).round() / 10.0;
            let name = names.sector(&g.key);
            let short = if name.chars().count() > 9 {
                format!("{}…", name.chars().take(8).collect::<String>())
            } else {
                name
            };
            json!({
                "y": i * 22,
                "short": short,
                "received": g.received,
                "w_received": w(g.received),
                "w_found": w(g.found_true),
                "w_rectified": w(g.rectified),
            })
        })
        .collect();
    json!({ "height": groups.len() * 22, "rows": rows })
}

/// Vertical bars of tips received per week, in a 400 × 134 drawing: the count scale on the left,
/// the bars in the middle 100 units, and under them the first day of every few weeks (at most
/// seven labels, so they never overlap).
fn trend(weekly: &[(chrono::NaiveDate, i64)]) -> Value {
    const LEFT: f64 = 26.0;
    const WIDTH: f64 = 366.0;
    let max = weekly.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let n = weekly.len().max(1);
    let step = WIDTH / n as f64;
    let every = n.div_ceil(7);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let rows: Vec<Value> = weekly
        .iter()
        .enumerate()
        .map(|(i, (week, count))| {
            let h = round(*count as f64 / max * 100.0);
            let x = round(LEFT + i as f64 * step + step * 0.15);
            let labelled = i % every == 0;
            json!({ "x": x, "w": round(step * 0.7), "h": h, "y": round(110.0 - h), "week": week.to_string(),
                    "label": labelled.then(|| week.format("%m-%d").to_string()), "mid": round(x + step * 0.35), "n": count })
        })
        .collect();
    json!({ "left": LEFT, "right": LEFT + WIDTH, "max": max as i64, "rows": rows })
}

/// Everything the dashboard and the report templates show (the overdue list only for the
/// report).
pub fn view(catalog: &Catalog, lang: Lang, o: &Oversight, with_overdue: bool) -> Value {
    let names = Names::new(catalog, lang);
    let rows = |gs: &[Group], name: &dyn Fn(&str) -> String| {
        gs.iter().map(|g| row(name(&g.key), g)).collect::<Vec<_>>()
    };
    let (sectors, streets, departments) = (
        rows(&o.by_sector, &|k| names.sector(k)),
        rows(&o.by_street, &|k| names.unit(k)),
        rows(&o.by_department, &|k| names.unit(k)),
    );
    let judged = |gs: &[Group]| -> Vec<Value> {
        gs.iter()
            .map(|g| {
                let mut r = row(names.unit(&g.key), g);
                r["computed"] = json!(days(g.computed_score));
                r["judgments"] = judgments(lang, g, o.judgment_notes.get(&g.key));
                r
            })
            .collect()
    };
    let overdue: Vec<Value> = o
        .overdue
        .iter()
        .take(if with_overdue { usize::MAX } else { 0 })
        .map(|c| {
            json!({
                "case_number": c.case_number,
                "sector": names.sector(&c.sector),
                "street": c.street.as_deref().map(|s| names.unit(s)).unwrap_or_default(),
                "department": names.unit(&c.department),
                "status": lang.t(&format!("status-{}", c.status)),
                "missed": lang.t(&format!("oversight-missed-{}", c.missed.as_str())),
                "due": c.due.to_string(),
                "days_late": c.days_late,
                "explanations": c.explanations.iter().map(|e| json!({
                    "text": e.text,
                    "standing": lang.t(&format!("explanation-{}", e.standing())),
                    "new_date": e.new_date.map(|d| d.to_string()).unwrap_or_default(),
                    "by": e.by.clone().unwrap_or_default(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "scope": o.scope_name(names),
        "unit": o.unit.clone().unwrap_or_default(),
        "from": o.from.to_string(),
        "to": o.to.to_string(),
        "total": row(o.scope_name(names), &o.total),
        "count_tables": [
            {"id": "by-sector", "caption": lang.t("oversight-by-sector"), "head": lang.t("list-col-sector"), "rows": sectors},
            {"id": "by-street", "caption": lang.t("oversight-by-street"), "head": lang.t("list-col-street"), "rows": streets.clone()},
            {"id": "by-department", "caption": lang.t("oversight-by-department"), "head": lang.t("oversight-departments"), "rows": departments.clone()},
            {"id": "by-channel", "caption": lang.t("oversight-by-channel"), "head": lang.t("oversight-col-channel"), "rows": rows(&o.by_channel, &|k| lang.t(&format!("history-channel-{k}")))},
        ],
        "evaluation_tables": [
            {"id": "evaluation-streets", "caption": lang.t("oversight-streets"), "rows": judged(&o.by_street)},
            {"id": "evaluation-departments", "caption": lang.t("oversight-departments"), "rows": judged(&o.by_department)},
        ],
        "sector_bars": bars(names, &o.by_sector),
        "trend": trend(&o.weekly),
        "overdue": overdue,
    })
}

/// The progress report as a file of its own (the stylesheet inlined): what `tipline report`
/// writes, of the figures of [`Services::oversight_of`].
pub fn standalone_report(
    services: &Services,
    lang: Lang,
    o: &Oversight,
) -> Result<String, ServiceError> {
    let pages = super::render::Pages::new(false)?;
    let mut ctx = pages.context(lang, None);
    ctx.insert("o", &view(&services.catalog, lang, o, true));
    ctx.insert("inline_css", super::render::CSS);
    ctx.insert("may_score", &false);
    ctx.insert("query", "");
    ctx.insert("form_errors", &Vec::<String>::new());
    Ok(pages.render_to_string("staff/report.html", &ctx)?)
}

/// Checks the scope and the period and computes the figures.
async fn figures(
    state: &AppState,
    staff: &Staff<can::ReadOversight>,
    q: &PeriodQuery,
) -> Result<Oversight, ServiceError> {
    let st = staff.member().clone();
    let PeriodQuery { from, to, unit } = q.clone();
    state
        .services
        .blocking(move |s| s.oversight_for(&st, &unit, &from, &to))
        .await
}

/// The reporting rounds as the period form's one-click links.
pub fn round_links(today: chrono::NaiveDate, lang: Lang) -> Vec<Value> {
    let link = |(key, from, to): Round| json!({"label": lang.t(key), "from": from.to_string(), "to": to.to_string()});
    rounds(today).into_iter().map(link).collect()
}

/// The units a staff member may choose on the dashboard.
fn unit_choices(state: &AppState, lang: Lang, staff: &Staff<can::ReadOversight>) -> Vec<Choice> {
    let names = Names::new(&state.services.catalog, lang);
    match staff.member().unit.as_deref() {
        Some(own) => vec![Choice {
            code: own.to_owned(),
            name: names.unit(own),
        }],
        None => names.unit_choices(),
    }
}

/// The query of a checked period and scope (dates and catalog codes: nothing to encode).
fn query_string(q: &PeriodQuery) -> String {
    format!("from={}&to={}&unit={}", q.from, q.to, q.unit)
}

/// The scopes and rounds this staff member may choose, and whether they may score.
fn insert_choices(
    ctx: &mut tera::Context,
    state: &AppState,
    lang: Lang,
    staff: &Staff<can::ReadOversight>,
) {
    ctx.insert("units", &unit_choices(state, lang, staff));
    ctx.insert("may_choose_unit", &staff.member().unit.is_none());
    let may_score = crate::domain::access::Permission::ScoreEvaluation;
    ctx.insert("may_score", &staff.member().may(may_score));
    ctx.insert("rounds", &round_links(state.services.today(), lang));
}

async fn figures_page(
    page: Page,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
    template: &str,
) -> PageResult {
    let Page { state, req, lang } = page;
    let q = q.into_inner();
    let mut ctx = context(&state, &req, lang, Some(&staff.session));
    ctx.insert("q", &json!({"from": q.from, "to": q.to, "unit": q.unit}));
    insert_choices(&mut ctx, &state, lang, &staff);
    match figures(&state, &staff, &q).await {
        Ok(o) => {
            let report = template == "staff/report.html";
            ctx.insert("o", &view(&state.services.catalog, lang, &o, report));
            if !report {
                let listed = listed_section(&state, lang, &staff, o.unit.clone()).await?;
                ctx.insert("listed", &listed);
            }
            ctx.insert("measures", &measures(&state, lang, &staff, &o).await?);
            let period = PeriodQuery {
                from: o.from.to_string(),
                to: o.to.to_string(),
                unit: o.unit.clone().unwrap_or_default(),
            };
            ctx.insert("query", &query_string(&period));
            ctx.insert("form_errors", &Vec::<String>::new());
            Ok(render(&state, &req, template, &ctx, StatusCode::OK))
        }
        Err(e @ ServiceError::Validation(_)) => {
            let (status, text) = refusal_text(lang, &e);
            ctx.insert("o", &Value::Null);
            ctx.insert("query", "");
            ctx.insert("form_errors", &vec![text]);
            Ok(render(&state, &req, template, &ctx, status))
        }
        Err(e) => Err(e.into()),
    }
}

/// The accountability measures decided in the period and scope, as rows.
async fn measures(
    state: &AppState,
    lang: Lang,
    staff: &Staff<can::ReadOversight>,
    o: &Oversight,
) -> Result<Vec<Value>, PageError> {
    let filter = AccountabilityFilter {
        unit: o.unit.clone(),
        from: Some(o.from),
        to: Some(o.to),
        ..AccountabilityFilter::default()
    };
    let st = staff.member().clone();
    let records = state
        .services
        .blocking(move |s| s.accountability(&st, filter))
        .await?;
    let names = Names::new(&state.services.catalog, lang);
    Ok(crate::web::staff::supervision::measure_rows(
        &records, names, lang,
    ))
}

/// The dashboard's 挂牌督办 section: the scope's cases and hazards under listed supervision,
/// those past their due date first.
async fn listed_section(
    state: &AppState,
    lang: Lang,
    staff: &Staff<can::ReadOversight>,
    unit: Option<String>,
) -> Result<Vec<Value>, PageError> {
    let st = staff.member().clone();
    let items = state
        .services
        .blocking(move |s| s.listed_in_scope(&st, unit.as_deref()))
        .await?;
    let names = Names::new(&state.services.catalog, lang);
    Ok(items
        .iter()
        .map(|i| {
            let href = match i.hazard {
                Some(id) => format!("/staff/hazards/{}", id.0),
                None => format!("/staff/tips/{}", i.number),
            };
            json!({
                "number": i.number, "href": href, "reason": i.listing.reason,
                "due": i.listing.due.to_string(), "overdue": i.overdue, "by": i.listing.by_name,
                "kind": lang.t(if i.hazard.is_some() { "listing-kind-hazard" } else { "listing-kind-case" }),
                "unit": names.unit(&i.department),
                "street": i.street.as_deref().map(|s| names.unit(s)).unwrap_or_default(),
            })
        })
        .collect())
}

pub async fn dashboard(
    page: Page,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
) -> PageResult {
    figures_page(page, staff, q, "staff/dashboard.html").await
}

pub async fn report(
    page: Page,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
) -> PageResult {
    figures_page(page, staff, q, "staff/report.html").await
}

/// A file of the figures, or the refusal of a malformed period as text.
async fn csv_answer(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
    file: OversightFile,
) -> Result<Either<CsvFile, HttpResponse>, PageError> {
    let st = staff.member().clone();
    let PeriodQuery { from, to, unit } = q.into_inner();
    let answer = state
        .services
        .blocking(move |s| s.oversight_file(&st, file, lang, &unit, &from, &to))
        .await;
    match answer {
        Ok(file) => Ok(Either::Left(file)),
        Err(e @ ServiceError::Validation(_)) => {
            let (status, text) = refusal_text(lang, &e);
            Ok(Either::Right(
                HttpResponse::build(status)
                    .content_type("text/plain; charset=utf-8")
                    .body(text),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn evaluation_export(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
) -> Result<Either<CsvFile, HttpResponse>, PageError> {
    csv_answer(state, lang, staff, q, OversightFile::Evaluation).await
}

pub async fn report_export(
    state: web::Data<AppState>,
    lang: Lang,
    staff: Staff<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
) -> Result<Either<CsvFile, HttpResponse>, PageError> {
    csv_answer(state, lang, staff, q, OversightFile::Report).await
}
