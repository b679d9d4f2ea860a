//! Progress reports that are signed and sent (工作报告): a unit's report, or the district's
//! summary (no unit), moves draft → signed (签发) → submitted (to 区安委办). [`decide`] is the one
//! function that says who may take which step in which state; nothing else encodes it.
//!
//! - A unit's officers and heads prepare its report (编制) and edit its narrative while it is a
//!   draft; a head of the unit or the coordinator records the review (审核) and signs it (签发,
//!   as 分管领导); the unit's staff submit it once signed.
//! - The district's summary is prepared, reviewed, signed (as 主要领导) and submitted by the
//!   coordinator.
//! - After submission nothing changes. Anyone else does not see the report at all.

use super::roles::Role;
use chrono::{Datelike, NaiveDate};

text_enum! {
    /// Where a report stands.
    pub enum ReportStatus {
        /// Prepared (编制); the narrative may still change.
        Draft,
        /// Signed (签发); only submission is left.
        Signed,
        /// Sent to 区安委办; final.
        Submitted,
    }
}

text_enum! {
    /// The capacity in which a report was signed (签发).
    pub enum SignerRole {
        /// 分管领导: a unit's report.
        Deputy,
        /// 主要领导: the district's summary.
        Principal,
    }
}

text_enum! {
    /// A step on a report.
    pub enum ReportStep {
        /// Save a new report (编制).
        Prepare,
        /// Read it.
        Read,
        /// Change the narrative.
        Edit,
        /// Record the review (审核).
        Review,
        /// Sign it (签发).
        Sign,
        /// Send it to 区安委办.
        Submit,
    }
}

/// How a staff member stands to a report's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The district office (区安委办).
    Coordinator,
    /// An officer or head of the report's own unit.
    Own(Role),
    /// Anyone else: another unit, finance, an inspector.
    Other,
}

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not this staff member's report to see (answered like a missing one).
    NotInReach,
    /// They see it but may not take this step.
    NotAllowed,
    /// Not in this state (a signed report's narrative, a draft's submission).
    WrongState,
}

/// The capacity a report is signed in: 主要领导 for the district's summary, 分管领导 for a unit's.
pub fn signer_role(summary: bool) -> SignerRole {
    if summary {
        SignerRole::Principal
    } else {
        SignerRole::Deputy
    }
}

/// Whether `actor` may take `step` on a report in `status` (`None`: not saved yet), and the
/// status after it. `summary` is the district's summary (no unit).
pub fn decide(
    status: Option<ReportStatus>,
    step: ReportStep,
    actor: Actor,
    summary: bool,
) -> Result<ReportStatus, Refusal> {
    use ReportStatus::*;
    use ReportStep::*;
    let preparer = match (actor, summary) {
        (Actor::Coordinator, true) => true,
        (Actor::Own(Role::Officer | Role::Head), false) => true,
        (Actor::Coordinator, false) => false,
        _ => return Err(Refusal::NotInReach),
    };
    let signer = actor == Actor::Coordinator || actor == Actor::Own(Role::Head);
    let allowed = match step {
        Prepare | Edit | Submit => preparer,
        Read => true,
        Review | Sign => signer,
    };
    if !allowed {
        return Err(Refusal::NotAllowed);
    }
    match (status, step) {
        (None, Prepare) => Ok(Draft),
        (None, _) | (Some(_), Prepare) => Err(Refusal::WrongState),
        (Some(s), Read) => Ok(s),
        (Some(Draft), Edit | Review) => Ok(Draft),
        (Some(Draft), Sign) => Ok(Signed),
        (Some(Signed), Submit) => Ok(Submitted),
        (Some(_), _) => Err(Refusal::WrongState),
    }
}

