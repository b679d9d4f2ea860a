//! The finance pages (`/finance`): the reward queue with totals by status, the payee signals and
//! each reward's case in brief (finance does not open case pages); finance's decision (four eyes:
//! never on one's own proposal; two approvers above the second-approval amount); opening the
//! payee details to pay, on the printable payout register whose form records the payment (never
//! by an approver); reinstating an expired reward; the printable reward notice. The same steps
//! over JSON are in `finance.rs`.

use super::extract::{Permitted, Staff, can};
use super::i18n::Lang;
use super::pages::{
    Choice, Names, Page, PageResult, Target, TargetForm, TargetPage, mend, see_other,
};
use super::render::local_date;
use crate::domain::reward::{Fen, RewardId, RewardStatus, RewardStep};
use crate::services::auth::StaffSession;
use crate::services::reward_json;
use crate::services::rewards::RewardView;
use crate::services::{ServiceError, ServiceResult, Services};
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
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
    /// A refused form as it was typed, to show again on its reward's card.
    typed: Option<(RewardId, DecisionForm)>,
}

/// Staff display names by username.
type People = std::collections::HashMap<String, String>;

fn item(names: Names, people: &People, v: &RewardView, typed: Option<&DecisionForm>) -> Value {
    let (r, lang, case) = (&v.reward, names.lang, &v.case);
    let opt = |s: &Option<String>| {
        s.as_ref()
            .map(|u| people.get(u).unwrap_or(u).clone())
            .unwrap_or_default()
    };
    let (min, max) = v.bounds;
    let granted = r.status.is_granted() || r.status == RewardStatus::Expired;
    json!({
        "id": r.id, "case_number": v.case_number, "department": names.unit(&v.department),
        "sector": names.sector(&case.sector),
        "street": case.street.as_deref().map(|s| names.street(s)).unwrap_or_default(),
        "finding": opt(&case.finding), "penalty_decision": opt(&r.penalty_decision),
        "basis": lang.t(&format!("basis-{}", r.basis)), "amount": r.amount.to_string(),
        "policy": r.policy, "bounds": lang.t_str("finance-bounds", &[("min", &min.to_string()), ("max", &max.to_string())]),
        "rule": r.rule, "status": lang.t(&format!("reward-status-{}", r.status)), "proposed_by": people.get(&r.proposed_by).unwrap_or(&r.proposed_by),
        "signed_off_by": opt(&r.signed_off_by), "signoff_note": r.signoff_note.clone().unwrap_or_default(),
        "decided_by": opt(&r.decided_by), "second_decided_by": opt(&r.second_decided_by),
        "reference": opt(&r.paid_reference),
        "signals": v.signals.iter().map(|s| lang.t(&format!("signal-{s}"))).collect::<Vec<_>>(),
        "payout_overdue": v.payout_overdue,
        "steps": v.steps, "has_notice": granted,
        "second": r.status == RewardStatus::AwaitingSecondApproval,
        "typed_amount": typed.map_or_else(|| r.amount.to_string(), |f| f.amount_yuan.clone()),
        "typed_note": typed.map(|f| f.note.clone()).unwrap_or_default(),
        "typed_reason": typed.map(|f| f.reason.clone()).unwrap_or_default(),
    })
}

/// Count and amount by status, over the whole queue.
fn totals(lang: Lang, all: &[RewardView]) -> Vec<Value> {
    (reward_json::totals(all).into_iter())
        .map(|(k, (n, fen))| json!({ "status": lang.t(&format!("reward-status-{k}")), "count": n, "amount": fen.to_string() }))
        .collect()
}

async fn show(page: &Page, staff: &StaffSession, view: FinanceView<'_>) -> PageResult {
    let (lang, names) = (page.lang, page.names());
    let all = page
        .run(staff, |s, st| s.reward_queue(&st.staff, None))
        .await?;
    let people = page.run(staff, |s, _| s.display_names()).await?;
    let items: Vec<Value> = all
        .iter()
        .filter(|v| view.filter.is_empty() || v.reward.status.as_ref() == view.filter)
        .map(|v| {
            let typed = view.typed.as_ref().filter(|(id, _)| *id == v.reward.id);
            item(names, &people, v, typed.map(|(_, f)| f))
        })
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
    let notice = lang
        .try_t(&format!("finance-done-{}", q.done))
        .unwrap_or_default();
    let view = FinanceView {
        filter: &q.status,
        notice,
        ..FinanceView::default()
    };
    show(&page, &staff.session, view).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    amount_yuan: String,
    note: String,
    reference: String,
    paid_on: String,
    reason: String,
}

