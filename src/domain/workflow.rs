//! The case workflow: one pure function, [`decide`], says whether an action may be taken on a
//! case in a status by an actor, and what status follows. Every other part (the services, the
//! case page's buttons) asks it; nothing else encodes the lifecycle of DESIGN.md:
//!
//! ```text
//! submitted ─accept→ accepted ─start_verification→ verifying ─substantiate→ substantiated
//!     │                                              │ └─unsubstantiate→ unsubstantiated ─close→ closed
//!     └─reject→ rejected                             └─mark_duplicate→ duplicate ─close→ closed
//! substantiated ─order_rectification→ rectifying ─confirm_rectified→ rectified ─close→ closed
//! any open status ─transfer→ the same status, another department
//! any status ─link_enterprise→ the same status (the lead unit or the coordinator)
//! any status ─explain_delay→ the same status (which limit was missed is the case's facts)
//! any status ─acknowledge_explanation→ the same status (the coordinator accepts or returns one)
//! unsubstantiated | closed | rejected ─reopen→ verifying (复查, the coordinator)
//! any open status ─supervise→ the same status, under listed supervision (挂牌督办; the
//!     coordinator or an inspector) ─lift_supervision→ lifted (the coordinator, in any status)
//! ```

use super::roles::Role;
use super::status::Status;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum Action {
    Accept,
    Reject,
    StartVerification,
    ExtendVerification,
    Substantiate,
    Unsubstantiate,
    MarkDuplicate,
    OrderRectification,
    ConfirmRectified,
    ExplainDelay,
    Close,
    Transfer,
    /// Puts the case under another sector (after triage, or a wrong choice): statistics and
    /// lists then count the new one.
    Reclassify,
    /// Names the sub-district of a case that had none, or corrects it: its staff gain access.
    SetStreet,
    /// Links the tip (and its hazard) to an enterprise's record; the status stays. Bookkeeping,
    /// so it is allowed in every status, to the lead unit and the coordinator.
    LinkEnterprise,
    /// 区安委办 accepts or returns a written explanation (bookkeeping: every status).
    AcknowledgeExplanation,
    /// 复查: a case ended as not true, closed or refused is verified again, with a new limit.
    Reopen,
    /// Puts the case under listed supervision (挂牌督办) with a reason and a due date: the
    /// coordinator or an inspector, while the case is open and not listed already.
    Supervise,
    /// Lifts the listed supervision in force (the coordinator only).
    LiftSupervision,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Accept,
        Action::Reject,
        Action::StartVerification,
        Action::ExtendVerification,
        Action::Substantiate,
        Action::Unsubstantiate,
        Action::MarkDuplicate,
        Action::OrderRectification,
        Action::ConfirmRectified,
        Action::ExplainDelay,
        Action::Close,
        Action::Transfer,
        Action::Reclassify,
        Action::SetStreet,
        Action::LinkEnterprise,
        Action::AcknowledgeExplanation,
        Action::Reopen,
        Action::Supervise,
        Action::LiftSupervision,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who acts, as far as the workflow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    /// The actor's unit leads the case (not only co-handles it).
    pub lead_unit: bool,
}

/// What the workflow needs to know of the case besides its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Under listed supervision (挂牌督办) now.
    pub listed: bool,
}

/// Why an action is refused: the actor may never take it here (403), or the case's status does
/// not allow it (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Forbidden,
    Illegal,
}

/// Statuses in which nothing more happens.
pub fn is_terminal(status: Status) -> bool {
    matches!(status, Status::Rejected | Status::Closed)
}

