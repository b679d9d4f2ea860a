//! Hazards (隐患) as the campaign keeps them, from every source, and their lifecycle: one pure
//! function, [`decide`], says whether a step may be taken on a hazard by an actor and what status
//! follows. The services and every page's buttons ask it.
//!
//! ```text
//! open ─report_rectified→ rectified ─review pass→ closed (销号)
//!   ▲                          │
//!   └──────── review fail ─────┘
//! open: extend, explain_delay (past the deadline), escalate (提请区政府研究), assign
//! rectified or closed: lift_suspension (复工)
//! open or rectified: supervise (挂牌督办; the coordinator or an inspector)
//! any, while listed: lift_supervision (the coordinator only)
//! any: acknowledge_explanation (区安委办 accepts or returns an explanation awaiting it)
//! ```

use super::roles::Role;
use serde::Serialize;

/// A hazard's database id: never shown to the public (the number `YH-2026-000001` is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
#[derive(utoipa::ToSchema)]
pub struct HazardId(pub i64);

impl From<i64> for HazardId {
    fn from(id: i64) -> HazardId {
        HazardId(id)
    }
}

impl From<HazardId> for i64 {
    fn from(id: HazardId) -> i64 {
        id.0
    }
}

text_enum! {
    /// Where the hazard became known.
    pub enum Source {
        /// A tip found true whose rectification was ordered.
        Tip,
        /// The enterprise's own check (企业自查).
        SelfInspection,
        /// A department's inspection (部门检查).
        DepartmentInspection,
        /// A sub-district's inspection (属地检查).
        StreetInspection,
        /// A joint inspection of several departments (联合检查).
        JointInspection,
        /// A supervision group's finding (督查发现).
        Supervision,
    }
}

text_enum! {
    pub enum HazardStatus {
        /// Found, not yet rectified (or its rectification failed the re-check).
        Open,
        /// Rectification reported, waiting for the re-check (复查).
        Rectified,
        /// Re-checked and struck off (销号).
        Closed,
    }
}

text_enum! {
    /// The steps of a hazard's lifecycle.
    pub enum Step {
        /// The enterprise finished the measures (整改完成), on a date, with a note.
        ReportRectified,
        /// 复查 that passed: struck off (销号).
        ReviewPass,
        /// 复查 that failed: open again.
        ReviewFail,
        /// A later deadline, with a reason (a head or the coordinator).
        Extend,
        /// The written explanation of a hazard past its deadline (书面说明).
        ExplainDelay,
        /// Work resumes (复工) after a suspension.
        LiftSuspension,
        /// Put before the district government (提请区政府研究): it cannot be fixed by the unit.
        Escalate,
        /// 挂牌督办 with a reason and a due date (coordinator or inspector).
        Supervise,
        /// Lifts the listed supervision (the coordinator only).
        LiftSupervision,
        /// Names or corrects the responsible people.
        Assign,
        /// 区安委办 accepts or returns a written explanation (a returned one asks again).
        AcknowledgeExplanation,
    }
}

/// How the actor stands to the hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    /// The actor's unit is the supervising department.
    pub department: bool,
    /// The actor's unit is the hazard's sub-district.
    pub street: bool,
    /// The actor reported the rectification now waiting for review.
    pub reported_it: bool,
}

/// What the lifecycle needs to know of the hazard besides its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Past its deadline while open.
    pub past_deadline: bool,
    /// A delay explanation was written since it passed its deadline and was not returned.
    pub explained: bool,
    /// An explanation awaits 区安委办's decision.
    pub awaiting: bool,
    /// Operations are suspended and have not resumed.
    pub suspended: bool,
    pub escalated: bool,
    pub supervised: bool,
}

/// Why a step is refused: the actor may never take it here (403), or the hazard's state does
/// not allow it now (409, with the message code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Forbidden,
    Conflict(&'static str),
}