/// Runs finance's step on a reward and goes back to the queue saying what happened (the new
/// status: approved, awaiting the second approval, rejected, paid), or shows the queue with the
/// refusal and what was typed.
async fn step<P: Permitted>(
    sent: TargetForm<P, DecisionForm, RewardId>,
    run: impl FnOnce(Services, &StaffSession, RewardId, DecisionForm) -> ServiceResult<RewardView>
    + Send
    + 'static,
) -> PageResult {
    let (to, f) = (sent.to, sent.form);
    let typed = f.clone();
    match to.run(move |s, st, id| run(s, st, *id, f)).await {
        Ok(v) => Ok(see_other(&format!("/finance?done={}", v.reward.status))),
        Err(e) => refused(&to, e, typed).await,
    }
}

/// The queue again with a refusal, and the refused form as it was typed on its reward's card.
async fn refused(to: &Target<RewardId>, e: ServiceError, typed: DecisionForm) -> PageResult {
    let (status, text) = mend(to.page.lang, e)?;
    let view = FinanceView {
        errors: vec![text],
        status: Some(status),
        typed: Some((to.key, typed)),
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

pub async fn finance_reinstate(
    sent: TargetForm<can::DecideReward, DecisionForm, RewardId>,
) -> PageResult {
    step(sent, |s, st, id, f| {
        s.reinstate_reward(&st.staff, id, &f.reason)
    })
    .await
}

/// The payee details opened to pay, on the printable payout register (奖励发放登记表) whose form
/// records the payment; the opening, with its reason, is in the case history and the audit log.
pub async fn finance_payee(sent: TargetForm<can::PayReward, DecisionForm, RewardId>) -> PageResult {
    let (to, f) = (sent.to, sent.form);
    let typed = f.clone();
    let outcome = to
        .run(move |s, st, id| {
            let opened = s.open_payee(&st.staff, *id, &f.reason)?;
            Ok((opened, s.display_names()?))
        })
        .await;
    let ((payee, v), people) = match outcome {
        Ok(opened) => opened,
        Err(e) => return refused(&to, e, typed).await,
    };
    let mut ctx = to.page.context(&to.staff);
    ctx.insert("r", &document(to.page.names(), &people, &v));
    ctx.insert("p", &payee);
    ctx.insert("anonymous", &payee.anonymous);
    ctx.insert("may_pay", &v.steps.has(RewardStep::Pay));
    Ok(to
        .page
        .render("staff/reward_register.html", &ctx, StatusCode::OK))
}

/// The printable reward notice (奖励通知书) for the reporter: amount, claim period and how to
/// claim; nothing of the reporter's identity.
pub async fn finance_notice(sent: TargetPage<can::ReadRewards, RewardId>) -> PageResult {
    let to = sent.to;
    let (v, people) = to
        .run(|s, st, id| Ok((s.reward(&st.staff, *id)?, s.display_names()?)))
        .await?;
    let page = &to.page;
    let mut ctx = page.context(&to.staff);
    ctx.insert("r", &document(page.names(), &people, &v));
    let site = page.state.services.public_url.trim_end_matches('/');
    ctx.insert("track_url", &format!("{site}/track"));
    ctx.insert("today", &local_date(page.state.services.today(), page.lang));
    ctx.insert("back", "/finance");
    Ok(page.render("staff/reward_notice.html", &ctx, StatusCode::OK))
}

/// What the printed documents say of a reward.
fn document(names: Names, people: &People, v: &RewardView) -> Value {
    let (r, lang) = (&v.reward, names.lang);
    // People by their display names (the username when the account is gone).
    let person = |u: &String| people.get(u).unwrap_or(u).clone();
    let opt = |s: &Option<String>| s.as_ref().map(person).unwrap_or_default();
    json!({
        "id": r.id, "case_number": v.case_number, "department": names.unit(&v.department),
        "basis": lang.t(&format!("basis-{}", r.basis)), "policy": r.policy,
        "amount": r.amount.to_string(), "capitals": r.amount.in_capitals().unwrap_or_default(),
        "submitted": local_date(v.case.submitted, lang),
        "claim_deadline": r.claim_deadline.filter(|_| r.status == RewardStatus::Approved).map(|d| local_date(d, lang)).unwrap_or_default(),
        "proposed_by": person(&r.proposed_by), "signed_off_by": opt(&r.signed_off_by),
        "decided_by": opt(&r.decided_by), "second_decided_by": opt(&r.second_decided_by),
    })
}
