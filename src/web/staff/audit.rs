//! The audit log as a page, and whether its hash chain verifies (checked on request, since it
//! reads the whole log).

use crate::services::audit::AuditEntry;
use crate::web::extract::{Staff, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Page, PageResult};
use crate::web::render::local_datetime;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyQuery {
    verify: Option<String>,
}

fn entry(r: &AuditEntry, offset: chrono::FixedOffset, lang: Lang) -> Value {
    json!({ "seq": r.seq, "at": local_datetime(r.at.and_utc(), offset, lang), "actor": r.actor, "action": r.action,
            "case_number": r.case_number, "reason": r.reason.clone().unwrap_or_default(), "detail": r.detail.clone().unwrap_or_default() })
}

pub async fn audit_page(
    page: Page,
    staff: Staff<can::ReadAudit>,
    q: web::Query<VerifyQuery>,
) -> PageResult {
    let (lang, offset) = (page.lang, page.state.services.offset);
    let verify = q.verify.as_deref() == Some("true");
    let log = page.run(&staff.session, move |s, st| {
        s.audit_log(&st.staff, None, (0, 200), verify)
    });
    let log = log.await?;
    let entries: Vec<Value> = log.entries.iter().map(|r| entry(r, offset, lang)).collect();
    let report = log.report.as_ref();
    let mut ctx = page.context(&staff.session);
    ctx.insert("checked", &report.is_some());
    ctx.insert("verified", &report.is_some_and(|r| r.broken_at.is_none()));
    ctx.insert(
        "broken_at",
        &report.and_then(|r| r.broken_at).unwrap_or_default(),
    );
    ctx.insert(
        "head",
        &report.and_then(|r| r.head.clone()).unwrap_or_default(),
    );
    ctx.insert("total", &log.total);
    ctx.insert("entries", &entries);
    Ok(page.render("staff/audit.html", &ctx, StatusCode::OK))
}
