//! The three lists (隐患清单、整改清单、责任清单) as pages: the filters as a GET form, the export
//! links carrying them, a printable view, and on the hazard list the import (an upload form
//! that works without JavaScript, its errors in a table of row, column and problem) and the
//! import template. The files are `web/lists.rs`.

use crate::domain::hazard::{HazardStatus, Source};
use crate::services::auth::StaffSession;
use crate::services::exports::Download;
use crate::services::import::{ImportError, RowError, column_title};
use crate::services::lists::{HazardList, ListKind, ListQuery, PAGE_ROWS};
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::{Staff, StaffUpload, allows, can};
use crate::web::i18n::Lang;
use crate::web::lists::{UploadError, import_rows, read_upload, run_import};
use crate::web::pages::{Choice, Page, PageError, PageResult, Target, TargetPage, mend, see_other};
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use strum::VariantArray;
use tera::Context;

/// What the page was told after a redirect: how many hazards an import recorded.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    imported: Option<usize>,
}

pub async fn list_page(
    sent: TargetPage<can::ReadCases>,
    query: web::Query<ListQuery>,
    notice: web::Query<Notice>,
) -> PageResult {
    let (to, (mut ctx, status)) = named_list(sent, &query, Some(PAGE_ROWS)).await?;
    if let Some(n) = notice.imported {
        let count = n.to_string();
        ctx.insert(
            "notice",
            &to.page.lang.t_str("lists-imported", &[("count", &count)]),
        );
    }
    Ok(to.page.render("staff/list.html", &ctx, status))
}

/// The printable view: the filtered list alone, every row, with the campaign's count.
pub async fn print_page(
    sent: TargetPage<can::ReadCases>,
    query: web::Query<ListQuery>,
) -> PageResult {
    let (to, (mut ctx, status)) = named_list(sent, &query, None).await?;
    let today = to.page.state.services.today().to_string();
    ctx.insert(
        "printed_on",
        &to.page.lang.t_str("lists-printed-on", &[("date", &today)]),
    );
    Ok(to.page.render("staff/list_print.html", &ctx, status))
}

/// The list the path names (a list that does not exist is not found), as [`list_context`]
/// shows it.
async fn named_list(
    sent: TargetPage<can::ReadCases>,
    query: &ListQuery,
    limit: Option<i64>,
) -> Result<(Target, (Context, StatusCode)), PageError> {
    let to = sent.to;
    let kind = ListKind::parse(&to.key).ok_or(PageError::NotFound)?;
    let shown = list_context(&to.page, &to.staff, kind, query, limit).await?;
    Ok((to, shown))
}

/// The import template (XLSX).
pub async fn import_template(
    page: Page,
    staff: Staff<can::RecordHazards>,
) -> Result<Download, PageError> {
    let lang = page.lang;
    Ok(page
        .run(&staff.session, move |s, _| s.import_template(lang))
        .await?)
}

/// Reads the uploaded file (its CSRF token checked) and imports it.
async fn import_upload(
    page: &Page,
    up: &StaffUpload<can::RecordHazards>,
    payload: web::Payload,
) -> Result<Result<usize, ImportError>, PageError> {
    match read_upload(&page.req, payload).await {
        Ok(upload) => {
            if !up.csrf_matches(&upload.csrf) {
                return Err(PageError::Csrf);
            }
            let member = up.staff.member().clone();
            Ok(run_import(&page.state, member, upload.file).await)
        }
        Err(UploadError::TooLarge) => Ok(Err(ImportError::TooLarge)),
        Err(_) => Err(PageError::BadRequest),
    }
}

/// The upload form: imported → back to the list with the count; refused → the list with the
/// problems in a table (or a banner for a file that is not a spreadsheet or too large).
pub async fn import_submit(
    page: Page,
    up: StaffUpload<can::RecordHazards>,
    payload: web::Payload,
) -> PageResult {
    let outcome = import_upload(&page, &up, payload).await?;
    let lang = page.lang;
    let (status, key, rows) = match outcome {
        Ok(n) => return Ok(see_other(&format!("/staff/lists/hazards?imported={n}"))),
        Err(ImportError::Rows(rows)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "lists-import-errors",
            Some(problem_table(lang, &rows)),
        ),
        Err(ImportError::NotSpreadsheet) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "lists-import-not-spreadsheet",
            None,
        ),
        Err(ImportError::TooLarge) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "lists-import-too-large",
            None,
        ),
        Err(ImportError::Service(e)) => {
            let (status, text) = mend(lang, e)?;
            return refused(&page, &up.staff, status, text, None).await;
        }
    };
    refused(&page, &up.staff, status, lang.t(key), rows).await
}

/// The rows' problems as the page's table: row (the header named in words), column, problem.
fn problem_table(lang: Lang, rows: &[RowError]) -> Vec<Value> {
    import_rows(lang, rows)
        .into_iter()
        .map(|r| {
            let row = match r.row {
                0 => lang.t("lists-import-header-row"),
                n => n.to_string(),
            };
            json!({"row": row, "field": column_title(lang, &r.field), "message": r.message})
        })
        .collect()
}

