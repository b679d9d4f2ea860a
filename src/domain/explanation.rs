//! Written explanations (书面说明) of missed time limits, of a case or of a hazard: they are kept
//! as a list (never overwritten), and 区安委办 accepts or returns each one; a returned one asks
//! for a new one. The pure rules: what state an explanation is in, and whether a missed limit
//! stands explained.

use chrono::NaiveDate;

text_enum! {
    /// 区安委办's answer to an explanation.
    pub enum Decision {
        Accepted,
        /// Not enough: the unit must explain again.
        Returned,
    }
}

text_enum! {
    /// Where an explanation stands, as the report and the pages name it.
    pub enum Standing {
        /// Written, not yet accepted or returned.
        Awaiting,
        Accepted,
        Returned,
    }
}

/// The standing of an explanation with this decision (none yet: awaiting).
pub fn standing(decision: Option<Decision>) -> Standing {
    match decision {
        None => Standing::Awaiting,
        Some(Decision::Accepted) => Standing::Accepted,
        Some(Decision::Returned) => Standing::Returned,
    }
}

/// Whether a limit that ended on `due` stands explained: an explanation of it written after it
/// passed (so one answering an earlier deadline of the same limit does not count) that was not
/// returned. `written` holds each explanation of that limit: its local day and its decision.
pub fn stands_explained(
    due: NaiveDate,
    written: impl IntoIterator<Item = (NaiveDate, Option<Decision>)>,
) -> bool {
    written
        .into_iter()
        .any(|(on, decision)| on > due && decision != Some(Decision::Returned))
}

/// Whether one of these explanations (of one missed limit) was accepted.
pub fn accepted(decisions: impl IntoIterator<Item = Option<Decision>>) -> bool {
    decisions.into_iter().any(|d| d == Some(Decision::Accepted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::d;

    #[test]
    fn a_limit_stands_explained_by_a_later_explanation_not_returned() {
        let due = d("2026-12-10");
        for (written, expected) in [
            (vec![], false),
            (vec![(d("2026-12-11"), None)], true),
            (vec![(d("2026-12-11"), Some(Decision::Accepted))], true),
            (vec![(d("2026-12-11"), Some(Decision::Returned))], false),
            (
                vec![
                    (d("2026-12-11"), Some(Decision::Returned)),
                    (d("2026-12-12"), None),
                ],
                true,
            ),
            // Written on the last day or before it: an earlier deadline's explanation.
            (vec![(d("2026-12-10"), Some(Decision::Accepted))], false),
        ] {
            assert_eq!(
                stands_explained(due, written.clone()),
                expected,
                "{written:?}"
            );
        }
    }

    #[test]
    fn standings_follow_the_decision() {
        assert_eq!(standing(None), Standing::Awaiting);
        assert_eq!(standing(Some(Decision::Accepted)), Standing::Accepted);
        assert_eq!(standing(Some(Decision::Returned)), Standing::Returned);
        assert!(accepted([
            Some(Decision::Returned),
            Some(Decision::Accepted)
        ]));
        assert!(!accepted([None, Some(Decision::Returned)]));
        assert!(!accepted([]));
    }
}
