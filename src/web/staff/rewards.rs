//! A case's reward on its page: the unit proposes (the policy computes the amount and names its
//! rule), corrects or withdraws it before finance decides; a head (or the coordinator, never the
//! proposer) signs it off for finance or returns it with a note. Each form names its case, so a
//! refusal comes back on the case page with what was typed.

use super::case::{Refused, answer, preview, refused};
use crate::domain::reward::{Fen, RewardId};
use crate::services::auth::StaffSession;
use crate::services::rewards::ProposalInput;
use crate::services::rewards::RewardView;
use crate::services::{ServiceResult, Services};
use crate::web::extract::can;
use crate::web::pages::{PageResult, Target, TargetForm};
use serde::{Deserialize, Serialize};

/// The proposal form as typed (shown again with a refusal or a preview).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct RewardForm {
    basis: String,
    fine_yuan: String,
    deaths_concealed: String,
    accident_grade: String,
    penalty_decision: String,
    note: String,
    exclude: String,
    /// Set by the "compute the amount" button: show what the proposal would come to, store nothing.
    #[serde(skip_serializing)]
    preview: String,
}

impl RewardForm {
    fn input(&self) -> ProposalInput {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        ProposalInput {
            basis: self.basis.clone(),
            fine_yuan: Fen::parse_field("fine_yuan", &self.fine_yuan),
            deaths_concealed: self.deaths_concealed.trim().parse().ok(),
            accident_grade: opt(&self.accident_grade),
            penalty_decision: opt(&self.penalty_decision),
            note: opt(&self.note),
            exclude: opt(&self.exclude),
        }
    }
}

pub async fn propose_reward(sent: TargetForm<can::WorkCases, RewardForm>) -> PageResult {
    let (to, form) = (sent.to, sent.form);
    let input = form.input();
    if !form.preview.is_empty() {
        let outcome = to
            .run(move |s, st, case| s.preview_reward(&st.staff, case, &input))
            .await;
        return match outcome {
            Ok(r) => {
                let lang = to.page.lang;
                let amount = r.amount.to_string();
                let text = lang.t_str(
                    "reward-preview",
                    &[
                        ("amount", &amount),
                        ("rule", &r.rule),
                        ("policy", &r.policy),
                    ],
                );
                preview(&to, form, text).await
            }
            Err(e) => refused(&to, e, Refused::Proposal(form)).await,
        };
    }
    let outcome = to
        .run(move |s, st, case| s.propose_reward(&st.staff, case, &input))
        .await;
    answer(&to, outcome, "reward", Refused::Proposal(form)).await
}

/// Runs a step on a reward from the case page `case`, then goes back to the case's page (the one
/// the reward belongs to, or, when refused, the one the form came from) saying what was done, or
/// shows the refusal beside the reward section.
async fn step_on_case(
    to: Target<RewardId>,
    case: String,
    what: &str,
    step: impl FnOnce(Services, &StaffSession, RewardId) -> ServiceResult<RewardView> + Send + 'static,
) -> PageResult {
    let outcome = to.run(move |s, st, id| step(s, st, *id)).await;
    let case = outcome
        .as_ref()
        .map(|v| v.case_number.clone())
        .unwrap_or(case);
    let to = Target {
        page: to.page,
        staff: to.staff,
        key: case,
    };
    answer(&to, outcome, what, Refused::Reward).await
}

/// A correction of a proposal: the proposal's fields, and the case whose page it came from.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrectionForm {
    case: String,
    #[serde(flatten)]
    reward: RewardForm,
}

pub async fn correct_reward(
    sent: TargetForm<can::WorkCases, CorrectionForm, RewardId>,
) -> PageResult {
    let CorrectionForm { case, reward } = sent.form;
    let input = reward.input();
    step_on_case(sent.to, case, "reward_correct", move |s, st, id| {
        s.correct_reward(&st.staff, id, &input)
    })
    .await
}

/// A head's sign-off from the case page: `approve` for finance, or `return` with a note.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignOffForm {
    case: String,
    decision: String,
    note: String,
}

pub async fn sign_off_reward(
    sent: TargetForm<can::SignOffReward, SignOffForm, RewardId>,
) -> PageResult {
    let SignOffForm {
        case,
        decision,
        note,
    } = sent.form;
    let approve = decision != "return";
    let what = if approve {
        "reward_sign_off"
    } else {
        "reward_return"
    };
    step_on_case(sent.to, case, what, move |s, st, id| {
        s.sign_off_reward(&st.staff, id, approve, &note)
    })
    .await
}

/// The unit withdraws a proposal, saying why.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    case: String,
    reason: String,
}

pub async fn withdraw_reward(
    sent: TargetForm<can::WorkCases, WithdrawForm, RewardId>,
) -> PageResult {
    let WithdrawForm { case, reason } = sent.form;
    step_on_case(sent.to, case, "reward_withdraw", move |s, st, id| {
        s.withdraw_reward(&st.staff, id, &reason)
    })
    .await
}
