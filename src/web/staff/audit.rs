//! The audit log as a page: filtered by person, action, case and day, 50 entries a page, in
//! words; and whether its hash chain verifies (checked on request, since it reads the whole log).

use crate::services::ServiceError;
use crate::services::audit::{AuditEntry, AuditPage};
use crate::services::audit_words::{action_in_words, detail_in_words};
use crate::services::names::Names;
use crate::web::extract::{Staff, can};
use crate::web::pages::{Page, PageResult};
use crate::web::render::local_datetime;
use crate::web::staff_api::AuditQuery;
use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{Value, json};
use std::collections::HashMap;

const PER_PAGE: i64 = 50;

fn entry(
    r: &AuditEntry,
    names: Names,
    people: &HashMap<&str, &str>,
    offset: chrono::FixedOffset,
) -> Value {
    let lang = names.lang;
    let actor = match r.actor.as_str() {
        "reporter" => lang.t("staff-reporter"),
        "system" => lang.t("audit-system"),
        a => people
            .get(a)
            .map(|n| n.to_string())
            .unwrap_or_else(|| a.to_owned()),
    };
    let detail = r.detail.as_deref().unwrap_or_default();
    json!({ "seq": r.seq, "at": local_datetime(r.at.and_utc(), offset, lang), "actor": actor, "action": action_in_words(lang, &r.action),
            "case_number": r.case_number, "reason": r.reason.clone().unwrap_or_default(), "detail": detail_in_words(names, &r.action, detail) })
}

pub async fn audit_page(
    page: Page,
    staff: Staff<can::ReadAudit>,
    q: web::Query<AuditQuery>,
) -> PageResult {
    let (names, offset) = (page.names(), page.state.services.offset);
    let number = q.page_or_first();
    let mut ctx = page.context(&staff.session);
    let (log, status) = fetch(&page, &staff, &q, &mut ctx).await?;
    let people: HashMap<&str, &str> = log
        .people
        .iter()
        .map(|(u, n)| (u.as_str(), n.as_str()))
        .collect();
    let entries: Vec<Value> = log
        .entries
        .iter()
        .map(|r| entry(r, names, &people, offset))
        .collect();
    insert_chain(&mut ctx, &log);
    insert_choices(&mut ctx, page.lang, &log);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    ctx.insert("filter", &json!({"case_number": text(&q.case_number), "actor": text(&q.actor), "action": text(&q.action), "from": text(&q.from), "to": text(&q.to)}));
    let pages = ((log.total + PER_PAGE - 1) / PER_PAGE).max(1);
    ctx.insert("page", &number);
    ctx.insert("pages", &pages);
    ctx.insert("prev_href", &page_link(&q, number - 1, pages));
    ctx.insert("next_href", &page_link(&q, number + 1, pages));
    ctx.insert("total", &log.total);
    ctx.insert("entries", &entries);
    Ok(page.render("staff/audit.html", &ctx, status))
}

/// The asked page of the log; a filter that is wrong answers an empty page with the banner
/// saying why (and the filter's choices, so it can be mended).
async fn fetch(
    page: &Page,
    staff: &Staff<can::ReadAudit>,
    q: &AuditQuery,
    ctx: &mut tera::Context,
) -> Result<(AuditPage, StatusCode), crate::web::pages::PageError> {
    let (ask, verify, number) = (q.ask(), q.verify(), q.page_or_first());
    let window = ((number - 1) * PER_PAGE, PER_PAGE);
    let log = page.run(&staff.session, move |s, st| {
        s.audit_log(&st.staff, &ask, window, verify)
    });
    match log.await {
        Ok(log) => Ok((log, StatusCode::OK)),
        Err(e @ ServiceError::Validation(_)) => {
            let (status, text) = crate::web::pages::mend(page.lang, e)?;
            ctx.insert("banner", &text);
            let choices = page.run(&staff.session, |s, st| s.audit_choices(&st.staff));
            let (people, actions) = choices.await?;
            let empty = AuditPage {
                entries: Vec::new(),
                total: 0,
                report: None,
                people,
                actions,
            };
            Ok((empty, status))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the hash chain was checked, and what the check found.
fn insert_chain(ctx: &mut tera::Context, log: &AuditPage) {
    let report = log.report.as_ref();
    ctx.insert("checked", &report.is_some());
    ctx.insert("verified", &report.is_some_and(|r| r.broken_at.is_none()));
    let broken_at = report.and_then(|r| r.broken_at).unwrap_or_default();
    ctx.insert("broken_at", &broken_at);
    let head = report.and_then(|r| r.head.clone()).unwrap_or_default();
    ctx.insert("head", &head);
}

/// The filter's people (with the reporter and the system) and actions, in words.
fn insert_choices(ctx: &mut tera::Context, lang: crate::web::i18n::Lang, log: &AuditPage) {
    let choices = |items: Vec<(String, String)>| -> Vec<Value> {
        items
            .into_iter()
            .map(|(code, name)| json!({"code": code, "name": name}))
            .collect()
    };
    let mut who: Vec<(String, String)> = log.people.clone();
    who.push(("reporter".into(), lang.t("staff-reporter")));
    who.push(("system".into(), lang.t("audit-system")));
    ctx.insert("people", &choices(who));
    let actions = log
        .actions
        .iter()
        .map(|a| (a.clone(), action_in_words(lang, a)))
        .collect();
    ctx.insert("actions", &choices(actions));
}

/// The link to page `p` of the log with the same filter, or "" when there is no such other page.
fn page_link(q: &AuditQuery, p: i64, pages: i64) -> String {
    if p < 1 || p > pages || p == q.page_or_first() {
        return String::new();
    }
    let mut qs: Vec<(&str, String)> = vec![("page", p.to_string())];
    for (k, v) in [
        ("case_number", &q.case_number),
        ("actor", &q.actor),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            qs.push((k, v.clone()));
        }
    }
    format!(
        "/staff/audit?{}",
        serde_urlencoded::to_string(&qs).unwrap_or_default()
    )
}
