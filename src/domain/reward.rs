//! The reward policy of 《安全生产领域举报奖励办法》 as a district configures it
//! (`config/rewards.toml`): the amount for a verified tip, in integer fen, with the rule and the
//! arithmetic that produced it. Pure: the caller supplies what the officer declared and what the
//! reporter has already been granted this month.
//!
//! What may happen to a reward once proposed (who proposes, signs off, decides, claims, pays,
//! and what status follows) is the lifecycle's one pure function, [`step`], in `lifecycle.rs`.

use serde::Deserialize;

mod lifecycle;

pub use super::money::Fen;
pub use lifecycle::{
    CaseFacts, Conflict, Facts, Refusal, RewardActor, RewardStatus, RewardStep, Who, step,
};

/// A reward's database id, typed so it is never mixed up with a tip's or a staff member's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(transparent)]
#[derive(utoipa::ToSchema)]
pub struct RewardId(pub i64);

impl std::fmt::Display for RewardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<i64> for RewardId {
    fn from(id: i64) -> RewardId {
        RewardId(id)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub major_hazard_fine: FinePolicy,
    pub major_hazard_no_fine: FlatPolicy,
    pub concealed_accident: ConcealedPolicy,
    pub general_hazard: GeneralPolicy,
    pub employee_uplift_percent: i64,
    pub overall_max_yuan: i64,
    /// Days an approved reward may be claimed.
    pub claim_days: i64,
    /// A head signs a proposal off before finance sees it.
    #[serde(default)]
    pub head_signoff: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FinePolicy {
    pub percent: i64,
    pub min_yuan: i64,
    pub max_yuan: i64,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FlatPolicy {
    pub flat_yuan: i64,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConcealedPolicy {
    pub general_yuan: i64,
    pub larger_yuan: i64,
    pub major_yuan: i64,
    pub especially_major_yuan: i64,
    pub max_yuan: i64,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GeneralPolicy {
    pub flat_yuan: i64,
    /// The most one reporter may receive for general hazards in a calendar month.
    pub monthly_cap_yuan: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    General,
    Larger,
    Major,
    EspeciallyMajor,
}

impl Grade {
    pub fn parse(s: &str) -> Option<Grade> {
        match s {
            "general" => Some(Grade::General),
            "larger" => Some(Grade::Larger),
            "major" => Some(Grade::Major),
            "especially_major" => Some(Grade::EspeciallyMajor),
            _ => None,
        }
    }
}

/// What a reward is based on (API.md "Reward proposal").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    MajorHazardFine { fine: Fen },
    MajorHazardNoFine,
    ConcealedAccident { deaths: i64, grade: Grade },
    GeneralHazard,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::MajorHazardFine { .. } => "major_hazard_fine",
            Basis::MajorHazardNoFine => "major_hazard_no_fine",
            Basis::ConcealedAccident { .. } => "concealed_accident",
            Basis::GeneralHazard => "general_hazard",
        }
    }
}

/// The computed amount and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    pub amount: Fen,
    /// The rule and its arithmetic, in words a finance officer can check.
    pub rule: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{0} must not be negative")]
    Negative(&'static str),
    #[error("{0}: the minimum is above the maximum")]
    MinAboveMax(&'static str),
    #[error("{0} must be between 0 and 100")]
    Percent(&'static str),
    #[error("claim_days must be at least 1")]
    ClaimDays,
}

impl Policy {
    /// Checks the numbers once, at start.
    pub fn check(&self) -> Result<(), PolicyError> {
        let non_negative = [
            (
                "major_hazard_fine.min_yuan",
                self.major_hazard_fine.min_yuan,
            ),
            (
                "major_hazard_fine.max_yuan",
                self.major_hazard_fine.max_yuan,
            ),
            (
                "major_hazard_no_fine.flat_yuan",
                self.major_hazard_no_fine.flat_yuan,
            ),
            (
                "concealed_accident.general_yuan",
                self.concealed_accident.general_yuan,
            ),
            (
                "concealed_accident.larger_yuan",
                self.concealed_accident.larger_yuan,
            ),
            (
                "concealed_accident.major_yuan",
                self.concealed_accident.major_yuan,
            ),
            (
                "concealed_accident.especially_major_yuan",
                self.concealed_accident.especially_major_yuan,
            ),
            (
                "concealed_accident.max_yuan",
                self.concealed_accident.max_yuan,
            ),
            ("general_hazard.flat_yuan", self.general_hazard.flat_yuan),
            (
                "general_hazard.monthly_cap_yuan",
                self.general_hazard.monthly_cap_yuan,
            ),
            ("overall_max_yuan", self.overall_max_yuan),
        ];
        for (name, v) in non_negative {
            if v < 0 {
                return Err(PolicyError::Negative(name));
            }
        }
        if self.major_hazard_fine.min_yuan > self.major_hazard_fine.max_yuan {
            return Err(PolicyError::MinAboveMax("major_hazard_fine"));
        }
        for (name, p) in [
            ("major_hazard_fine.percent", self.major_hazard_fine.percent),
            ("employee_uplift_percent", self.employee_uplift_percent),
        ] {
            if !(0..=100).contains(&p) {
                return Err(PolicyError::Percent(name));
            }
        }
        if self.claim_days < 1 {
            return Err(PolicyError::ClaimDays);
        }
        Ok(())
    }

    /// The reward for a verified tip. `employee`: the reporter works for the business reported
    /// (the uplift applies); `granted_this_month`: general-hazard rewards the same reporter
    /// already has this month (for the monthly cap).
    pub fn compute(&self, basis: Basis, employee: bool, granted_this_month: Fen) -> Award {
        let y = Fen::from_yuan;
        let (base, mut rule) = match basis {
            Basis::MajorHazardFine { fine } => {
                let raw = Fen(fine.0.saturating_mul(self.major_hazard_fine.percent) / 100);
                let (min, max) = (
                    y(self.major_hazard_fine.min_yuan),
                    y(self.major_hazard_fine.max_yuan),
                );
                let clamped = raw.clamp(min, max);
                let mut rule = format!(
                    "罚款 {fine} 元 × {}% = {raw} 元",
                    self.major_hazard_fine.percent
                );
                if clamped != raw {
                    rule.push_str(&format!(
                        "，按{} {clamped} 元",
                        if clamped == min { "最低" } else { "最高" }
                    ));
                }
                (clamped, rule)
            }
            Basis::MajorHazardNoFine => (
                y(self.major_hazard_no_fine.flat_yuan),
                format!(
                    "重大事故隐患（无罚款）定额 {} 元",
                    y(self.major_hazard_no_fine.flat_yuan)
                ),
            ),
            Basis::ConcealedAccident { deaths, grade } => {
                let c = &self.concealed_accident;
                let per = y(match grade {
                    Grade::General => c.general_yuan,
                    Grade::Larger => c.larger_yuan,
                    Grade::Major => c.major_yuan,
                    Grade::EspeciallyMajor => c.especially_major_yuan,
                });
                let raw = Fen(per.0.saturating_mul(deaths.max(0)));
                let capped = raw.min(y(c.max_yuan));
                let mut rule = format!("瞒报死亡 {deaths} 人 × {per} 元 = {raw} 元");
                if capped != raw {
                    rule.push_str(&format!("，按最高 {capped} 元"));
                }
                (capped, rule)
            }
            Basis::GeneralHazard => {
                let flat = y(self.general_hazard.flat_yuan);
                (flat, format!("一般隐患定额 {flat} 元"))
            }
        };
        let mut amount = base;
        if employee && self.employee_uplift_percent > 0 {
            let up = Fen(base.0.saturating_mul(100 + self.employee_uplift_percent) / 100);
            rule.push_str(&format!(
                "；本单位职工举报上浮 {}%：{base} × {}% = {up} 元",
                self.employee_uplift_percent,
                100 + self.employee_uplift_percent
            ));
            amount = up;
        }
        // The monthly cap bounds what the reporter receives, uplift included.
        if basis == Basis::GeneralHazard {
            let cap = y(self.general_hazard.monthly_cap_yuan);
            let room = Fen((cap.0.saturating_sub(granted_this_month.0)).max(0));
            if amount > room {
                rule.push_str(&format!(
                    "；本月已获 {granted_this_month} 元，月度上限 {cap} 元，按 {room} 元"
                ));
                amount = room;
            }
        }
        let max = y(self.overall_max_yuan);
        if amount > max {
            rule.push_str(&format!("；总额不超过 {max} 元"));
            amount = max;
        }
        Award { amount, rule }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn fujian() -> Policy {
        Policy {
            major_hazard_fine: FinePolicy {
                percent: 15,
                min_yuan: 3_000,
                max_yuan: 300_000,
            },
            major_hazard_no_fine: FlatPolicy { flat_yuan: 3_000 },
            concealed_accident: ConcealedPolicy {
                general_yuan: 30_000,
                larger_yuan: 40_000,
                major_yuan: 50_000,
                especially_major_yuan: 60_000,
                max_yuan: 300_000,
            },
            general_hazard: GeneralPolicy {
                flat_yuan: 500,
                monthly_cap_yuan: 2_000,
            },
            employee_uplift_percent: 30,
            overall_max_yuan: 300_000,
            claim_days: 60,
            head_signoff: false,
        }
    }

    fn yuan(p: &Policy, b: Basis) -> i64 {
        p.compute(b, false, Fen(0)).amount.0 / 100
    }

    #[test]
    fn the_worked_examples_hold() {
        let p = fujian();
        assert_eq!(
            yuan(
                &p,
                Basis::MajorHazardFine {
                    fine: Fen::from_yuan(100_000)
                }
            ),
            15_000
        );
        assert_eq!(
            yuan(
                &p,
                Basis::MajorHazardFine {
                    fine: Fen::from_yuan(10_000)
                }
            ),
            3_000
        );
        assert_eq!(
            yuan(
                &p,
                Basis::MajorHazardFine {
                    fine: Fen::from_yuan(5_000_000)
                }
            ),
            300_000
        );
        assert_eq!(
            yuan(
                &p,
                Basis::ConcealedAccident {
                    deaths: 2,
                    grade: Grade::Larger
                }
            ),
            80_000
        );
        assert_eq!(
            yuan(
                &p,
                Basis::ConcealedAccident {
                    deaths: 9,
                    grade: Grade::EspeciallyMajor
                }
            ),
            300_000
        );
        assert_eq!(yuan(&p, Basis::GeneralHazard), 500);
        let a = p.compute(
            Basis::MajorHazardFine {
                fine: Fen::from_yuan(10_000),
            },
            false,
            Fen(0),
        );
        assert!(
            a.rule.contains("1500.00") && a.rule.contains("最低 3000.00"),
            "{}",
            a.rule
        );
    }

    #[test]
    fn the_employee_uplift_and_the_monthly_cap_apply() {
        let p = fujian();
        assert_eq!(
            p.compute(
                Basis::MajorHazardFine {
                    fine: Fen::from_yuan(100_000)
                },
                true,
                Fen(0)
            )
            .amount,
            Fen::from_yuan(19_500)
        );
        assert_eq!(
            p.compute(Basis::GeneralHazard, false, Fen::from_yuan(1_800))
                .amount,
            Fen::from_yuan(200)
        );
        assert_eq!(
            p.compute(Basis::GeneralHazard, false, Fen::from_yuan(2_000))
                .amount,
            Fen(0)
        );
        let capped = p.compute(Basis::GeneralHazard, true, Fen::from_yuan(1_800));
        assert_eq!(
            capped.amount,
            Fen::from_yuan(200),
            "the cap holds with the uplift: {}",
            capped.rule
        );
        assert_eq!(
            p.compute(
                Basis::MajorHazardFine {
                    fine: Fen::from_yuan(5_000_000)
                },
                true,
                Fen(0)
            )
            .amount,
            Fen::from_yuan(300_000),
            "uplift never passes the overall cap"
        );
    }

    fn grade() -> impl Strategy<Value = Grade> {
        prop_oneof![
            Just(Grade::General),
            Just(Grade::Larger),
            Just(Grade::Major),
            Just(Grade::EspeciallyMajor),
        ]
    }

    fn basis() -> impl Strategy<Value = Basis> {
        prop_oneof![
            (0..=Fen::MAX.0).prop_map(|f| Basis::MajorHazardFine { fine: Fen(f) }),
            Just(Basis::MajorHazardNoFine),
            (0..=i64::MAX, grade())
                .prop_map(|(deaths, grade)| Basis::ConcealedAccident { deaths, grade }),
            Just(Basis::GeneralHazard),
        ]
    }

    /// Any policy that passes `check` (amounts up to a million yuan).
    fn policy() -> impl Strategy<Value = Policy> {
        let y = || 0..=1_000_000i64;
        (
            (0..=100i64, y(), y(), y()),
            (y(), y(), y(), y(), y()),
            (y(), y(), 0..=100i64, y(), any::<bool>()),
        )
            .prop_map(
                |((percent, a, b, no_fine), (g, l, m, e, cmax), (flat, cap, up, max, hs))| Policy {
                    major_hazard_fine: FinePolicy {
                        percent,
                        min_yuan: a.min(b),
                        max_yuan: a.max(b),
                    },
                    major_hazard_no_fine: FlatPolicy { flat_yuan: no_fine },
                    concealed_accident: ConcealedPolicy {
                        general_yuan: g,
                        larger_yuan: l,
                        major_yuan: m,
                        especially_major_yuan: e,
                        max_yuan: cmax,
                    },
                    general_hazard: GeneralPolicy {
                        flat_yuan: flat,
                        monthly_cap_yuan: cap,
                    },
                    employee_uplift_percent: up,
                    overall_max_yuan: max,
                    claim_days: 60,
                    head_signoff: hs,
                },
            )
            .prop_filter("a policy that passes its check", |p| p.check().is_ok())
    }

    proptest! {
        /// Whatever the policy and the input: never negative, never above the overall cap; a
        /// fine's reward never below the minimum (unless the overall cap is lower) and, without
        /// the uplift, never above the fine rule's maximum; a concealed accident's, without the
        /// uplift, never above its maximum.
        #[test]
        fn every_award_stays_within_the_policy_bounds(
            p in policy(),
            b in basis(),
            employee in any::<bool>(),
            granted in 0..=Fen::MAX.0,
        ) {
            let a = p.compute(b, employee, Fen(granted)).amount;
            let y = Fen::from_yuan;
            prop_assert!(a >= Fen(0) && a <= y(p.overall_max_yuan), "{a}");
            match b {
                Basis::MajorHazardFine { .. } => {
                    prop_assert!(a >= y(p.major_hazard_fine.min_yuan).min(y(p.overall_max_yuan)));
                    if !employee {
                        prop_assert!(a <= y(p.major_hazard_fine.max_yuan));
                    }
                }
                Basis::ConcealedAccident { .. } if !employee => {
                    prop_assert!(a <= y(p.concealed_accident.max_yuan));
                }
                _ => {}
            }
        }

        /// The general-hazard reward and what the reporter already has this month never pass
        /// the monthly cap, uplift included.
        #[test]
        fn general_hazard_rewards_keep_the_monthly_cap(
            p in policy(),
            employee in any::<bool>(),
            granted in 0..=200_000_000i64,
        ) {
            let cap = Fen::from_yuan(p.general_hazard.monthly_cap_yuan);
            let a = p.compute(Basis::GeneralHazard, employee, Fen(granted)).amount;
            prop_assert!(a.0 + granted <= cap.0.max(granted), "{a} after {granted} under {cap}");
        }

        /// A larger fine never earns a smaller reward.
        #[test]
        fn the_fine_reward_grows_with_the_fine(
            p in policy(),
            f1 in 0..=Fen::MAX.0,
            f2 in 0..=Fen::MAX.0,
            employee in any::<bool>(),
        ) {
            let at = |f| p.compute(Basis::MajorHazardFine { fine: Fen(f) }, employee, Fen(0)).amount;
            prop_assert!(at(f1.min(f2)) <= at(f1.max(f2)));
        }
    }

    #[test]
    fn a_bad_policy_is_refused() {
        let mut p = fujian();
        p.major_hazard_fine.min_yuan = 400_000;
        assert_eq!(
            p.check(),
            Err(PolicyError::MinAboveMax("major_hazard_fine"))
        );
        let mut p = fujian();
        p.employee_uplift_percent = 130;
        assert!(p.check().is_err());
        assert_eq!(fujian().check(), Ok(()));
    }
}
