//! Rewards as the JSON API answers them (API.md, "Money", "Finance list", the /track reward):
//! typed views from which the OpenAPI document is generated, with amounts written as yuan
//! numbers from the fen (never through a float), the lifecycle's steps as the `may_*` flags, and
//! finance's queue with its totals per status.

use super::rewards::{ReporterReward, RewardView};
use crate::domain::json::Yuan;
use crate::domain::reward::{Fen, RewardId, RewardStatus, RewardStep};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A reward as the API shows it (API.md, "Money", "Finance list").
#[derive(Serialize, ToSchema)]
#[schema(as = Reward)]
pub struct RewardJson<'a> {
    id: RewardId,
    case_number: &'a str,
    /// The lead department's code.
    department: &'a str,
    basis: &'a str,
    amount_fen: i64,
    /// The same amount in yuan, with two decimals.
    #[schema(value_type = f64)]
    amount_yuan: Yuan,
    computed_fen: i64,
    rule: &'a str,
    #[schema(required)]
    penalty_decision: Option<&'a str>,
    employee: bool,
    status: RewardStatus,
    proposed_by: &'a str,
    #[schema(required)]
    signed_off_by: Option<&'a str>,
    #[schema(required)]
    decided_by: Option<&'a str>,
    #[schema(required)]
    decision_note: Option<&'a str>,
    #[schema(required)]
    claim_deadline: Option<String>,
    claimed: bool,
    #[schema(required)]
    paid_reference: Option<&'a str>,
    /// `YYYY-MM-DD`
    #[schema(required)]
    paid_on: Option<String>,
    /// Patterns worth a second look: `same_account`, `same_phone`, `staff_phone`,
    /// `many_this_month`.
    #[schema(value_type = Vec<String>)]
    signals: &'a [&'static str],
    /// The policy (or policy period) whose rates computed it.
    policy: &'a str,
    /// The head's note on signing it off or returning it.
    #[schema(required)]
    signoff_note: Option<&'a str>,
    /// The second finance approver, for an amount above the second-approval amount.
    #[schema(required)]
    second_decided_by: Option<&'a str>,
    /// Claimed and still unpaid after `payout_alert_days`.
    payout_overdue: bool,
    /// What the signed-in staff member may do to it now (the lifecycle's answer).
    may_sign_off: bool,
    may_return: bool,
    may_correct: bool,
    may_withdraw: bool,
    may_decide: bool,
    may_open_payee: bool,
    may_pay: bool,
    may_reinstate: bool,
}

pub fn reward_json(v: &RewardView) -> RewardJson<'_> {
    let (r, may) = (&v.reward, |step| v.steps.has(step));
    RewardJson {
        id: r.id,
        case_number: &v.case_number,
        department: &v.department,
        basis: &r.basis,
        amount_fen: r.amount.0,
        amount_yuan: Yuan(r.amount),
        computed_fen: r.computed.0,
        rule: &r.rule,
        penalty_decision: r.penalty_decision.as_deref(),
        employee: r.employee,
        status: r.status,
        proposed_by: &r.proposed_by,
        signed_off_by: r.signed_off_by.as_deref(),
        decided_by: r.decided_by.as_deref(),
        decision_note: r.decision_note.as_deref(),
        claim_deadline: r.claim_deadline.map(|d| d.to_string()),
        claimed: r.claimed_at.is_some(),
        paid_reference: r.paid_reference.as_deref(),
        paid_on: r.paid_at.map(|t| t.date().to_string()),
        signals: &v.signals,
        policy: &r.policy,
        signoff_note: r.signoff_note.as_deref(),
        second_decided_by: r.second_decided_by.as_deref(),
        payout_overdue: v.payout_overdue,
        may_sign_off: may(RewardStep::SignOff),
        may_return: may(RewardStep::Return),
        may_correct: may(RewardStep::Correct),
        may_withdraw: may(RewardStep::Withdraw),
        may_decide: may(RewardStep::Approve),
        may_open_payee: may(RewardStep::OpenPayee),
        may_pay: may(RewardStep::Pay),
        may_reinstate: may(RewardStep::Reinstate),
    }
}

/// The reporter's reward in the /track answer.
#[derive(Serialize, ToSchema)]
#[schema(as = TrackedReward)]
pub struct TrackReward<'a> {
    /// The reward's status once the reporter is told of it, `pending` before.
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    amount_fen: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, nullable = false)]
    amount_yuan: Option<Yuan>,
    /// `YYYY-MM-DD`
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    claim_deadline: Option<String>,
}

pub fn track_reward(r: &ReporterReward) -> TrackReward<'_> {
    TrackReward {
        status: &r.status,
        amount_fen: r.amount.map(|a| a.0),
        amount_yuan: r.amount.map(Yuan),
        claim_deadline: r.claim_deadline.map(|d| d.to_string()),
    }
}

/// Finance's queue as the API answers it: the rewards with `status` (all without one; an
/// unknown one gives no item) and the totals per status over every reward in reach.
pub fn queue<'a>(all: &'a [RewardView], status: Option<&str>) -> Queue<'a> {
    let totals = totals(all).into_iter().map(|(status, (count, sum))| {
        let total = Total {
            count,
            amount_fen: sum.0,
            amount_yuan: Yuan(sum),
        };
        (status.into(), total)
    });
    let wanted = |v: &&RewardView| status.is_none_or(|s| v.reward.status.as_ref() == s);
    let items: Vec<RewardJson> = all.iter().filter(wanted).map(reward_json).collect();
    Queue {
        total: items.len(),
        items,
        totals: totals.collect(),
    }
}

/// The count and the sum of the rewards per status (finance's queue and its page).
pub fn totals(all: &[RewardView]) -> BTreeMap<RewardStatus, (i64, Fen)> {
    let mut totals: BTreeMap<RewardStatus, (i64, Fen)> = BTreeMap::new();
    for v in all {
        let t = totals.entry(v.reward.status).or_default();
        t.0 += 1;
        t.1 = Fen(t.1.0 + v.reward.amount.0);
    }
    totals
}

/// Finance's queue (API.md, "Finance list"), with the count and sum per status.
#[derive(Serialize, ToSchema)]
#[schema(as = RewardQueue)]
pub struct Queue<'a> {
    total: usize,
    items: Vec<RewardJson<'a>>,
    /// By reward status, over every reward in reach (whatever the filter).
    #[schema(value_type = BTreeMap<String, Total>)]
    totals: BTreeMap<&'static str, Total>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = RewardTotal)]
pub struct Total {
    count: i64,
    amount_fen: i64,
    #[schema(value_type = f64)]
    amount_yuan: Yuan,
}
