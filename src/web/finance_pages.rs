//! The finance pages (`/finance`): the reward queue with totals by status and the payee signals,
//! finance's decision (four eyes: never on one's own proposal) and the payout (never by the
//! approver). The same steps over JSON are in `finance.rs`.

use super::extract::{Staff, StaffForm, can};
use super::i18n::Lang;
use super::pages::{Choice, Names, Page, PageError, PageResult, context, mend, render, see_other};
use crate::domain::reward::{Fen, RewardId, RewardStatus};
use crate::services::auth::StaffSession;
use crate::services::rewards::RewardView;
use crate::services::{ServiceError, Services};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use strum::VariantArray;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FinanceQuery {
    status: String,
    done: String,
}

/// What the reward page shows besides the rewards.
#[derive(Default)]
struct FinanceView<'a> {
    filter: &'a str,
    notice: String,
    errors: Vec<String>,
    status: Option<StatusCode>,
}

fn item(names: Names, v: &RewardView) -> Value {
    let (r, lang) = (&v.reward, names.lang);
    json!({
        "id": r.id, "case_number": v.case_number, "department": names.unit(&v.department),
        "basis": lang.t(&format!("basis-{}", r.basis)), "amount": r.amount.to_string(),
        "rule": r.rule, "status": lang.t(&format!("reward-status-{}", r.status)), "proposed_by": r.proposed_by,
        "decided_by": r.decided_by.clone().unwrap_or_default(), "reference": r.paid_reference.clone().unwrap_or_default(),
        "signals": v.signals.iter().map(|s| lang.t(&format!("signal-{s}"))).collect::<Vec<_>>(),
        "may_decide": v.may_decide, "may_pay": v.may_pay,
    })
}

/// Count and amount by status, over the whole queue.
fn totals(lang: Lang, all: &[RewardView]) -> Vec<Value> {
    let mut totals: BTreeMap<RewardStatus, (i64, i64)> = BTreeMap::new();
    for v in all {
        let t = totals.entry(v.reward.status).or_default();
        t.0 += 1;
        t.1 += v.reward.amount.0;
    }
    totals
        .into_iter()
        .map(|(k, (n, fen))| json!({ "status": lang.t(&format!("reward-status-{k}")), "count": n, "amount": Fen(fen).to_string() }))
        .collect()
}

async fn show(
    page: &Page,
    staff: &StaffSession,
    view: FinanceView<'_>,
) -> Result<HttpResponse, PageError> {
    let (state, req, lang) = (&page.state, &page.req, page.lang);
    let st = staff.staff.clone();
    let all = state
        .services
        .blocking(move |s| s.reward_queue(&st, None))
        .await?;
    let names = Names::new(&state.services.catalog, lang);
    let items: Vec<Value> = all
        .iter()
        .filter(|v| view.filter.is_empty() || v.reward.status.as_ref() == view.filter)
        .map(|v| item(names, v))
        .collect();
    let statuses: Vec<Choice> = RewardStatus::VARIANTS
        .iter()
        .map(|s| Choice {
            code: s.to_string(),
            name: lang.t(&format!("reward-status-{s}")),
        })
        .collect();
    let mut ctx = context(state, req, lang, Some(staff));
    ctx.insert("items", &items);
    ctx.insert("totals", &totals(lang, &all));
    ctx.insert("statuses", &statuses);
    ctx.insert("filter", view.filter);
    ctx.insert("notice", &view.notice);
    ctx.insert("banner", &view.errors.join(" "));
    let status = view.status.unwrap_or(StatusCode::OK);
    Ok(render(state, req, "staff/finance.html", &ctx, status))
}

pub async fn finance(
    page: Page,
    staff: Staff<can::ReadRewards>,
    q: web::Query<FinanceQuery>,
) -> PageResult {
    let Page { lang, .. } = &page;
    let lang = *lang;
    let notice = if q.done.is_empty() {
        String::new()
    } else {
        lang.t("staff-user-updated")
    };
    let view = FinanceView {
        filter: &q.status,
        notice,
        ..FinanceView::default()
    };
    show(&page, &staff.session, view).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    amount_yuan: String,
    note: String,
    reference: String,
    paid_on: String,
}

/// Runs finance's step on a reward and goes back to the queue (or shows it with the refusal).
async fn step<T: Send + 'static>(
    page: Page,
    staff: StaffSession,
    run: impl FnOnce(Services) -> Result<T, ServiceError> + Send + 'static,
) -> PageResult {
    let outcome = page.state.services.blocking(run).await;
    after(&page, &staff, outcome.map(|_| ())).await
}

pub async fn finance_decide(
    page: Page,
    path: web::Path<RewardId>,
    sent: StaffForm<can::DecideReward, DecisionForm>,
) -> PageResult {
    let (staff, f) = (sent.staff.session, sent.form);
    let (st, id) = (staff.staff.clone(), path.into_inner());
    step(page, staff, move |s| {
        let amount = Fen::parse_field("amount_yuan", &f.amount_yuan);
        s.decide_reward(&st, id, f.decision == "approve", amount, &f.note)
    })
    .await
}

pub async fn finance_pay(
    page: Page,
    path: web::Path<RewardId>,
    sent: StaffForm<can::PayReward, DecisionForm>,
) -> PageResult {
    let (staff, f) = (sent.staff.session, sent.form);
    let (st, id) = (staff.staff.clone(), path.into_inner());
    step(page, staff, move |s| {
        s.pay_reward(&st, id, &f.reference, Some(&f.paid_on))
    })
    .await
}

/// Back to the queue after a decision or a payout, or the queue with the refusal.
async fn after(
    page: &Page,
    staff: &StaffSession,
    outcome: Result<(), ServiceError>,
) -> Result<HttpResponse, PageError> {
    let lang = page.lang;
    match outcome {
        Ok(()) => Ok(see_other("/finance?done=1")),
        Err(e) => {
            let (status, text) = mend(lang, e)?;
            let view = FinanceView {
                errors: vec![text],
                status: Some(status),
                ..FinanceView::default()
            };
            show(page, staff, view).await
        }
    }
}
