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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

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