/// Who may take a step at all, whatever the hazard's state.
fn may(step: Step, a: Actor) -> bool {
    use Role::*;
    let unit_staff = matches!(a.role, Officer | Head) && (a.department || a.street);
    let department_staff = matches!(a.role, Officer | Head) && a.department;
    let department_head = a.role == Head && a.department;
    let coordinator = a.role == Coordinator;
    match step {
        Step::ReportRectified | Step::ExplainDelay | Step::Assign => unit_staff || coordinator,
        Step::ReviewPass | Step::ReviewFail | Step::LiftSuspension => {
            department_staff || coordinator
        }
        Step::Extend | Step::Escalate => department_head || coordinator,
        Step::Supervise => matches!(a.role, Coordinator | Inspector),
        Step::LiftSupervision | Step::AcknowledgeExplanation => coordinator,
    }
}

/// The status a step leads to, or why it may not be taken.
pub fn decide(
    status: HazardStatus,
    step: Step,
    actor: Actor,
    facts: Facts,
) -> Result<HazardStatus, Refusal> {
    use HazardStatus as S;
    if !may(step, actor) {
        return Err(Refusal::Forbidden);
    }
    let conflict = |code| Err(Refusal::Conflict(code));
    match (status, step) {
        (S::Open, Step::ReportRectified) if facts.past_deadline && !facts.explained => {
            conflict("explanation_required")
        }
        (S::Open, Step::ReportRectified) => Ok(S::Rectified),
        // Four eyes: who reported the rectification does not re-check it.
        (S::Rectified, Step::ReviewPass | Step::ReviewFail) if actor.reported_it => {
            Err(Refusal::Forbidden)
        }
        (S::Rectified, Step::ReviewPass) => Ok(S::Closed),
        (S::Rectified, Step::ReviewFail) => Ok(S::Open),
        (S::Open, Step::Extend | Step::Assign) => Ok(S::Open),
        (S::Open, Step::ExplainDelay) if !facts.past_deadline => conflict("not_overdue"),
        (S::Open, Step::ExplainDelay) => Ok(S::Open),
        (S::Open, Step::Escalate) if facts.escalated => conflict("already_escalated"),
        (S::Open, Step::Escalate) => Ok(S::Open),
        (S::Rectified | S::Closed, Step::LiftSuspension) if !facts.suspended => {
            conflict("not_suspended")
        }
        (S::Rectified | S::Closed, Step::LiftSuspension) => Ok(status),
        (S::Open | S::Rectified, Step::Supervise) if facts.supervised => {
            conflict("already_supervised")
        }
        (S::Open | S::Rectified, Step::Supervise) => Ok(status),
        (_, Step::LiftSupervision) if !facts.supervised => conflict("not_supervised"),
        (_, Step::LiftSupervision) => Ok(status),
        (_, Step::AcknowledgeExplanation) if !facts.awaiting => conflict("nothing_to_acknowledge"),
        (_, Step::AcknowledgeExplanation) => Ok(status),
        _ => conflict("illegal_hazard_step"),
    }
}

