//! What a reporter is told of their tip's course (API.md, version 2, "More on /track"): the
//! steps it went through, read from its history, and its outcome once there is one. Only the
//! fact and day of a step: who took it and the history's notes stay internal.

use super::status::Status;

text_enum! {
    /// One step of the course a reporter sees.
    pub enum TimelineStep {
        Submitted,
        Accepted,
        VerificationStarted,
        /// A decision on the tip: not taken up, found true or not, or a duplicate.
        Result,
        RectificationOrdered,
        Rectified,
        Closed,
    }
}

text_enum! {
    /// What came of a tip.
    pub enum TipOutcome {
        Substantiated,
        Unsubstantiated,
        Rejected,
        Duplicate,
    }
}

/// The reporter's step of a history action, if the reporter is told of it (routing, messages,
/// transfers, explanations and the like are not steps). A reopened case (复查) is verified
/// again.
pub fn step_of(action: &str) -> Option<TimelineStep> {
    Some(match action {
        "submit" => TimelineStep::Submitted,
        "accept" => TimelineStep::Accepted,
        "start_verification" | "reopen" => TimelineStep::VerificationStarted,
        "reject" | "substantiate" | "unsubstantiate" | "mark_duplicate" => TimelineStep::Result,
        "order_rectification" => TimelineStep::RectificationOrdered,
        "confirm_rectified" => TimelineStep::Rectified,
        "close" => TimelineStep::Closed,
        _ => return None,
    })
}

/// The outcome a result action gives.
fn outcome_of(action: &str) -> Option<TipOutcome> {
    Some(match action {
        "reject" => TipOutcome::Rejected,
        "substantiate" => TipOutcome::Substantiated,
        "unsubstantiate" => TipOutcome::Unsubstantiated,
        "mark_duplicate" => TipOutcome::Duplicate,
        _ => return None,
    })
}

/// The outcome of a tip in `status` whose history holds `actions` (oldest first): the last
/// result since the last reopening, once the tip is past deciding (a reopened case being
/// verified again has none).
pub fn outcome<'a>(
    status: Status,
    actions: impl IntoIterator<Item = &'a str>,
) -> Option<TipOutcome> {
    let decided = matches!(
        status,
        Status::Rejected
            | Status::Substantiated
            | Status::Unsubstantiated
            | Status::Duplicate
            | Status::Rectifying
            | Status::Rectified
            | Status::Closed
    );
    let mut last = None;
    for a in actions {
        if a == "reopen" {
            last = None;
        } else if let Some(o) = outcome_of(a) {
            last = Some(o);
        }
    }
    last.filter(|_| decided)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_actions_that_are_not_steps_are_left_out() {
        for a in [
            "route",
            "transfer",
            "reporter_message",
            "explain_delay",
            "message",
        ] {
            assert_eq!(step_of(a), None, "{a}");
        }
        assert_eq!(step_of("mark_duplicate"), Some(TimelineStep::Result));
        assert_eq!(step_of("reopen"), Some(TimelineStep::VerificationStarted));
    }

    #[test]
    fn the_outcome_is_the_last_result_since_the_case_was_reopened() {
        let found = ["submit", "accept", "start_verification", "substantiate"];
        assert_eq!(
            outcome(Status::Substantiated, found),
            Some(TipOutcome::Substantiated)
        );
        let closed = [
            &found[..],
            &["order_rectification", "confirm_rectified", "close"],
        ]
        .concat();
        assert_eq!(
            outcome(Status::Closed, closed),
            Some(TipOutcome::Substantiated)
        );
        let reopened = ["submit", "reject", "reopen"];
        assert_eq!(outcome(Status::Verifying, reopened), None);
        let again = ["submit", "reject", "reopen", "unsubstantiate"];
        assert_eq!(
            outcome(Status::Unsubstantiated, again),
            Some(TipOutcome::Unsubstantiated)
        );
        assert_eq!(
            outcome(Status::Rejected, ["submit", "reject"]),
            Some(TipOutcome::Rejected)
        );
    }

    #[test]
    fn an_open_case_has_no_outcome() {
        assert_eq!(outcome(Status::Accepted, ["submit", "accept"]), None);
        assert_eq!(outcome(Status::Submitted, ["submit"]), None);
    }
}
