//! Working days: weekends and configured public holidays are not working days, and configured
//! make-up days (调休, a Saturday or Sunday worked in exchange) are. Legal time limits counted in
//! working days (acceptance within 5) use this; limits in calendar days simply add days.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Public holidays (法定节假日) that fall on weekdays or weekends.
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days worked in exchange for a holiday (调休上班).
    #[serde(default)]
    pub working_weekends: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        if self.working_weekends.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`th working day after `start` (the day itself not counted): a limit of 5 working
    /// days from a Friday ends on the next Friday.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// A date written `YYYY-MM-DD`, for the tests of whatever counts days.
#[cfg(test)]
pub(crate) fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_working_days_skip_the_weekend() {
        let c = Calendar::default();
        assert_eq!(c.add_working_days(d("2026-11-27"), 5), d("2026-12-04")); // Fri → Fri
        assert_eq!(c.add_working_days(d("2026-11-28"), 5), d("2026-12-04")); // Sat → Fri
        assert_eq!(c.add_working_days(d("2026-11-30"), 5), d("2026-12-07")); // Mon → Mon
        assert_eq!(c.add_working_days(d("2026-11-30"), 0), d("2026-11-30"));
    }

    #[test]
    fn holidays_pause_the_count_and_make_up_days_count() {
        let c = Calendar {
            holidays: [
                d("2026-10-01"),
                d("2026-10-02"),
                d("2026-10-05"),
                d("2026-10-06"),
                d("2026-10-07"),
            ]
            .into(),
            working_weekends: [d("2026-10-10")].into(),
        };
        // From Wed 30 Sep: Thu–Wed 1–7 Oct are off; Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13.
        assert_eq!(c.add_working_days(d("2026-09-30"), 5), d("2026-10-13"));
        assert!(!c.is_working_day(d("2026-10-01")));
        assert!(c.is_working_day(d("2026-10-10")));
    }
}

/// Properties of the working-day count over generated calendars: random holidays and make-up
/// days (调休) around a random start in 2024–2030.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::collection::btree_set;
    use proptest::prelude::*;

    fn day(offset: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(offset)
    }

    fn is_weekend(d: NaiveDate) -> bool {
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// A start date and a calendar whose holidays and make-up days fall in the months after it
    /// (make-up days are weekend days, as in the State Council's notices).
    fn start_and_calendar() -> impl Strategy<Value = (NaiveDate, Calendar)> {
        (0i64..2500).prop_flat_map(|s| {
            let near = move |n| btree_set((s - 10..s + 150).prop_map(day), 0..n);
            (
                Just(day(s)),
                near(40),
                near(12).prop_map(|set| set.into_iter().filter(|d| is_weekend(*d)).collect()),
            )
                .prop_map(|(start, holidays, working_weekends)| {
                    (
                        start,
                        Calendar {
                            holidays,
                            working_weekends,
                        },
                    )
                })
        })
    }

    proptest! {
        #[test]
        fn the_limit_ends_on_a_working_day_never_a_holiday((start, cal) in start_and_calendar(), n in 1u32..40) {
            let end = cal.add_working_days(start, n);
            prop_assert!(end > start);
            prop_assert!(cal.is_working_day(end));
            prop_assert!(!cal.holidays.contains(&end));
            prop_assert!(!is_weekend(end) || cal.working_weekends.contains(&end));
        }

        #[test]
        fn exactly_n_working_days_lie_between_start_and_end((start, cal) in start_and_calendar(), n in 0u32..40) {
            let end = cal.add_working_days(start, n);
            let counted = start.iter_days().skip(1).take_while(|d| *d <= end)
                .filter(|d| cal.is_working_day(*d)).count();
            prop_assert_eq!(counted, n as usize);
        }

        #[test]
        fn more_working_days_end_strictly_later((start, cal) in start_and_calendar(), n in 0u32..40, more in 1u32..20) {
            prop_assert!(cal.add_working_days(start, n) < cal.add_working_days(start, n + more));
        }

        #[test]
        fn counting_in_two_goes_ends_where_counting_in_one_does((start, cal) in start_and_calendar(), a in 0u32..25, b in 0u32..25) {
            let once = cal.add_working_days(start, a + b);
            prop_assert_eq!(cal.add_working_days(cal.add_working_days(start, a), b), once);
        }

        #[test]
        fn a_make_up_day_counts_and_never_ends_a_limit_later((start, cal) in start_and_calendar(), n in 1u32..20, pick in 0i64..140) {
            let before = cal.add_working_days(start, n);
            // The first weekend day on or after start + 1 + pick, made a working day.
            let extra = (start + Duration::days(1 + pick)).iter_days().find(|d| is_weekend(*d)).unwrap();
            let mut more = cal.clone();
            more.holidays.remove(&extra);
            more.working_weekends.insert(extra);
            prop_assert!(more.is_working_day(extra));
            let after = more.add_working_days(start, n);
            prop_assert!(after <= before);
            if extra < before && !cal.is_working_day(extra) {
                prop_assert!(after < before, "a make-up day before the end brings the end forward");
            }
        }

        #[test]
        fn a_holiday_never_ends_a_limit_earlier((start, cal) in start_and_calendar(), n in 1u32..20, pick in 0i64..140) {
            let before = cal.add_working_days(start, n);
            let off = start + Duration::days(1 + pick);
            let mut fewer = cal.clone();
            fewer.holidays.insert(off);
            let after = fewer.add_working_days(start, n);
            prop_assert!(after >= before);
            prop_assert_ne!(after, off);
        }
    }
}
