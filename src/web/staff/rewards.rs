//! Proposing a reward from the case page (the policy computes the amount and names its rule).

use super::case::{Refused, answer};
use crate::domain::reward::Fen;
use crate::services::rewards::ProposalInput;
use crate::web::extract::can;
use crate::web::pages::{PageResult, TargetForm};
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

pub async fn propose_reward(sent: TargetForm<can::WorkCases, RewardForm>) -> PageResult {
    let (to, input) = (sent.to, sent.form.input());
    let outcome = to.run(move |s, st, case| s.propose_reward(&st.staff, case, &input));
    answer(&to, outcome.await, "reward", Refused::Reward).await
}
