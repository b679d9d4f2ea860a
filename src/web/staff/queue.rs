//! The queue: the tips this staff member works, nearest deadline first, with filters.

use crate::domain::query::QueueFilter;
use crate::domain::status::Status;
use crate::domain::tip::Channel;
use crate::domain::tip::Severity;
use crate::services::case_words::listed_json;
use crate::services::cases::CaseSummary;
use crate::web::extract::{Staff, can};
use crate::web::pages::{Choice, Names, Page, PageResult};
use crate::web::render::local_datetime;
use crate::web::staff_api::QueueQuery;
use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{Value, json};
use strum::VariantArray;

const PER_PAGE: i64 = 50;

pub async fn queue(
    page: Page,
    staff: Staff<can::ReadCases>,
    q: web::Query<QueueQuery>,
) -> PageResult {
    let (lang, names) = (page.lang, page.names());
    let q = q.into_inner().page_default();
    let (filter, number) = (q.filter(), q.page_or_first());
    let after = q.cursor(lang).ok().flatten();
    let f = filter.clone();
    let got = page.run(&staff.session, move |s, st| {
        s.queue(&st.staff, f, number, after, PER_PAGE)
    });
    let got = got.await?;
    let (offset, today) = (page.state.services.offset, page.state.services.today());
    let items: Vec<Item> = got
        .items
        .iter()
        .map(|t| item(names, offset, today, t))
        .collect();
    let total = total_words(lang, &got.total);
    // Page numbers while the total is known; the next page is read after the last case
    // shown (keyset), the previous one by its number.
    let pages = got
        .total
        .exact
        .then(|| ((got.total.n + PER_PAGE - 1) / PER_PAGE).max(1));
    let next_href = got.next.map(|c| q.link_after(number + 1, c));
    let prev_href = (number > 1).then(|| q.link(number - 1));
    let mut ctx = page.context(&staff.session);
    ctx.insert("items", &items);
    ctx.insert("total", &total);
    ctx.insert("page", &number);
    ctx.insert("pages", &pages);
    ctx.insert("prev_href", &prev_href.unwrap_or_default());
    ctx.insert("next_href", &next_href.unwrap_or_default());
    insert_filters(&mut ctx, names, &filter);
    Ok(page.render("staff/queue.html", &ctx, StatusCode::OK))
}

/// How many cases the filter finds: exact, or "at least" past the count's cap.
fn total_words(lang: crate::web::i18n::Lang, total: &crate::domain::query::QueueTotal) -> String {
    match total.exact {
        true => total.n.to_string(),
        false => lang.t_args("staff-total-at-least", &[("n", total.n)]),
    }
}

/// The filter as asked and every choice each of its selects offers, in words.
fn insert_filters(ctx: &mut tera::Context, names: Names, filter: &QueueFilter) {
    let lang = names.lang;
    let (open, all) = (QueueFilter::OPEN, "all");
    let status = filter.status.clone().unwrap_or_else(|| all.to_owned());
    ctx.insert("filter", &json!({ "status": status, "sector": filter.sector, "street": filter.street, "channel": filter.channel, "overdue": filter.overdue == Some(true) }));
    let codes = [open, all].into_iter();
    let mut statuses = Choice::labelled(lang, "queue-status", codes);
    statuses.extend(Choice::labelled(
        lang,
        "status",
        Status::VARIANTS.iter().map(|s| s.as_str()),
    ));
    ctx.insert("statuses", &statuses);
    ctx.insert("sectors", &names.sector_choices());
    let channels = Channel::VARIANTS.iter().map(|c| c.as_str());
    ctx.insert(
        "channels",
        &Choice::labelled(lang, "history-channel", channels),
    );
    ctx.insert("streets", &names.street_choices());
}

/// One row of the queue, in words.
#[derive(serde::Serialize)]
struct Item<'a> {
    case_number: &'a str,
    status: String,
    major: bool,
    severity: String,
    address: &'a str,
    days_left: String,
    late: bool,
    unread: i64,
    /// Shown only beside a count above nought, so asked only then.
    unread_label: String,
    sector: String,
    street: String,
    department: String,
    submitted: String,
    deadline: String,
    overdue: bool,
    listed: Option<Value>,
}

fn item<'a>(
    names: Names,
    offset: chrono::FixedOffset,
    today: chrono::NaiveDate,
    t: &'a CaseSummary,
) -> Item<'a> {
    let lang = names.lang;
    let left = match t.days_left {
        None => String::new(),
        Some(d @ 1..) => lang.t_args("staff-days-left", &[("days", d)]),
        Some(0) => lang.t("staff-due-today"),
        Some(d) => lang.t_args("staff-days-over", &[("days", -d)]),
    };
    Item {
        case_number: &t.case_number,
        status: lang.t(&format!("status-{}", t.status)),
        major: t.severity == Severity::Major,
        severity: lang.t(&format!("severity-{}", t.severity)),
        address: &t.address,
        days_left: left,
        late: t.days_left.is_some_and(|d| d < 0),
        unread: t.unread,
        unread_label: match t.unread {
            1.. => lang.t_args("queue-unread", &[("count", t.unread)]),
            _ => String::new(),
        },
        sector: names.sector(&t.sector),
        street: t
            .street
            .as_deref()
            .map(|x| names.unit(x))
            .unwrap_or_default(),
        department: names.unit(&t.department),
        submitted: local_datetime(t.submitted_at.and_utc(), offset, lang),
        deadline: t.next_deadline.map(|d| d.to_string()).unwrap_or_default(),
        overdue: t.overdue,
        listed: t.listed_supervision.as_ref().map(|l| listed_json(l, today)),
    }
}
