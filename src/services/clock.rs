//! Where the services read the time. Every use case, the background jobs and the pages that
//! show a date ask the [`Clock`] in `Services`, never the system directly, so a test can start
//! the application at a chosen instant and move time on (instead of editing stored times).

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex, PoisonError};

/// The time source of an installation: the system's clock, or a [`ManualClock`].
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system's clock: what `main` uses.
    #[default]
    System,
    /// A clock that stands still until its holder moves it (tests).
    Manual(ManualClock),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(m) => m.now(),
        }
    }
}

/// A clock that reads what it was last set to; clones share one time, so the test that holds
/// one moves the time of every service and background job it was given to.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_moved_and_clones_share_it() {
        let start = DateTime::parse_from_rfc3339("2026-11-02T02:00:00Z")
            .unwrap()
            .to_utc();
        let held = ManualClock::new(start);
        let clock = Clock::Manual(held.clone());
        assert_eq!(clock.now(), start);
        held.advance(Duration::days(3));
        assert_eq!(clock.now(), start + Duration::days(3));
        held.set(start);
        assert_eq!(clock.clone().now(), start);
    }
}
