//! A case's reward on its page: the unit proposes (the policy computes the amount and names its
//! rule), corrects or withdraws it before finance decides; a head (or the coordinator, never the
//! proposer) signs it off for finance or returns it with a note. Each form names its case, so a
//! refusal comes back on the case page with what was typed.

use super::case::refused;
use crate::domain::reward::{Fen, RewardId};
use crate::services::rewards::ProposalInput;
use crate::web::extract::{StaffForm, can};
use crate::web::pages::{Page, PageResult, see_other};
use actix_web::web;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RewardForm {
    basis: String,
    fine_yuan: String,
    deaths_concealed: String,
    accident_grade: String,
    penalty_decision: String,
    note: String,
    exclude: String,
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

pub async fn propose_reward(
    page: Page,
    path: web::Path<String>,
    sent: StaffForm<can::WorkCases, RewardForm>,
) -> PageResult {
    let Page { state, .. } = &page;
    let (staff, case, input) = (sent.staff.session, path.into_inner(), sent.form.input());
    let (st, c) = (staff.staff.clone(), case.clone());
    let done = state
        .services
        .blocking(move |s| s.propose_reward(&st, &c, &input))
        .await;
    finish(&page, &staff, &case, done.map(|_| "reward")).await
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
    page: Page,
    path: web::Path<RewardId>,
    sent: StaffForm<can::WorkCases, CorrectionForm>,
) -> PageResult {
    let (staff, id, form) = (sent.staff.session, path.into_inner(), sent.form);
    let (st, input) = (staff.staff.clone(), form.reward.input());
    let done = page
        .state
        .services
        .blocking(move |s| s.correct_reward(&st, id, &input))
        .await;
    finish(&page, &staff, &form.case, done.map(|_| "reward_correct")).await
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
    page: Page,
    path: web::Path<RewardId>,
    sent: StaffForm<can::SignOffReward, SignOffForm>,
) -> PageResult {
    let (staff, id, form) = (sent.staff.session, path.into_inner(), sent.form);
    let approve = form.decision != "return";
    let (st, note) = (staff.staff.clone(), form.note.clone());
    let done = page
        .state
        .services
        .blocking(move |s| s.sign_off_reward(&st, id, approve, &note))
        .await;
    let action = if approve {
        "reward_sign_off"
    } else {
        "reward_return"
    };
    finish(&page, &staff, &form.case, done.map(|_| action)).await
}

/// The unit withdraws a proposal, saying why.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    case: String,
    reason: String,
}

pub async fn withdraw_reward(
    page: Page,
    path: web::Path<RewardId>,
    sent: StaffForm<can::WorkCases, WithdrawForm>,
) -> PageResult {
    let (staff, id, form) = (sent.staff.session, path.into_inner(), sent.form);
    let (st, reason) = (staff.staff.clone(), form.reason.clone());
    let done = page
        .state
        .services
        .blocking(move |s| s.withdraw_reward(&st, id, &reason))
        .await;
    finish(&page, &staff, &form.case, done.map(|_| "reward_withdraw")).await
}

/// Back to the case page: with what was done, or with the refusal in the reward section.
async fn finish(
    page: &Page,
    staff: &crate::services::auth::StaffSession,
    case: &str,
    done: Result<&str, crate::services::ServiceError>,
) -> PageResult {
    match done {
        Ok(action) => Ok(see_other(&format!("/staff/tips/{case}?done={action}"))),
        Err(e) => {
            refused(page, staff, case, e, |x, text| {
                x.reward_errors = vec![text];
            })
            .await
        }
    }
}
