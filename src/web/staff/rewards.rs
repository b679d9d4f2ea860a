//! Proposing a reward from the case page (the policy computes the amount and names its rule).

use super::case::refused;
use crate::domain::reward::Fen;
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
    match state
        .services
        .blocking(move |s| s.propose_reward(&st, &c, &input))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/staff/tips/{case}?done=reward"))),
        Err(e) => {
            refused(&page, &staff, &case, e, |x, text| {
                x.reward_errors = vec![text];
            })
            .await
        }
    }
}