/// The steps this actor may take now, in the order the page shows them.
pub fn steps(status: HazardStatus, actor: Actor, facts: Facts) -> Vec<Step> {
    use strum::VariantArray;
    Step::VARIANTS
        .iter()
        .copied()
        .filter(|&s| decide(status, s, actor, facts).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    fn actor(role: Role, department: bool, street: bool) -> Actor {
        Actor {
            role,
            department,
            street,
            reported_it: false,
        }
    }

    #[test]
    fn the_lifecycle_runs_open_rectified_closed_and_back() {
        let officer = actor(Role::Officer, true, false);
        let reviewer = actor(Role::Head, true, false);
        let f = Facts::default();
        let s = decide(HazardStatus::Open, Step::ReportRectified, officer, f).unwrap();
        assert_eq!(s, HazardStatus::Rectified);
        assert_eq!(
            decide(s, Step::ReviewFail, reviewer, f),
            Ok(HazardStatus::Open)
        );
        assert_eq!(
            decide(s, Step::ReviewPass, reviewer, f),
            Ok(HazardStatus::Closed)
        );
        let me = Actor {
            reported_it: true,
            ..reviewer
        };
        assert_eq!(decide(s, Step::ReviewPass, me, f), Err(Refusal::Forbidden));
    }

    /// Every status × step × role × relation: finance and strangers never act, inspectors only
    /// supervise (and never lift it), the sub-district reports but never re-checks, nothing but supervision is
    /// lifted from a closed hazard, and an overdue hazard needs its explanation first.
    #[test]
    fn every_status_step_and_actor() {
        let relations = [(false, false), (true, false), (false, true), (true, true)];
        let mut checked = 0;
        for &status in HazardStatus::VARIANTS {
            for &step in Step::VARIANTS {
                for role in Role::ALL {
                    for (department, street) in relations {
                        for bits in 0..64u8 {
                            let facts = Facts {
                                past_deadline: bits & 1 != 0,
                                explained: bits & 2 != 0,
                                suspended: bits & 4 != 0,
                                escalated: bits & 8 != 0,
                                supervised: bits & 16 != 0,
                                awaiting: bits & 32 != 0,
                            };
                            let a = actor(role, department, street);
                            let got = decide(status, step, a, facts);
                            checked += 1;
                            if role == Role::Finance
                                || (matches!(role, Role::Officer | Role::Head)
                                    && !department
                                    && !street)
                            {
                                assert_eq!(got, Err(Refusal::Forbidden), "{status} {step} {role}");
                            }
                            if role == Role::Inspector {
                                let supervision = step == Step::Supervise;
                                assert_eq!(got != Err(Refusal::Forbidden), supervision);
                            }
                            if step == Step::LiftSupervision && role != Role::Coordinator {
                                assert_eq!(got, Err(Refusal::Forbidden), "{role} lifts");
                            }
                            if matches!(step, Step::ReviewPass | Step::ReviewFail)
                                && matches!(role, Role::Officer | Role::Head)
                                && !department
                            {
                                assert_eq!(got, Err(Refusal::Forbidden));
                            }
                            if step == Step::AcknowledgeExplanation {
                                let expected = match (role, facts.awaiting) {
                                    (Role::Coordinator, true) => Ok(status),
                                    (Role::Coordinator, false) => {
                                        Err(Refusal::Conflict("nothing_to_acknowledge"))
                                    }
                                    _ => Err(Refusal::Forbidden),
                                };
                                assert_eq!(got, expected, "{status} {role}");
                            }
                            if status == HazardStatus::Closed
                                && !matches!(
                                    step,
                                    Step::LiftSupervision
                                        | Step::LiftSuspension
                                        | Step::AcknowledgeExplanation
                                )
                                && got != Err(Refusal::Forbidden)
                            {
                                assert!(got.is_err(), "{step} on a closed hazard");
                            }
                            if step == Step::ReportRectified
                                && status == HazardStatus::Open
                                && facts.past_deadline
                                && !facts.explained
                                && got != Err(Refusal::Forbidden)
                            {
                                assert_eq!(got, Err(Refusal::Conflict("explanation_required")));
                            }
                            if let Ok(next) = got {
                                let moves = matches!(
                                    step,
                                    Step::ReportRectified | Step::ReviewPass | Step::ReviewFail
                                );
                                assert_eq!(next != status, moves, "{status} {step}");
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 11 * 5 * 4 * 64);
    }

    #[test]
    fn the_page_offers_what_decide_allows() {
        let coordinator = actor(Role::Coordinator, false, false);
        let open = steps(HazardStatus::Open, coordinator, Facts::default());
        assert_eq!(
            open,
            vec![
                Step::ReportRectified,
                Step::Extend,
                Step::Escalate,
                Step::Supervise,
                Step::Assign
            ]
        );
        let inspector = actor(Role::Inspector, false, false);
        let closed = Facts {
            supervised: true,
            ..Facts::default()
        };
        assert_eq!(
            steps(HazardStatus::Closed, coordinator, closed),
            vec![Step::LiftSupervision]
        );
        assert!(steps(HazardStatus::Closed, inspector, closed).is_empty());
        assert_eq!(
            steps(HazardStatus::Open, inspector, Facts::default()),
            vec![Step::Supervise]
        );
    }
}
