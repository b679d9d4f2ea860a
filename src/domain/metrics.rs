//! Figures for oversight (成效评估): per-case facts in, groups out: counts, median and 90th
//! percentile of days to acceptance, verification and rectification, the shares done within the
//! legal limits, and a weighted score whose weights the district configures: the computed shares
//! and, where the coordinator entered them for the unit and period, the four judgments of the
//! seed (组织领导, 隐患排查, 整改到位, 事故防控, each 0–100). Pure.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What the figures need to know of one case.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    pub case_number: String,
    pub sector: String,
    pub street: Option<String>,
    pub department: String,
    /// How it came in (`web`, `hotline_12345`, `media`…).
    pub channel: String,
    pub submitted: NaiveDate,
    pub accepted: bool,
    pub found_true: bool,
    pub rectification_ordered: bool,
    pub rectified: bool,
    /// Missed any limit (acceptance, verification or rectification) in the period.
    pub overdue: bool,
    /// Missed its rectification deadline (the only limit a written explanation answers).
    pub rectification_late: bool,
    /// The delay of a late rectification stands explained in writing (not returned).
    pub explained: bool,
    /// Every limit it missed has an explanation that 区安委办 accepted.
    pub overdue_accepted: bool,
    pub days_to_acceptance: Option<f64>,
    pub days_to_verification: Option<f64>,
    pub days_to_rectification: Option<f64>,
    pub accepted_in_time: Option<bool>,
    pub verified_in_time: Option<bool>,
}

/// Weights of the evaluation score (they need not add up to 1: the score is normalised over
/// the parts that exist). The first four weigh the computed shares, the last four the judgments
/// the coordinator enters; a unit without judgments is scored on the shares alone.
#[derive(Debug, Clone, serde::Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub acceptance_in_time: f64,
    pub verification_in_time: f64,
    pub rectification_done: f64,
    pub overdue_explained: f64,
    /// 组织领导 (organisation and leadership), entered.
    pub leadership: f64,
    /// 隐患排查 (hazard screening), entered.
    pub hazard_screening: f64,
    /// 整改到位 (rectification in place), entered.
    pub rectification_in_place: f64,
    /// 事故防控 (accident prevention), entered.
    pub accident_prevention: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            acceptance_in_time: 0.3,
            verification_in_time: 0.3,
            rectification_done: 0.3,
            overdue_explained: 0.1,
            leadership: 0.25,
            hazard_screening: 0.25,
            rectification_in_place: 0.25,
            accident_prevention: 0.25,
        }
    }
}

/// The four judgments of the seed, each 0–100, as the coordinator entered them for a unit and
/// period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Judgments {
    pub leadership: u8,
    pub hazard_screening: u8,
    pub rectification_in_place: u8,
    pub accident_prevention: u8,
}

/// A share: done of due, with the percentage when anything was due.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Share {
    pub done: i64,
    pub of: i64,
}

impl Share {
    pub fn percent(self) -> Option<f64> {
        (self.of > 0).then(|| self.done as f64 * 100.0 / self.of as f64)
    }
}

/// The figures of one group (a sector, a street, a department, or everything).
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub key: String,
    pub received: i64,
    pub accepted: i64,
    pub found_true: i64,
    pub rectified: i64,
    pub overdue: i64,
    /// Late rectifications, and how many of them were explained in writing.
    pub rectification_late: i64,
    pub overdue_explained: i64,
    /// Overdue cases whose every missed limit has an accepted explanation (说明已采纳).
    pub overdue_accepted: i64,
    pub acceptance_in_time: Share,
    pub verification_in_time: Share,
    pub rectification_done: Share,
    pub median_days_to_acceptance: Option<f64>,
    pub p90_days_to_acceptance: Option<f64>,
    pub median_days_to_verification: Option<f64>,
    pub p90_days_to_verification: Option<f64>,
    pub median_days_to_rectification: Option<f64>,
    pub p90_days_to_rectification: Option<f64>,
    /// 0–100, the weighted total: the shares and, when entered, the judgments; `None` when
    /// nothing was due and nothing was judged.
    pub score: Option<f64>,
    /// 0–100, from the shares alone; `None` when nothing was due.
    pub computed_score: Option<f64>,
    /// The judgments entered for this group's unit and period (`None`: 未评分).
    pub judgments: Option<Judgments>,
    /// The computed part of the score: (weighted sum, sum of weights).
    computed: (f64, f64),
}

