//! The finance pages (`/finance`): the reward queue with totals by status and the payee signals,
//! finance's decision (four eyes: never on one's own proposal) and the payout (never by the
//! approver). The same steps over JSON are in `finance.rs`.

use super::extract::{Permitted, Staff, can};
use super::i18n::Lang;
use super::pages::{Choice, Names, Page, PageResult, TargetForm, mend, see_other};
use crate::domain::reward::{Fen, RewardId, RewardStatus};
use crate::services::auth::StaffSession;
use crate::services::rewards::RewardView;
use crate::services::{ServiceResult, Services};
use actix_web::http::StatusCode;
use actix_web::web;
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

async fn show(page: &Page, staff: &StaffSession, view: FinanceView<'_>) -> PageResult {
    let (lang, names) = (page.lang, page.names());
    let all = page
        .run(staff, |s, st| s.reward_queue(&st.staff, None))
        .await?;
    let items: Vec<Value> = all
        .iter()
        .filter(|v| view.filter.is_empty() || v.reward.status.as_ref() == view.filter)
        .map(|v| item(names, v))
        .collect();
    let statuses = RewardStatus::VARIANTS.iter().map(|s| s.as_ref());
    let mut ctx = page.context(staff);
    ctx.insert("items", &items);
    ctx.insert("totals", &totals(lang, &all));
    ctx.insert(
        "statuses",
        &Choice::labelled(lang, "reward-status", statuses),
    );
    ctx.insert("filter", view.filter);
    ctx.insert("notice", &view.notice);
    ctx.insert("banner", &view.errors.join(" "));
    let status = view.status.unwrap_or(StatusCode::OK);
    Ok(page.render("staff/finance.html", &ctx, status))
}

pub async fn finance(
    page: Page,
    staff: Staff<can::ReadRewards>,
    q: web::Query<FinanceQuery>,
) -> PageResult {
    let lang = page.lang;
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

/// Runs finance's step on a reward and goes back to the queue, or shows it with the refusal.
async fn step<P: Permitted, T: Send + 'static>(
    sent: TargetForm<P, DecisionForm, RewardId>,
    run: impl FnOnce(Services, &StaffSession, RewardId, DecisionForm) -> ServiceResult<T>
    + Send
    + 'static,
) -> PageResult {
    let (to, f) = (sent.to, sent.form);
    let outcome = to.run(move |s, st, id| run(s, st, *id, f)).await;
    let e = match outcome {
        Ok(_) => return Ok(see_other("/finance?done=1")),
        Err(e) => e,
    };
    let (status, text) = mend(to.page.lang, e)?;
    let view = FinanceView {
        errors: vec![text],
        status: Some(status),
        ..FinanceView::default()
    };
    show(&to.page, &to.staff, view).await
}

pub async fn finance_decide(
    sent: TargetForm<can::DecideReward, DecisionForm, RewardId>,
) -> PageResult {
    step(sent, |s, st, id, f| {
        let amount = Fen::parse_field("amount_yuan", &f.amount_yuan);
        s.decide_reward(&st.staff, id, f.decision == "approve", amount, &f.note)
    })
    .await
}

pub async fn finance_pay(sent: TargetForm<can::PayReward, DecisionForm, RewardId>) -> PageResult {
    step(sent, |s, st, id, f| {
        s.pay_reward(&st.staff, id, &f.reference, Some(&f.paid_on))
    })
    .await
}