/// The status an action leads to, or why it may not be taken.
pub fn decide(
    status: Status,
    action: Action,
    actor: Actor,
    facts: Facts,
) -> Result<Status, Refusal> {
    use Action as A;
    use Status as S;
    // Who may take the action at all, whatever the status.
    let allowed = match actor.role {
        Role::Finance => false,
        // Inspectors (督查组) work no case; they put it under listed supervision.
        Role::Inspector => action == A::Supervise,
        Role::Coordinator => true,
        // Deciding on explanations, re-checking a finished case and listed supervision are
        // 区安委办's (an inspector's listing is allowed above).
        _ if matches!(
            action,
            A::AcknowledgeExplanation | A::Reopen | A::Supervise | A::LiftSupervision
        ) =>
        {
            false
        }
        // Moving a case (to another department, sector or sub-district) is for its lead unit.
        Role::Head => {
            !matches!(
                action,
                A::Transfer | A::Reclassify | A::SetStreet | A::LinkEnterprise
            ) || actor.lead_unit
        }
        Role::Officer => match action {
            A::Close | A::ExtendVerification | A::Transfer | A::Reclassify => false,
            A::SetStreet | A::LinkEnterprise => actor.lead_unit,
            _ => true,
        },
    };
    if !allowed {
        return Err(Refusal::Forbidden);
    }
    let next = match (status, action) {
        (S::Submitted, A::Accept) => S::Accepted,
        (S::Submitted, A::Reject) => S::Rejected,
        (S::Accepted, A::StartVerification) => S::Verifying,
        (S::Accepted | S::Verifying, A::ExtendVerification) => status,
        (S::Verifying, A::Substantiate) => S::Substantiated,
        (S::Verifying, A::Unsubstantiate) => S::Unsubstantiated,
        (S::Submitted | S::Accepted | S::Verifying, A::MarkDuplicate) => S::Duplicate,
        (S::Substantiated, A::OrderRectification) => S::Rectifying,
        (S::Rectifying, A::ConfirmRectified) => S::Rectified,
        (s, A::ExplainDelay | A::AcknowledgeExplanation) => s,
        (S::Unsubstantiated | S::Closed | S::Rejected, A::Reopen) => S::Verifying,
        (S::Rectified | S::Unsubstantiated | S::Duplicate, A::Close) => S::Closed,
        (s, A::Transfer | A::Reclassify | A::SetStreet) if !is_terminal(s) => s,
        (s, A::LinkEnterprise) => s,
        (s, A::Supervise) if !is_terminal(s) && !facts.listed => s,
        (s, A::LiftSupervision) if facts.listed => s,
        _ => return Err(Refusal::Illegal),
    };
    Ok(next)
}

