//! The queue: the tips this staff member works, nearest deadline first, with filters.

use crate::domain::status::Status;
use crate::services::cases::CaseSummary;
use crate::web::extract::{Staff, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Choice, Names, Page, PageResult, context, render};
use crate::web::render::local_datetime;
use crate::web::staff_api::QueueQuery;
use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{Value, json};

const PER_PAGE: i64 = 50;

pub async fn queue(
    page: Page,
    staff: Staff<can::ReadCases>,
    q: web::Query<QueueQuery>,
) -> PageResult {
    let Page { state, req, lang } = page;
    let (filter, page) = (q.filter(), q.page_or_first());
    let (st, f) = (staff.member().clone(), filter.clone());
    let (rows, total) = state
        .services
        .blocking(move |s| s.queue(&st, f, page, PER_PAGE))
        .await?;
    let names = Names::new(&state.services.catalog, lang);
    let items: Vec<Value> = rows
        .iter()
        .map(|t| item(names, state.services.offset, t))
        .collect();
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let link = |p: i64| {
        let shown = (p >= 1 && p <= pages && p != page).then(|| q.link(p));
        shown.unwrap_or_default()
    };
    let mut ctx = context(&state, &req, lang, Some(&staff.session));
    ctx.insert("items", &items);
    ctx.insert("total", &total);
    ctx.insert("page", &page);
    ctx.insert("pages", &pages);
    ctx.insert("prev_href", &link(page - 1));
    ctx.insert("next_href", &link(page + 1));
    ctx.insert("filter", &json!({ "status": filter.status, "sector": filter.sector, "street": filter.street, "overdue": filter.overdue == Some(true) }));
    ctx.insert("statuses", &status_choices(lang));
    ctx.insert("sectors", &names.sector_choices());
    ctx.insert("streets", &names.street_choices());
    let ok = StatusCode::OK;
    Ok(render(&state, &req, "staff/queue.html", &ctx, ok))
}

/// One row of the queue, in words.
fn item(names: Names, offset: chrono::FixedOffset, t: &CaseSummary) -> Value {
    let lang = names.lang;
    json!({
        "case_number": t.case_number,
        "status": lang.t(&format!("status-{}", t.status)),
        "sector": names.sector(&t.sector),
        "street": t.street.as_deref().map(|x| names.unit(x)).unwrap_or_default(),
        "department": names.unit(&t.department),
        "submitted": local_datetime(t.submitted_at.and_utc(), offset, lang),
        "deadline": t.next_deadline.map(|d| d.to_string()).unwrap_or_default(),
        "overdue": t.overdue,
    })
}

fn status_choices(lang: Lang) -> Vec<Choice> {
    Status::ALL
        .iter()
        .map(|st| Choice {
            code: st.as_str().into(),
            name: lang.t(&format!("status-{}", st.as_str())),
        })
        .collect()
}