/// The round a period is, when it is a whole month (`2026-11`), quarter (`2026-Q3`) or year
/// (`2026`): the label a round's reports are known by.
pub fn round_label(from: NaiveDate, to: NaiveDate) -> Option<String> {
    let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
    let last_of = |y: i32, m: u32| {
        let next = if m == 12 {
            first_of(y + 1, 1)
        } else {
            first_of(y, m + 1)
        };
        next.and_then(|d| d.pred_opt())
    };
    let (y, m) = (from.year(), from.month());
    if from.day() != 1 || to.year() != y {
        return None;
    }
    if to == last_of(y, m)? {
        Some(format!("{y}-{m:02}"))
    } else if m % 3 == 1 && to == last_of(y, m + 2)? {
        Some(format!("{y}-Q{}", m / 3 + 1))
    } else if m == 1 && to == last_of(y, 12)? {
        Some(format!("{y}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    const OFFICER: Actor = Actor::Own(Role::Officer);
    const HEAD: Actor = Actor::Own(Role::Head);
    const COORD: Actor = Actor::Coordinator;
    const OTHER: Actor = Actor::Other;

    /// (state, step, actor, what `decide` answers).
    type Row = (
        Option<ReportStatus>,
        ReportStep,
        Actor,
        Result<ReportStatus, Refusal>,
    );

    /// Every (state, step, actor) of a unit's report, written out.
    #[test]
    fn who_may_take_which_step_on_a_units_report() {
        use ReportStatus::*;
        use ReportStep::*;
        let ok = Ok;
        let no = Err(Refusal::NotAllowed);
        let late = Err(Refusal::WrongState);
        let table: &[Row] = &[
            (None, Prepare, OFFICER, ok(Draft)),
            (None, Prepare, HEAD, ok(Draft)),
            (None, Prepare, COORD, no),
            (Some(Draft), Read, COORD, ok(Draft)),
            (Some(Draft), Edit, OFFICER, ok(Draft)),
            (Some(Draft), Edit, HEAD, ok(Draft)),
            (Some(Draft), Edit, COORD, no),
            (Some(Draft), Review, OFFICER, no),
            (Some(Draft), Review, HEAD, ok(Draft)),
            (Some(Draft), Sign, OFFICER, no),
            (Some(Draft), Sign, HEAD, ok(Signed)),
            (Some(Draft), Sign, COORD, ok(Signed)),
            (Some(Draft), Submit, OFFICER, late),
            (Some(Draft), Submit, HEAD, late),
            (Some(Signed), Edit, HEAD, late),
            (Some(Signed), Sign, HEAD, late),
            (Some(Signed), Submit, OFFICER, ok(Submitted)),
            (Some(Signed), Submit, HEAD, ok(Submitted)),
            (Some(Signed), Submit, COORD, no),
            (Some(Submitted), Edit, OFFICER, late),
            (Some(Submitted), Submit, HEAD, late),
            (Some(Submitted), Read, OFFICER, ok(Submitted)),
        ];
        for (status, step, actor, expected) in table {
            assert_eq!(
                decide(*status, *step, *actor, false),
                *expected,
                "{status:?} {step:?} {actor:?}"
            );
        }
    }

    #[test]
    fn anyone_outside_the_unit_sees_nothing() {
        for status in ReportStatus::VARIANTS
            .iter()
            .copied()
            .map(Some)
            .chain([None])
        {
            for step in ReportStep::VARIANTS {
                for summary in [false, true] {
                    assert_eq!(
                        decide(status, *step, OTHER, summary),
                        Err(Refusal::NotInReach)
                    );
                }
                // A unit's staff never see the district's summary.
                assert_eq!(decide(status, *step, HEAD, true), Err(Refusal::NotInReach));
            }
        }
    }

    #[test]
    fn the_coordinator_prepares_signs_and_submits_the_summary_as_principal() {
        use ReportStatus::*;
        use ReportStep::*;
        assert_eq!(decide(None, Prepare, COORD, true), Ok(Draft));
        assert_eq!(decide(Some(Draft), Edit, COORD, true), Ok(Draft));
        assert_eq!(decide(Some(Draft), Sign, COORD, true), Ok(Signed));
        assert_eq!(decide(Some(Signed), Submit, COORD, true), Ok(Submitted));
        assert_eq!(signer_role(true), SignerRole::Principal);
        assert_eq!(signer_role(false), SignerRole::Deputy);
    }

    #[test]
    fn whole_months_quarters_and_years_are_rounds() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let label = |a, b| round_label(d(a), d(b));
        assert_eq!(
            label("2026-11-01", "2026-11-30").as_deref(),
            Some("2026-11")
        );
        assert_eq!(
            label("2026-12-01", "2026-12-31").as_deref(),
            Some("2026-12")
        );
        assert_eq!(
            label("2026-07-01", "2026-09-30").as_deref(),
            Some("2026-Q3")
        );
        assert_eq!(label("2026-01-01", "2026-12-31").as_deref(), Some("2026"));
        assert_eq!(label("2026-11-01", "2026-11-29"), None);
        assert_eq!(label("2026-11-02", "2026-11-30"), None);
        assert_eq!(label("2026-08-01", "2026-10-31"), None);
    }

    #[test]
    fn nothing_changes_after_submission() {
        for step in ReportStep::VARIANTS
            .iter()
            .filter(|s| **s != ReportStep::Read)
        {
            for actor in [OFFICER, HEAD, COORD] {
                for summary in [false, true] {
                    let r = decide(Some(ReportStatus::Submitted), *step, actor, summary);
                    assert!(r.is_err(), "{step:?} {actor:?}");
                }
            }
        }
    }
}
