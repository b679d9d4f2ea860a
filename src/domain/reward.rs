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
    CaseFacts, Conflict, Facts, Refusal, RewardActor, RewardStatus, RewardStep, Steps, Who, step,
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
    /// Above this amount (yuan) two different finance users approve a reward.
    #[serde(default = "default_second_approval")]
    pub second_approval_above_yuan: i64,
    /// A claim left unpaid this many days is flagged to finance (and mailed once).
    #[serde(default = "default_payout_alert")]
    pub payout_alert_days: i64,
    /// Where the claimed-but-unpaid alerts go (the finance office's mailbox); the district
    /// coordinator's mailbox when absent.
    #[serde(default)]
    pub finance_email: Option<String>,
    /// The standing policy's name, recorded on each reward it computed (`policy` in answers).
    #[serde(default = "default_name")]
    pub name: String,
    /// Dated periods whose rates replace the standing ones for tips submitted within them
    /// (a campaign's raised rewards: 加大隐患举报奖励力度).
    #[serde(default)]
    pub periods: Vec<Period>,
}

fn default_second_approval() -> i64 {
    10_000
}

fn default_payout_alert() -> i64 {
    15
}

fn default_name() -> String {
    "《安全生产领域举报奖励办法》".into()
}

/// A dated policy period: each table it gives replaces the standing policy's table of that
/// name, from `starts` to `ends` (both included) by the day the tip was submitted.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub name: String,
    pub starts: chrono::NaiveDate,
    pub ends: chrono::NaiveDate,
    pub employee_uplift_percent: Option<i64>,
    pub major_hazard_fine: Option<FinePolicy>,
    pub major_hazard_no_fine: Option<FlatPolicy>,
    pub concealed_accident: Option<ConcealedPolicy>,
    pub general_hazard: Option<GeneralPolicy>,
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{0} must not be negative")]
    Negative(&'static str),
    #[error("{0}: the minimum is above the maximum")]
    MinAboveMax(&'static str),
    #[error("{0} must be between 0 and 100")]
    Percent(&'static str),
    #[error("claim_days must be at least 1")]
    ClaimDays,
    #[error("payout_alert_days must be at least 1")]
    AlertDays,
    #[error("period {0}: it ends before it starts, or has no name")]
    PeriodDates(String),
    #[error("periods {0} and {1} overlap")]
    PeriodsOverlap(String, String),
    #[error("period {0}: {1}")]
    InPeriod(String, Box<PolicyError>),
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
            (
                "second_approval_above_yuan",
                self.second_approval_above_yuan,
            ),
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
        if self.payout_alert_days < 1 {
            return Err(PolicyError::AlertDays);
        }
        let mut periods: Vec<&Period> = self.periods.iter().collect();
        periods.sort_by_key(|p| p.starts);
        for p in &periods {
            if p.ends < p.starts || p.name.trim().is_empty() {
                return Err(PolicyError::PeriodDates(p.name.clone()));
            }
            self.in_force(p.starts)
                .check()
                .map_err(|e| PolicyError::InPeriod(p.name.clone(), Box::new(e)))?;
        }
        for pair in periods.windows(2) {
            if pair[1].starts <= pair[0].ends {
                let names = (pair[0].name.clone(), pair[1].name.clone());
                return Err(PolicyError::PeriodsOverlap(names.0, names.1));
            }
        }
        Ok(())
    }

    /// The policy in force for a tip submitted on `day`: the standing one, or the period's
    /// tables over it, named after the period.
    pub fn in_force(&self, day: chrono::NaiveDate) -> Policy {
        let mut p = Policy {
            periods: Vec::new(),
            ..self.clone()
        };
        let Some(period) = self
            .periods
            .iter()
            .find(|p| p.starts <= day && day <= p.ends)
        else {
            return p;
        };
        p.name = period.name.clone();
        if let Some(v) = period.employee_uplift_percent {
            p.employee_uplift_percent = v;
        }
        if let Some(v) = &period.major_hazard_fine {
            p.major_hazard_fine = v.clone();
        }
        if let Some(v) = &period.major_hazard_no_fine {
            p.major_hazard_no_fine = v.clone();
        }
        if let Some(v) = &period.concealed_accident {
            p.concealed_accident = v.clone();
        }
        if let Some(v) = &period.general_hazard {
            p.general_hazard = v.clone();
        }
        p
    }

    /// The amounts finance may approve for a basis: above zero, and within what the policy
    /// could give for it (a fine's minimum to its maximum; up to the flat amount or the
    /// accident maximum, with the employee uplift; never above the overall maximum).
    pub fn bounds(&self, basis: Basis, employee: bool) -> (Fen, Fen) {
        let y = Fen::from_yuan;
        let (min, max) = match basis {
            Basis::MajorHazardFine { .. } => (
                y(self.major_hazard_fine.min_yuan),
                y(self.major_hazard_fine.max_yuan),
            ),
            Basis::MajorHazardNoFine => (Fen(1), y(self.major_hazard_no_fine.flat_yuan)),
            Basis::ConcealedAccident { .. } => (Fen(1), y(self.concealed_accident.max_yuan)),
            Basis::GeneralHazard => (Fen(1), y(self.general_hazard.flat_yuan)),
        };
        let uplift = if employee {
            100 + self.employee_uplift_percent
        } else {
            100
        };
        let max = Fen(max.0.saturating_mul(uplift) / 100).min(y(self.overall_max_yuan));
        (min.max(Fen(1)).min(max), max)
    }

    /// The policy a reward recorded by name: that period's, or the standing one (also for a
    /// name no longer configured).
    pub fn named(&self, name: Option<&str>) -> Policy {
        match name.and_then(|n| self.periods.iter().find(|p| p.name == n)) {
            Some(p) => self.in_force(p.starts),
            None => Policy {
                periods: Vec::new(),
                ..self.clone()
            },
        }
    }

    /// Whether approving `amount` needs a second finance user.
    pub fn needs_second_approval(&self, amount: Fen) -> bool {
        amount > Fen::from_yuan(self.second_approval_above_yuan)
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
            second_approval_above_yuan: 10_000,
            payout_alert_days: 15,
            finance_email: None,
            name: "standing".into(),
            periods: Vec::new(),
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
                    second_approval_above_yuan: 10_000,
                    payout_alert_days: 15,
                    finance_email: None,
                    name: "standing".into(),
                    periods: Vec::new(),
                },
            )
            .prop_filter("a policy that passes its check", |p| p.check().is_ok())
    }

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn campaign(name: &str, starts: &str, ends: &str) -> Period {
        Period {
            name: name.into(),
            starts: day(starts),
            ends: day(ends),
            employee_uplift_percent: None,
            major_hazard_fine: None,
            major_hazard_no_fine: Some(FlatPolicy { flat_yuan: 5_000 }),
            concealed_accident: None,
            general_hazard: Some(GeneralPolicy {
                flat_yuan: 1_000,
                monthly_cap_yuan: 3_000,
            }),
        }
    }

    #[test]
    fn a_period_raises_its_tables_for_tips_submitted_within_it() {
        let p = Policy {
            periods: vec![campaign("大排查大整治", "2026-06-01", "2026-12-31")],
            ..fujian()
        };
        assert_eq!(p.check(), Ok(()));
        let before = p.in_force(day("2026-05-31"));
        assert_eq!(before.name, "standing");
        assert_eq!(yuan(&before, Basis::GeneralHazard), 500);
        for d in ["2026-06-01", "2026-12-31"] {
            let during = p.in_force(day(d));
            assert_eq!(during.name, "大排查大整治");
            assert_eq!(yuan(&during, Basis::GeneralHazard), 1_000);
            assert_eq!(yuan(&during, Basis::MajorHazardNoFine), 5_000);
            // What the period does not give stays as it was.
            assert_eq!(during.major_hazard_fine, p.major_hazard_fine);
        }
        assert_eq!(p.in_force(day("2027-01-01")).name, "standing");
        assert_eq!(
            p.named(Some("大排查大整治")).general_hazard.flat_yuan,
            1_000
        );
        assert_eq!(p.named(Some("gone")).general_hazard.flat_yuan, 500);
        assert_eq!(p.named(None).name, "standing");
    }

    #[test]
    fn overlapping_or_backward_periods_stop_the_start() {
        let overlapping = Policy {
            periods: vec![
                campaign("一", "2026-01-01", "2026-06-30"),
                campaign("二", "2026-06-30", "2026-12-31"),
            ],
            ..fujian()
        };
        assert_eq!(
            overlapping.check(),
            Err(PolicyError::PeriodsOverlap("一".into(), "二".into()))
        );
        let backward = Policy {
            periods: vec![campaign("反", "2026-06-01", "2026-05-01")],
            ..fujian()
        };
        assert_eq!(backward.check(), Err(PolicyError::PeriodDates("反".into())));
        let mut bad = campaign("坏", "2026-01-01", "2026-02-01");
        bad.employee_uplift_percent = Some(300);
        let bad = Policy {
            periods: vec![bad],
            ..fujian()
        };
        assert!(matches!(bad.check(), Err(PolicyError::InPeriod(..))));
    }

    #[test]
    fn finance_bounds_follow_the_basis() {
        let p = fujian();
        let fine = Basis::MajorHazardFine {
            fine: Fen::from_yuan(1),
        };
        assert_eq!(
            p.bounds(fine, false),
            (Fen::from_yuan(3_000), Fen::from_yuan(300_000))
        );
        assert_eq!(
            p.bounds(Basis::GeneralHazard, false),
            (Fen(1), Fen::from_yuan(500))
        );
        assert_eq!(
            p.bounds(Basis::GeneralHazard, true),
            (Fen(1), Fen::from_yuan(650))
        );
        assert!(p.needs_second_approval(Fen::from_yuan(10_000) + Fen(1)));
        assert!(!p.needs_second_approval(Fen::from_yuan(10_000)));
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
            // Finance may always approve what the policy computed.
            let (min, max) = p.bounds(b, employee);
            prop_assert!(a == Fen(0) || (min <= a && a <= max), "{a} not in {min}..{max}");
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
