//! The three lists (隐患清单、整改清单、责任清单) as pages; their CSV is `web/lists.rs`.

use crate::services::lists::ListKind;
use crate::web::extract::{Staff, can};
use crate::web::lists::{COLUMNS, cells};
use crate::web::pages::{Page, PageError, PageResult, context, render};
use actix_web::http::StatusCode;
use actix_web::web;

pub async fn list_page(
    page: Page,
    staff: Staff<can::ReadCases>,
    path: web::Path<String>,
) -> PageResult {
    let Page { state, req, lang } = page;
    let kind = ListKind::parse(&path).ok_or(PageError::NotFound)?;
    let st = staff.member().clone();
    let rows = state
        .services
        .blocking(move |s| s.list(&st, kind, false))
        .await?;
    let catalog = &state.services.catalog;
    let table: Vec<Vec<String>> = rows.iter().map(|r| cells(catalog, lang, r)).collect();
    let headers: Vec<String> = COLUMNS.iter().map(|k| lang.t(k)).collect();
    let mut ctx = context(&state, &req, lang, Some(&staff.session));
    ctx.insert("title", &lang.t(&format!("list-{}", kind.as_str())));
    ctx.insert("kind", kind.as_str());
    ctx.insert("headers", &headers);
    ctx.insert("rows", &table);
    Ok(render(
        &state,
        &req,
        "staff/list.html",
        &ctx,
        StatusCode::OK,
    ))
}
