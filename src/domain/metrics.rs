//! Figures for oversight (成效评估): per-case facts in, groups out: counts, median and 90th
//! percentile of days to acceptance, verification and rectification, the shares done within the
//! legal limits, and a weighted score whose weights the district configures. Pure.

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

/// Weights of the evaluation score (they need not add up to 1: the score is normalised).
#[derive(Debug, Clone, serde::Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub acceptance_in_time: f64,
    pub verification_in_time: f64,
    pub rectification_done: f64,
    pub overdue_explained: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            acceptance_in_time: 0.3,
            verification_in_time: 0.3,
            rectification_done: 0.3,
            overdue_explained: 0.1,
        }
    }
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
    /// 0–100, from the shares and the weights; `None` when nothing was due.
    pub score: Option<f64>,
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
        score: None,
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
    let (sum, weight) = parts
        .iter()
        .filter_map(|(p, w)| p.map(|p| (p * w, *w)))
        .fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
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
    fn weeks_without_tips_are_shown_as_zero() {
        let from = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let w = weekly(&[fact(None, None, false, false)], from, to);
        assert_eq!(w.iter().map(|(_, n)| *n).collect::<Vec<_>>(), vec![1, 0, 0]);
    }
}