/// The hazard list again, with why the import was refused.
async fn refused(
    page: &Page,
    staff: &Staff<can::RecordHazards>,
    status: StatusCode,
    text: String,
    rows: Option<Vec<Value>>,
) -> PageResult {
    let (kind, query) = (ListKind::Hazards, ListQuery::default());
    let (mut ctx, _) = list_context(page, &staff.session, kind, &query, Some(PAGE_ROWS)).await?;
    ctx.insert("import_error", &text);
    ctx.insert("import_rows", &rows.unwrap_or_default());
    Ok(page.render("staff/list.html", &ctx, status))
}

/// The list `kind` filtered by `query` (at most `limit` rows), in its page's context.
async fn list_context(
    page: &Page,
    session: &StaffSession,
    kind: ListKind,
    query: &ListQuery,
    limit: Option<i64>,
) -> Result<(Context, StatusCode), PageError> {
    let (q, lang) = (query.clone(), page.lang);
    let list = page
        .run(session, move |s, st| {
            s.hazard_list(&st.staff, kind, &q, lang, limit)
        })
        .await;
    context(page, session, kind, query, list)
}

/// The list page's context; a filter that is not a known code or date shows beside the form
/// (422) with an empty list.
fn context(
    page: &Page,
    session: &StaffSession,
    kind: ListKind,
    query: &ListQuery,
    list: ServiceResult<HazardList>,
) -> Result<(Context, StatusCode), PageError> {
    let (lang, names) = (page.lang, page.names());
    let mut ctx = page.context(session);
    let status = match list {
        Ok(list) => {
            let c = &list.campaign;
            let (count, past, ends) = (
                c.not_closed.to_string(),
                c.past_end.to_string(),
                c.ends.to_string(),
            );
            let args = [
                ("name", c.name.as_str()),
                ("count", &count),
                ("past", &past),
                ("ends", &ends),
            ];
            let key = if c.ended {
                "lists-campaign-ended"
            } else {
                "lists-campaign-open"
            };
            ctx.insert("campaign", &lang.t_str(key, &args));
            let shown = list.rows.len() as i64;
            let more = (shown < list.total).then(|| {
                let (s, t) = (shown.to_string(), list.total.to_string());
                lang.t_str("lists-shown", &[("shown", &s), ("total", &t)])
            });
            ctx.insert("more", &more.unwrap_or_default());
            let rows: Vec<Value> = list
                .rows
                .iter()
                .map(|r| json!({"id": r.id, "overdue": r.overdue, "supervised": r.supervised, "cells": r.cells.iter().map(|c| c.text()).collect::<Vec<_>>()}))
                .collect();
            ctx.insert("rows", &rows);
            ctx.insert("total", &list.total);
            ctx.insert("headers", &list.headers);
            StatusCode::OK
        }
        Err(ServiceError::Validation(fields)) => {
            let e = ServiceError::Validation(fields);
            let (status, text) = mend(lang, e)?;
            ctx.insert("banner", &text);
            ctx.insert("campaign", "");
            ctx.insert("more", "");
            ctx.insert("rows", &Vec::<Value>::new());
            ctx.insert("total", &0);
            let headers: Vec<String> = kind.columns().iter().map(|(k, _)| lang.t(k)).collect();
            ctx.insert("headers", &headers);
            status
        }
        Err(e) => return Err(e.into()),
    };
    let title = lang.t(&kind.title_key());
    ctx.insert("title", &title);
    ctx.insert("kind", kind.as_str());
    let tabs: Vec<Value> = ListKind::ALL
        .iter()
        .map(
            |k| json!({"kind": k.as_str(), "title": lang.t(&k.title_key()), "current": *k == kind}),
        )
        .collect();
    ctx.insert("tabs", &tabs);
    ctx.insert("filter", query);
    ctx.insert("query", &query.query_string());
    ctx.insert("streets", &names.street_choices());
    ctx.insert("departments", &names.department_choices());
    let sources = Source::VARIANTS.iter().map(|s| s.as_str());
    ctx.insert("sources", &Choice::labelled(lang, "lists-source", sources));
    ctx.insert(
        "grades",
        &Choice::labelled(lang, "severity", ["general", "major"]),
    );
    let statuses = HazardStatus::VARIANTS.iter().map(|s| s.as_str());
    ctx.insert(
        "statuses",
        &Choice::labelled(lang, "lists-status", statuses),
    );
    let may_import = kind == ListKind::Hazards && allows::<can::RecordHazards>(session.staff.role);
    ctx.insert("may_import", &may_import);
    ctx.insert("import_error", "");
    ctx.insert("import_rows", &Vec::<Value>::new());
    Ok((ctx, status))
}