/// The `p`-th percentile (0–100) by nearest rank.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

pub fn group(key: &str, facts: &[&CaseFacts], w: &Weights) -> Group {
    let count = |f: &dyn Fn(&CaseFacts) -> bool| facts.iter().filter(|c| f(c)).count() as i64;
    let share = |f: &dyn Fn(&CaseFacts) -> Option<bool>| {
        let known: Vec<bool> = facts.iter().filter_map(|c| f(c)).collect();
        Share {
            done: known.iter().filter(|b| **b).count() as i64,
            of: known.len() as i64,
        }
    };
    let days = |f: &dyn Fn(&CaseFacts) -> Option<f64>| {
        facts.iter().filter_map(|c| f(c)).collect::<Vec<_>>()
    };
    let (acc, ver, rect) = (
        days(&|c| c.days_to_acceptance),
        days(&|c| c.days_to_verification),
        days(&|c| c.days_to_rectification),
    );
    let mut g = Group {
        key: key.to_owned(),
        received: facts.len() as i64,
        accepted: count(&|c| c.accepted),
        found_true: count(&|c| c.found_true),
        rectified: count(&|c| c.rectified),
        overdue: count(&|c| c.overdue),
        rectification_late: count(&|c| c.rectification_late),
        overdue_explained: count(&|c| c.rectification_late && c.explained),
        overdue_accepted: count(&|c| c.overdue && c.overdue_accepted),
        acceptance_in_time: share(&|c| c.accepted_in_time),
        verification_in_time: share(&|c| c.verified_in_time),
        rectification_done: share(&|c| c.rectification_ordered.then_some(c.rectified)),
        median_days_to_acceptance: percentile(&acc, 50.0),
        p90_days_to_acceptance: percentile(&acc, 90.0),
        median_days_to_verification: percentile(&ver, 50.0),
        p90_days_to_verification: percentile(&ver, 90.0),
        median_days_to_rectification: percentile(&rect, 50.0),
        p90_days_to_rectification: percentile(&rect, 90.0),
        ..Group::default()
    };
    let explained = Share {
        done: g.overdue_explained,
        of: g.rectification_late,
    };
    let parts = [
        (g.acceptance_in_time.percent(), w.acceptance_in_time),
        (g.verification_in_time.percent(), w.verification_in_time),
        (g.rectification_done.percent(), w.rectification_done),
        (explained.percent(), w.overdue_explained),
    ];
    let (sum, weight) = weighted(&parts);
    g.computed = (sum, weight);
    g.computed_score = (weight > 0.0).then(|| sum / weight);
    g.score = g.computed_score;
    g
}

/// (Σ share × weight, Σ weight) over the parts that exist.
fn weighted(parts: &[(Option<f64>, f64)]) -> (f64, f64) {
    parts
        .iter()
        .filter_map(|(p, w)| p.map(|p| (p * w, *w)))
        .fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w))
}

/// The group with the judgments entered for it: the total weighs them with the computed shares.
pub fn judged(mut g: Group, j: Judgments, w: &Weights) -> Group {
    let parts = [
        (Some(f64::from(j.leadership)), w.leadership),
        (Some(f64::from(j.hazard_screening)), w.hazard_screening),
        (
            Some(f64::from(j.rectification_in_place)),
            w.rectification_in_place,
        ),
        (
            Some(f64::from(j.accident_prevention)),
            w.accident_prevention,
        ),
    ];
    let (sum, weight) = weighted(&parts);
    let (sum, weight) = (sum + g.computed.0, weight + g.computed.1);
    g.judgments = Some(j);
    g.score = (weight > 0.0).then(|| sum / weight);
    g
}

