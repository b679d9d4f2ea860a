//! The three lists (隐患清单、整改清单、责任清单) as pages; their CSV is `web/lists.rs`.

use crate::services::lists::ListKind;
use crate::web::extract::{Staff, can};
use crate::web::lists::{COLUMNS, cells};
use crate::web::pages::{Page, PageError, PageResult};
use actix_web::http::StatusCode;
use actix_web::web;

pub async fn list_page(
    page: Page,
    staff: Staff<can::ReadCases>,
    path: web::Path<String>,
) -> PageResult {
    let (lang, catalog) = (page.lang, &page.state.services.catalog);
    let kind = ListKind::parse(&path).ok_or(PageError::NotFound)?;
    let rows = page.run(&staff.session, move |s, st| s.list(&st.staff, kind, false));
    let table: Vec<Vec<String>> = rows
        .await?
        .iter()
        .map(|r| cells(catalog, lang, r))
        .collect();
    let headers: Vec<String> = COLUMNS.iter().map(|k| lang.t(k)).collect();
    let mut ctx = page.context(&staff.session);
    ctx.insert("title", &lang.t(&format!("list-{}", kind.as_str())));
    ctx.insert("kind", kind.as_str());
    ctx.insert("headers", &headers);
    ctx.insert("rows", &table);
    Ok(page.render("staff/list.html", &ctx, StatusCode::OK))
}
