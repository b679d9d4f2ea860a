//! Kept oversight figures (issue 14: the dashboard, the evaluation, the report and the
//! supervision page at a million tips). Working out a period's figures reads every case of it
//! (about 77,000 of a million in twelve weeks), far too much for each request. The figures are a
//! pure function of the period's tips (their rows, case files, units, staff messages and written
//! explanations) and of the moment they are judged at; each UTC day of submission has a change
//! counter in `figure_versions`, raised by triggers in the same transaction as every change to
//! one of those rows. A result is kept with the counters of its period's days (its [`Stamp`])
//! and given again only while they, and the day it was judged on, are unchanged: what the pages
//! show is exactly what working it out again would give, on every instance.

use chrono::{NaiveDate, NaiveDateTime};
use std::sync::{Arc, Mutex};

/// What a kept result was worked out against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The change counters of the period's UTC days (days without any are absent).
    pub versions: Vec<(NaiveDate, i64)>,
    /// The local day the figures are judged on (the period's last day, or today).
    pub day: NaiveDate,
    /// Stored UTC: whatever happened at or after it did not count.
    pub end: NaiveDateTime,
}

impl Stamp {
    /// Whether a result worked out at `self` is still the one `now` would give. A change
    /// written after `self` was read raised a counter of its tip's day; a row written before
    /// it with an instant at or after its end (so left out) can only exist when the clock went
    /// back since, which makes `now`'s end earlier.
    fn holds_at(&self, now: &Stamp) -> bool {
        self.versions == now.versions && self.day == now.day && self.end <= now.end
    }
}

/// Results kept per key (a scope and a period), the most recently worked out last; at most
/// `cap` of them. One result is worked out at a time: requests that arrive meanwhile wait and
/// take it instead of reading the same rows again.
pub struct Memo<K, V> {
    kept: Mutex<Vec<(K, Stamp, Arc<V>)>>,
    working: Mutex<()>,
    cap: usize,
}

impl<K: PartialEq + Clone, V> Memo<K, V> {
    pub fn new(cap: usize) -> Self {
        Memo {
            kept: Mutex::new(Vec::new()),
            working: Mutex::new(()),
            cap: cap.max(1),
        }
    }

    fn find(&self, key: &K, now: &Stamp) -> Option<Arc<V>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(k, s, _)| k == key && s.holds_at(now))
            .map(|(_, _, v)| Arc::clone(v))
    }

    /// The result for `key` as of the stamp `stamp` reads now, kept or worked out by `work`
    /// (given that stamp: it must judge as of the stamp's day and end). The stamp is read
    /// before the rows, so a change committed in between only makes the kept result stale
    /// at once, never wrong.
    pub fn get<E>(
        &self,
        key: &K,
        stamp: impl Fn() -> Result<Stamp, E>,
        work: impl FnOnce(&Stamp) -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(v) = self.find(key, &stamp()?) {
            return Ok(v);
        }
        let _alone = self.working.lock().unwrap_or_else(|e| e.into_inner());
        let now = stamp()?;
        if let Some(v) = self.find(key, &now) {
            return Ok(v);
        }
        let v = Arc::new(work(&now)?);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, _, _)| k != key);
        if kept.len() >= self.cap {
            kept.remove(0);
        }
        kept.push((key.clone(), now, Arc::clone(&v)));
        Ok(v)
    }
}

/// The kept results of `Services` (shared by its clones).
pub struct Figures {
    pub oversight: Memo<Scope, super::oversight::Oversight>,
    pub timeliness: Memo<Scope, super::supervision::Timeliness>,
}

/// A unit (`None`: the whole district) and a period's first and last day.
pub type Scope = (Option<String>, NaiveDate, NaiveDate);

impl Default for Figures {
    fn default() -> Self {
        // A twelve-week result holds a few megabytes (the supervision view lists each tip).
        Figures {
            oversight: Memo::new(16),
            timeliness: Memo::new(4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(v: i64, day: u32, end_s: u32) -> Stamp {
        let d = NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        Stamp {
            versions: vec![(d, v)],
            day: d,
            end: d.and_hms_opt(0, 0, end_s).unwrap(),
        }
    }

    #[test]
    fn a_kept_result_holds_until_a_counter_the_day_or_the_clock_moves() {
        let memo: Memo<u8, u32> = Memo::new(2);
        let mut worked = 0;
        let mut get = |s: Stamp| {
            *memo
                .get::<()>(
                    &1,
                    || Ok(s.clone()),
                    |_| {
                        worked += 1;
                        Ok(worked)
                    },
                )
                .unwrap()
        };
        assert_eq!(get(stamp(1, 7, 10)), 1);
        // Later the same day, nothing changed: kept.
        assert_eq!(get(stamp(1, 7, 20)), 1);
        // A change to one of the period's tips.
        assert_eq!(get(stamp(2, 7, 20)), 2);
        // The clock went back.
        assert_eq!(get(stamp(2, 7, 5)), 3);
        // Another day.
        assert_eq!(get(stamp(2, 8, 30)), 4);
    }
}