/// Groups facts by a key, keeping the order of `keys` (and every key, even when empty).
pub fn by(
    facts: &[CaseFacts],
    keys: &[String],
    key_of: impl Fn(&CaseFacts) -> Option<String>,
    w: &Weights,
) -> Vec<Group> {
    let mut map: BTreeMap<String, Vec<&CaseFacts>> = BTreeMap::new();
    for f in facts {
        if let Some(k) = key_of(f) {
            map.entry(k).or_default().push(f);
        }
    }
    keys.iter()
        .map(|k| group(k, map.get(k).map(Vec::as_slice).unwrap_or(&[]), w))
        .collect()
}

/// Tips received per week (weeks start on Monday), oldest first, including empty weeks.
pub fn weekly(facts: &[CaseFacts], from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, i64)> {
    let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let mut weeks: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut w = monday(from);
    while w <= to {
        weeks.insert(w, 0);
        w += Duration::days(7);
    }
    for f in facts {
        *weeks.entry(monday(f.submitted)).or_default() += 1;
    }
    weeks.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(
        accept: Option<f64>,
        in_time: Option<bool>,
        ordered: bool,
        rectified: bool,
    ) -> CaseFacts {
        CaseFacts {
            submitted: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            accepted: accept.is_some(),
            days_to_acceptance: accept,
            accepted_in_time: in_time,
            rectification_ordered: ordered,
            rectified,
            ..CaseFacts::default()
        }
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 50.0), Some(5.0));
        assert_eq!(percentile(&v, 90.0), Some(9.0));
        assert_eq!(percentile(&[3.0], 90.0), Some(3.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn a_group_counts_shares_and_scores() {
        let facts = [
            fact(Some(1.0), Some(true), true, true),
            fact(Some(3.0), Some(true), true, false),
            fact(Some(9.0), Some(false), false, false),
            fact(None, None, false, false),
        ];
        let refs: Vec<&CaseFacts> = facts.iter().collect();
        let g = group("fire", &refs, &Weights::default());
        assert_eq!((g.received, g.accepted), (4, 3));
        assert_eq!(g.acceptance_in_time, Share { done: 2, of: 3 });
        assert_eq!(g.rectification_done, Share { done: 1, of: 2 });
        assert_eq!(g.median_days_to_acceptance, Some(3.0));
        // Only acceptance (66.7%) and rectification (50%) were due, weighted 0.3 each.
        let score = g.score.unwrap();
        assert!((score - 58.333).abs() < 0.01, "{score}");
    }

    #[test]
    fn entered_judgments_weigh_with_the_computed_shares() {
        let facts = [fact(Some(1.0), Some(true), true, false)];
        let refs: Vec<&CaseFacts> = facts.iter().collect();
        let w = Weights::default();
        let g = group("huli", &refs, &w);
        // Acceptance 100% and rectification 0%, 0.3 each: 50.
        assert_eq!(
            (g.score, g.computed_score, g.judgments),
            (Some(50.0), Some(50.0), None)
        );
        let j = Judgments {
            leadership: 90,
            hazard_screening: 80,
            rectification_in_place: 70,
            accident_prevention: 60,
        };
        let judged = judged(g.clone(), j, &w);
        // (100×0.3 + 0×0.3 + (90+80+70+60)×0.25) / (0.6 + 1.0) = 105 / 1.6
        assert!(
            (judged.score.unwrap() - 65.625).abs() < 1e-9,
            "{:?}",
            judged.score
        );
        assert_eq!(
            (judged.computed_score, judged.judgments),
            (Some(50.0), Some(j))
        );
        // Judgments alone weigh nothing when their weights are zero.
        let none = Weights {
            leadership: 0.0,
            hazard_screening: 0.0,
            rectification_in_place: 0.0,
            accident_prevention: 0.0,
            ..Weights::default()
        };
        assert_eq!(super::judged(g.clone(), j, &none).score, Some(50.0));
        // With nothing due, the judgments are the score.
        let empty = group("quiet", &[], &w);
        assert_eq!(empty.score, None);
        assert_eq!(super::judged(empty, j, &w).score, Some(75.0));
    }

    #[test]
    fn weeks_without_tips_are_shown_as_zero() {
        let from = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let w = weekly(&[fact(None, None, false, false)], from, to);
        assert_eq!(w.iter().map(|(_, n)| *n).collect::<Vec<_>>(), vec![1, 0, 0]);
    }
}
