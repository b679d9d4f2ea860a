//! The three lists as CSV (UTF-8 with a BOM, so Excel reads the Chinese) and, for the staff
//! pages, as rows ready to show. Cells are neutralised against spreadsheet formulas: a reporter
//! writes some of this text.

use super::AppState;
use super::error::{ApiError, Code};
use super::extract::{ApiStaff, can};
use super::i18n::Lang;
use crate::domain::catalog::Catalog;
use crate::services::lists::{ListKind, ListRow};
use actix_web::{HttpResponse, web};

/// The columns, in order, as message keys.
pub const COLUMNS: &[&str] = &[
    "list-col-case",
    "list-col-sector",
    "list-col-street",
    "list-col-enterprise",
    "list-col-address",
    "list-col-hazard",
    "list-col-level",
    "list-col-department",
    "list-col-responsible",
    "list-col-measures",
    "list-col-deadline",
    "list-col-status",
    "list-col-days-overdue",
];

fn name(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::En {
        en.to_owned()
    } else {
        zh.to_owned()
    }
}

/// A row's cells in the request's language.
pub fn cells(catalog: &Catalog, lang: Lang, r: &ListRow) -> Vec<String> {
    let sector = catalog
        .sector(&r.sector)
        .map(|s| name(lang, &s.name_zh, &s.name_en))
        .unwrap_or_else(|| r.sector.clone());
    let street = r
        .street
        .as_deref()
        .and_then(|s| catalog.street(s))
        .map(|s| name(lang, &s.name_zh, &s.name_en))
        .unwrap_or_default();
    let department = catalog
        .department(&r.department)
        .map(|d| name(lang, &d.name_zh, &d.name_en))
        .unwrap_or_else(|| r.department.clone());
    let mut status = lang.t(&format!("status-{}", r.status));
    if r.suspend_operations {
        status = format!("{status} · {}", lang.t("list-suspended"));
    }
    vec![
        r.case_number.clone(),
        sector,
        street,
        r.enterprise.clone().unwrap_or_default(),
        r.address.clone(),
        r.hazard.clone(),
        lang.t(&format!("severity-{}", r.severity)),
        department,
        r.responsible_party.clone().unwrap_or_default(),
        r.measures.clone().unwrap_or_default(),
        r.deadline.map(|d| d.to_string()).unwrap_or_default(),
        status,
        r.days_overdue.to_string(),
    ]
}

/// One CSV field: quoted, quotes doubled, and a leading `= + - @` (or tab, CR) defused so a
/// spreadsheet shows it as text instead of running it.
pub fn field(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// One CSV line: every cell through [`field`], ended with CRLF.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| field(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

pub fn csv(catalog: &Catalog, lang: Lang, rows: &[ListRow]) -> String {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = COLUMNS.iter().map(|k| lang.t(k)).collect();
    out.push_str(&csv_line(&header));
    for r in rows {
        out.push_str(&csv_line(&cells(catalog, lang, r)));
    }
    out
}

/// A list file in the path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes a path parameter; never built")]
pub struct ListFile {
    /// `hazards.csv`, `rectifications.csv` or `responsibilities.csv`.
    file: String,
}

#[utoipa::path(get, path = "/staff/lists/{file}", tag = "staff",
    params(ListFile),
    security(("session" = [])),
    responses(
        (status = 200, description = "the list: UTF-8 CSV with a BOM", content_type = "text/csv; charset=utf-8", body = String),
        (status = 401, description = "not signed in", body = super::error::ErrorBody),
        (status = 403, description = "the role reads no cases (finance)", body = super::error::ErrorBody),
        (status = 404, description = "no such list", body = super::error::ErrorBody),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadCases>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let kind = file
        .strip_suffix(".csv")
        .and_then(ListKind::parse)
        .ok_or_else(|| ApiError::new(Code::NotFound, lang))?;
    let st = staff.member().clone();
    let rows = state
        .services
        .blocking(move |s| s.list(&st, kind, true))
        .await
        .map_err(ApiError::service(lang))?;
    let body = csv(&state.services.catalog, lang, &rows);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.csv\"", kind.as_str()),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "\"'-1\"");
        assert_eq!(field("江头北路"), "\"江头北路\"");
    }
}
