//! Which legal time limit a case is running against, given its status, and whether it has passed.
//! The dates themselves are set by the services when the case moves (acceptance from arrival in
//! working days, verification from acceptance, feedback from the verification result,
//! rectification as ordered).

use super::status::Status;
use chrono::NaiveDate;
use serde::Serialize;

text_enum! {
    /// A time limit of a case (the one a written explanation answers, too).
    pub enum Limit {
        Acceptance,
        Verification,
        Feedback,
        Rectification,
    }
}

/// The case's time limits (a date is the last day allowed), as `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CaseDeadlines)]
pub struct Deadlines {
    #[schema(value_type = Option<String>, required)]
    pub acceptance: Option<NaiveDate>,
    #[schema(value_type = Option<String>, required)]
    pub verification: Option<NaiveDate>,
    /// Set when verification ends; cleared once the reporter has been told.
    #[schema(value_type = Option<String>, required)]
    pub feedback: Option<NaiveDate>,
    #[schema(value_type = Option<String>, required)]
    pub rectification: Option<NaiveDate>,
}

impl Deadlines {
    /// The limit the case runs against now, with its date.
    pub fn current(&self, status: Status) -> Option<(Limit, NaiveDate)> {
        let pick = |limit, date: Option<NaiveDate>| date.map(|d| (limit, d));
        match status {
            Status::Submitted => pick(Limit::Acceptance, self.acceptance),
            Status::Accepted | Status::Verifying => pick(Limit::Verification, self.verification),
            Status::Substantiated | Status::Unsubstantiated => pick(Limit::Feedback, self.feedback),
            Status::Rectifying => pick(Limit::Rectification, self.rectification)
                .into_iter()
                .chain(pick(Limit::Feedback, self.feedback))
                .min_by_key(|(_, d)| *d),
            _ => None,
        }
    }

    /// The last day of a limit, if the case has one.
    pub fn due(&self, limit: Limit) -> Option<NaiveDate> {
        match limit {
            Limit::Acceptance => self.acceptance,
            Limit::Verification => self.verification,
            Limit::Feedback => self.feedback,
            Limit::Rectification => self.rectification,
        }
    }

    /// The limits the case has missed by `today`, in their order: met after the last day, or
    /// not met with the last day passed while the case is open (a feedback limit is met by
    /// telling the reporter, which clears it, so one still on the file is not met).
    pub fn missed(&self, met: &Met, open: bool, today: NaiveDate) -> Vec<Limit> {
        use strum::VariantArray;
        Limit::VARIANTS
            .iter()
            .copied()
            .filter(|&limit| {
                let Some(due) = self.due(limit) else {
                    return false;
                };
                match met.on(limit) {
                    Some(day) => day > due,
                    None => open && today > due,
                }
            })
            .collect()
    }

    /// Whether the current limit has passed (`today` is the deployment's local date).
    pub fn overdue(&self, status: Status, today: NaiveDate) -> bool {
        self.current(status).is_some_and(|(_, due)| due < today)
    }
}

/// The local days a case met its limits on, as its file records them (feedback has none: the
/// limit is cleared when met).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Met {
    /// Accepted, or refused (refusing is the acceptance decision too).
    pub acceptance: Option<NaiveDate>,
    pub verification: Option<NaiveDate>,
    pub rectification: Option<NaiveDate>,
}

impl Met {
    pub fn on(&self, limit: Limit) -> Option<NaiveDate> {
        match limit {
            Limit::Acceptance => self.acceptance,
            Limit::Verification => self.verification,
            Limit::Feedback => None,
            Limit::Rectification => self.rectification,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::d;

    #[test]
    fn the_current_limit_follows_the_status() {
        let dl = Deadlines {
            acceptance: Some(d("2026-12-04")),
            verification: Some(d("2027-02-01")),
            feedback: None,
            rectification: Some(d("2026-12-20")),
        };
        assert_eq!(
            dl.current(Status::Submitted),
            Some((Limit::Acceptance, d("2026-12-04")))
        );
        assert_eq!(
            dl.current(Status::Verifying),
            Some((Limit::Verification, d("2027-02-01")))
        );
        assert_eq!(
            dl.current(Status::Rectifying),
            Some((Limit::Rectification, d("2026-12-20")))
        );
        assert_eq!(dl.current(Status::Closed), None);
        assert!(
            !dl.overdue(Status::Submitted, d("2026-12-04")),
            "the last day itself is in time"
        );
        assert!(dl.overdue(Status::Submitted, d("2026-12-05")));
        assert!(!dl.overdue(Status::Closed, d("2030-01-01")));
    }

    #[test]
    fn a_limit_is_missed_when_met_late_or_passed_while_open() {
        let dl = Deadlines {
            acceptance: Some(d("2026-12-04")),
            verification: Some(d("2027-02-01")),
            feedback: Some(d("2026-12-10")),
            rectification: Some(d("2026-12-20")),
        };
        let met = Met {
            acceptance: Some(d("2026-12-05")),
            verification: Some(d("2027-01-01")),
            rectification: None,
        };
        use Limit as L;
        for (today, open, expected) in [
            ("2026-12-10", true, vec![L::Acceptance]),
            ("2026-12-11", true, vec![L::Acceptance, L::Feedback]),
            (
                "2026-12-21",
                true,
                vec![L::Acceptance, L::Feedback, L::Rectification],
            ),
            // A closed case misses nothing more by standing still.
            ("2026-12-21", false, vec![L::Acceptance]),
        ] {
            assert_eq!(dl.missed(&met, open, d(today)), expected, "{today} {open}");
        }
        let on_time = Met {
            acceptance: Some(d("2026-12-04")),
            ..met
        };
        assert!(
            dl.missed(&on_time, true, d("2026-12-04")).is_empty(),
            "the last day itself is in time"
        );
    }
}

/// Properties over every status and generated limits.
#[cfg(test)]
mod properties {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;
    use strum::VariantArray;

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..3650).prop_map(|o| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(o))
    }

    fn deadlines() -> impl Strategy<Value = Deadlines> {
        let d = || proptest::option::of(date());
        (d(), d(), d(), d()).prop_map(|(acceptance, verification, feedback, rectification)| {
            Deadlines {
                acceptance,
                verification,
                feedback,
                rectification,
            }
        })
    }

    proptest! {
        #[test]
        fn a_case_is_overdue_exactly_after_the_last_day_and_stays_so(dl in deadlines(), today in date(), later in 0i64..400) {
            for status in Status::VARIANTS.iter().copied() {
                let overdue = dl.overdue(status, today);
                prop_assert_eq!(overdue, dl.current(status).is_some_and(|(_, due)| due < today));
                if let Some((_, due)) = dl.current(status) {
                    prop_assert!(!dl.overdue(status, due), "the last day itself is in time");
                }
                if overdue {
                    prop_assert!(dl.overdue(status, today + Duration::days(later)));
                }
            }
        }

        #[test]
        fn the_current_limit_is_one_the_case_has(dl in deadlines()) {
            let all = [dl.acceptance, dl.verification, dl.feedback, dl.rectification];
            for status in Status::VARIANTS.iter().copied() {
                if let Some((_, due)) = dl.current(status) {
                    prop_assert!(all.contains(&Some(due)));
                }
            }
        }
    }
}