/// The actions an actor may take on a case in this status (for the case page's buttons).
pub fn available(status: Status, actor: Actor, facts: Facts) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| decide(status, *a, actor, facts).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    const fn actor(role: Role, lead_unit: bool) -> Actor {
        Actor { role, lead_unit }
    }

    const OFFICER: Actor = actor(Role::Officer, true);
    const CO_HEAD: Actor = actor(Role::Head, false);
    const HEAD: Actor = actor(Role::Head, true);
    const COORD: Actor = actor(Role::Coordinator, false);

    /// The legal transitions, as (from, action, to), for a case not listed (`listed` false) or
    /// listed. Everything not listed is illegal.
    fn legal(listed: bool) -> Vec<(Status, Action, Status)> {
        use Action as A;
        use Status as S;
        let mut v = vec![
            (S::Submitted, A::Accept, S::Accepted),
            (S::Submitted, A::Reject, S::Rejected),
            (S::Accepted, A::StartVerification, S::Verifying),
            (S::Accepted, A::ExtendVerification, S::Accepted),
            (S::Verifying, A::ExtendVerification, S::Verifying),
            (S::Verifying, A::Substantiate, S::Substantiated),
            (S::Verifying, A::Unsubstantiate, S::Unsubstantiated),
            (S::Submitted, A::MarkDuplicate, S::Duplicate),
            (S::Accepted, A::MarkDuplicate, S::Duplicate),
            (S::Verifying, A::MarkDuplicate, S::Duplicate),
            (S::Substantiated, A::OrderRectification, S::Rectifying),
            (S::Rectifying, A::ConfirmRectified, S::Rectified),
            (S::Unsubstantiated, A::Reopen, S::Verifying),
            (S::Closed, A::Reopen, S::Verifying),
            (S::Rejected, A::Reopen, S::Verifying),
            (S::Rectified, A::Close, S::Closed),
            (S::Unsubstantiated, A::Close, S::Closed),
            (S::Duplicate, A::Close, S::Closed),
        ];
        for &s in Status::VARIANTS {
            if !is_terminal(s) {
                for moving in [A::Transfer, A::Reclassify, A::SetStreet] {
                    v.push((s, moving, s));
                }
            }
            for bookkeeping in [
                A::LinkEnterprise,
                A::ExplainDelay,
                A::AcknowledgeExplanation,
            ] {
                v.push((s, bookkeeping, s));
            }
            if listed {
                v.push((s, A::LiftSupervision, s));
            } else if !is_terminal(s) {
                v.push((s, A::Supervise, s));
            }
        }
        v
    }

    /// What each kind of actor may do, regardless of status.
    fn role_may(actor: Actor, action: Action) -> bool {
        match actor.role {
            Role::Finance => false,
            Role::Inspector => action == Action::Supervise,
            Role::Coordinator => true,
            _ if matches!(
                action,
                Action::AcknowledgeExplanation
                    | Action::Reopen
                    | Action::Supervise
                    | Action::LiftSupervision
            ) =>
            {
                false
            }
            Role::Head => {
                !matches!(
                    action,
                    Action::Transfer
                        | Action::Reclassify
                        | Action::SetStreet
                        | Action::LinkEnterprise
                ) || actor.lead_unit
            }
            Role::Officer => match action {
                Action::SetStreet | Action::LinkEnterprise => actor.lead_unit,
                a => !matches!(
                    a,
                    Action::Close
                        | Action::ExtendVerification
                        | Action::Transfer
                        | Action::Reclassify
                ),
            },
        }
    }

    #[test]
    fn every_status_action_and_actor_is_decided_as_the_lifecycle_says() {
        let actors: Vec<Actor> = Role::ALL
            .into_iter()
            .flat_map(|role| [actor(role, true), actor(role, false)])
            .collect();
        let mut checked = 0;
        for listed in [false, true] {
            let legal = legal(listed);
            let facts = Facts { listed };
            for &status in Status::VARIANTS {
                for action in Action::ALL {
                    for actor in &actors {
                        let expected = if !role_may(*actor, action) {
                            Err(Refusal::Forbidden)
                        } else {
                            legal
                                .iter()
                                .find(|(f, a, _)| *f == status && *a == action)
                                .map(|(_, _, to)| *to)
                                .ok_or(Refusal::Illegal)
                        };
                        assert_eq!(
                            decide(status, action, *actor, facts),
                            expected,
                            "{status} {action} {actor:?} listed={listed}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 2 * 10 * 19 * 10);
    }

    #[test]
    fn finance_takes_no_case_action_and_inspectors_only_list_open_cases() {
        let none = Facts::default();
        let listed = Facts { listed: true };
        for lead_unit in [true, false] {
            let finance = actor(Role::Finance, lead_unit);
            assert!(available(Status::Submitted, finance, none).is_empty());
            let inspector = actor(Role::Inspector, lead_unit);
            assert_eq!(
                available(Status::Verifying, inspector, none),
                vec![Action::Supervise]
            );
            // Listed already, or closed: nothing; lifting is the coordinator's.
            assert!(available(Status::Verifying, inspector, listed).is_empty());
            assert!(available(Status::Closed, inspector, none).is_empty());
        }
        assert_eq!(
            decide(Status::Closed, Action::LiftSupervision, COORD, listed),
            Ok(Status::Closed)
        );
        assert_eq!(
            decide(Status::Verifying, Action::LiftSupervision, HEAD, listed),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(Status::Verifying, Action::Supervise, COORD, listed),
            Err(Refusal::Illegal)
        );
    }

    #[test]
    fn only_heads_close_and_only_the_lead_head_or_coordinator_transfers() {
        use Action as A;
        use Status as S;
        for (status, action, actor, expected) in [
            (S::Rectified, A::Close, OFFICER, Err(Refusal::Forbidden)),
            (S::Rectified, A::Close, CO_HEAD, Ok(S::Closed)),
            (S::Accepted, A::Transfer, CO_HEAD, Err(Refusal::Forbidden)),
            (S::Accepted, A::Transfer, HEAD, Ok(S::Accepted)),
            (S::Closed, A::Transfer, COORD, Err(Refusal::Illegal)),
        ] {
            assert_eq!(
                decide(status, action, actor, Facts::default()),
                expected,
                "{status} {action} {actor:?}"
            );
        }
        assert_eq!(
            available(Status::Submitted, OFFICER, Facts::default()),
            vec![
                Action::Accept,
                Action::Reject,
                Action::MarkDuplicate,
                Action::ExplainDelay,
                Action::SetStreet,
                Action::LinkEnterprise
            ]
        );
    }

    #[test]
    fn only_the_coordinator_decides_on_explanations_and_reopens_finished_cases() {
        use Action as A;
        use Status as S;
        for (status, action, actor, expected) in [
            (
                S::Rectifying,
                A::AcknowledgeExplanation,
                COORD,
                Ok(S::Rectifying),
            ),
            (
                S::Rectifying,
                A::AcknowledgeExplanation,
                HEAD,
                Err(Refusal::Forbidden),
            ),
            (S::Closed, A::Reopen, COORD, Ok(S::Verifying)),
            (S::Rejected, A::Reopen, COORD, Ok(S::Verifying)),
            (S::Unsubstantiated, A::Reopen, COORD, Ok(S::Verifying)),
            (S::Closed, A::Reopen, HEAD, Err(Refusal::Forbidden)),
            (S::Rectified, A::Reopen, COORD, Err(Refusal::Illegal)),
            (S::Duplicate, A::Reopen, COORD, Err(Refusal::Illegal)),
            (S::Submitted, A::ExplainDelay, OFFICER, Ok(S::Submitted)),
            (S::Closed, A::ExplainDelay, CO_HEAD, Ok(S::Closed)),
        ] {
            assert_eq!(
                decide(status, action, actor, Facts::default()),
                expected,
                "{status} {action} {actor:?}"
            );
        }
    }

    #[test]
    fn action_names_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().ok(), Some(a));
        }
        assert!("approve".parse::<Action>().is_err());
    }
}
