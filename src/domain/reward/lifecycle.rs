//! The reward lifecycle: one pure function, [`step`], says whether an actor may take a step on a
//! reward in a status, and what status follows. The services' guards and every flag shown to
//! staff and reporters (`may_propose`, `may_sign_off`, `may_decide`, `may_pay`, `claimable`) ask
//! it; nothing else encodes the flow of DESIGN.md ("Rewards"):
//!
//! ```text
//! (none, or only ended rewards) ─propose→ proposed, or awaiting_signoff when head sign-off is on
//! awaiting_signoff ─sign_off→ proposed          awaiting_signoff ─return→ returned
//! returned | awaiting_signoff | proposed ─correct→ awaiting_signoff (sign-off on) or proposed
//! awaiting_signoff | proposed | returned ─withdraw→ withdrawn
//! proposed ─approve→ approved, or awaiting_second_approval above the second-approval amount
//! awaiting_second_approval ─approve (another finance user)→ approved
//! proposed | awaiting_second_approval ─reject→ rejected
//! approved ─claim (within the period)→ claimed ─pay→ paid    (claimed ─open_payee→ claimed)
//! approved ─expire (period over)→ expired ─reinstate→ approved
//! ```
//!
//! Four eyes: the proposer never signs off, returns, decides, opens the payee or pays; whoever
//! signed off never decides; the two approvals of a large reward are by two finance users; whoever
//! approved or rejected never opens the payee or records the payout. A proposal also needs a case
//! found true whose reporter asked for a reward and is not excluded ([`CaseFacts`]).
//!
//! Each status is a variant here and an arm in [`step`]; `is_active` and `is_granted` match
//! exhaustively, so the compiler asks where a new status belongs, and the table test iterates
//! every variant.

use crate::domain::roles::Role;

text_enum! {
    /// Where a reward stands; stored as its snake_case name (`awaiting_signoff`) in a text column.
    #[derive(PartialOrd, Ord, strum::AsRefStr)]
    pub enum RewardStatus {
        /// Proposed, waiting for a head's sign-off before finance sees it.
        AwaitingSignoff,
        /// Waiting for finance's decision.
        Proposed,
        /// Sent back by the head (or coordinator) with a note: the unit corrects or withdraws it.
        Returned,
        /// Withdrawn by the unit before finance decided.
        Withdrawn,
        /// Approved once; above the second-approval amount another finance user must approve too.
        AwaitingSecondApproval,
        /// Granted; the reporter may claim it until the claim deadline.
        Approved,
        Rejected,
        /// The reporter gave payee details; finance is to pay.
        Claimed,
        Paid,
        /// Approved but not claimed in time.
        Expired,
    }
}

impl RewardStatus {
    /// The one definition of an active reward: in progress or paid. A case has at most one
    /// active reward, and active general-hazard rewards count toward the monthly cap.
    pub fn is_active(self) -> bool {
        match self {
            RewardStatus::AwaitingSignoff
            | RewardStatus::Proposed
            | RewardStatus::Returned
            | RewardStatus::AwaitingSecondApproval
            | RewardStatus::Approved
            | RewardStatus::Claimed
            | RewardStatus::Paid => true,
            RewardStatus::Rejected | RewardStatus::Expired | RewardStatus::Withdrawn => false,
        }
    }

    /// Finance granted it and it was not lost since: approved, claimed or paid. (Finance may
    /// then open the reporter's identity to pay.)
    pub fn is_granted(self) -> bool {
        match self {
            RewardStatus::Approved | RewardStatus::Claimed | RewardStatus::Paid => true,
            RewardStatus::AwaitingSignoff
            | RewardStatus::Proposed
            | RewardStatus::Returned
            | RewardStatus::Withdrawn
            | RewardStatus::AwaitingSecondApproval
            | RewardStatus::Rejected
            | RewardStatus::Expired => false,
        }
    }

    /// What the reporter is told by name (a proposal under review, or one rejected, is only
    /// "pending" to them): a granted reward, or one that expired.
    pub fn shown_to_reporter(self) -> bool {
        self.is_granted() || self == RewardStatus::Expired
    }
}

/// What may be done to a reward.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, strum::Display, strum::AsRefStr, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum RewardStep {
    /// Staff of the case propose a reward (the policy computes the amount).
    Propose,
    /// A head (or the coordinator) signs a proposal off for finance.
    SignOff,
    /// A head (or the coordinator) sends a proposal back to its unit with a note.
    Return,
    /// The unit corrects a proposal not yet decided (same body as a proposal).
    Correct,
    /// The unit ends a proposal before finance decides.
    Withdraw,
    /// Finance grants it (the first or the second approval).
    Approve,
    /// Finance refuses it.
    Reject,
    /// The reporter claims it with the receipt and gives payee details.
    Claim,
    /// Finance opens the sealed payee details to pay.
    OpenPayee,
    /// Finance records the payout.
    Pay,
    /// The claim period ended (the background job).
    Expire,
    /// Finance gives an expired reward a new claim period, for a good reason.
    Reinstate,
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Staff(Role),
    /// The reporter, known by the receipt.
    Reporter,
    /// The portal itself (the expiry job).
    System,
}

/// Who acts, with what they already did to this reward (for the four-eyes rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewardActor {
    pub who: Who,
    /// Proposed this reward.
    pub proposed: bool,
    /// Signed this reward off.
    pub signed_off: bool,
    /// Approved (first or second approval) or rejected this reward.
    pub decided: bool,
}

impl RewardActor {
    pub const REPORTER: RewardActor = RewardActor::new(Who::Reporter);
    pub const SYSTEM: RewardActor = RewardActor::new(Who::System);

    /// Someone who has done nothing to the reward yet.
    pub const fn new(who: Who) -> RewardActor {
        RewardActor {
            who,
            proposed: false,
            signed_off: false,
            decided: false,
        }
    }
}

/// What a case must be for a reward to be proposed on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseFacts {
    /// Verified as true (`Status::found_true`).
    pub found_true: bool,
    /// The reporter asked for a reward.
    pub wants_reward: bool,
    /// The reporter is excluded: declared supervision duties, or staff recorded an exclusion.
    pub excluded: bool,
}

/// What the lifecycle needs to know besides the status, the step and the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// The policy asks for a head's sign-off before finance (`head_signoff`).
    pub head_signoff: bool,
    /// The claim deadline has passed.
    pub claim_period_over: bool,
    /// The amount being approved is above `second_approval_above_yuan`: a first approval leaves
    /// the reward awaiting a second one.
    pub second_approval: bool,
    /// The case (used by `Propose` only).
    pub case: CaseFacts,
}

/// Why a step is refused: the actor may never take it on this reward (403), or the reward or
/// its case does not allow it now (409, with the code the API answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Forbidden,
    Conflict(Conflict),
}

/// The 409 codes of the reward routes (`conflict-<code>` in the message files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Conflict {
    NotSubstantiated,
    NoRewardAsked,
    RewardExcluded,
    RewardExists,
    NoReward,
    AwaitingSignoff,
    SignoffNotConfigured,
    AlreadyDecided,
    /// Returned to its unit: it is corrected or withdrawn before anyone decides.
    ReturnedForCorrection,
    /// Withdrawn: nothing more happens to it.
    RewardWithdrawn,
    NothingToClaim,
    ClaimExpired,
    NotClaimed,
    AlreadyPaid,
    NotDue,
    NotExpired,
    /// The computed amount is zero (the reporter's monthly cap is reached): nothing is stored.
    /// The proposal's own refusal, after the lifecycle allowed it.
    CapReached,
}

impl Conflict {
    pub fn code(self) -> &'static str {
        self.into()
    }
}

/// Who may take a step at all, whatever the status: the roles, and the four eyes.
fn may_take(step: RewardStep, actor: &RewardActor) -> bool {
    use RewardStep as St;
    let unit = matches!(
        actor.who,
        Who::Staff(Role::Officer | Role::Head | Role::Coordinator)
    );
    let finance = actor.who == Who::Staff(Role::Finance);
    match step {
        St::Propose | St::Correct | St::Withdraw => unit,
        St::SignOff | St::Return => {
            matches!(actor.who, Who::Staff(Role::Head | Role::Coordinator)) && !actor.proposed
        }
        St::Approve | St::Reject => {
            finance && !actor.proposed && !actor.signed_off && !actor.decided
        }
        St::OpenPayee | St::Pay => finance && !actor.proposed && !actor.decided,
        St::Reinstate => finance,
        St::Claim => actor.who == Who::Reporter,
        St::Expire => actor.who == Who::System,
    }
}

/// The status a step leads to, or why it may not be taken. `status` is the reward's status;
/// for `Propose` it is the status of the case's newest reward (`None` when it has none), and
/// the answer is the new reward's status.
pub fn step(
    status: Option<RewardStatus>,
    step: RewardStep,
    actor: &RewardActor,
    facts: &Facts,
) -> Result<RewardStatus, Refusal> {
    use Conflict as C;
    use RewardStatus as S;
    use RewardStep as St;
    if !may_take(step, actor) {
        return Err(Refusal::Forbidden);
    }
    let refuse = |c: Conflict| Err(Refusal::Conflict(c));
    // A proposal, and a corrected one, goes to sign-off first when the policy asks for it.
    let submitted = if facts.head_signoff {
        S::AwaitingSignoff
    } else {
        S::Proposed
    };
    if step == St::Propose {
        let case = facts.case;
        return match status {
            _ if !case.found_true => refuse(C::NotSubstantiated),
            _ if !case.wants_reward => refuse(C::NoRewardAsked),
            _ if case.excluded => refuse(C::RewardExcluded),
            Some(s) if s.is_active() => refuse(C::RewardExists),
            _ => Ok(submitted),
        };
    }
    let Some(status) = status else {
        return refuse(if step == St::Claim {
            C::NothingToClaim
        } else {
            C::NoReward
        });
    };
    // Switching sign-off off never strands a proposal: finance decides it directly.
    let awaiting_decision =
        status == S::Proposed || (status == S::AwaitingSignoff && !facts.head_signoff);
    let approved = if facts.second_approval && status != S::AwaitingSecondApproval {
        S::AwaitingSecondApproval
    } else {
        S::Approved
    };
    match (status, step) {
        // Answered above; never reached, and no panic on a request path if it were.
        (_, St::Propose) => refuse(C::RewardExists),
        (S::Withdrawn, St::Claim) => refuse(C::NothingToClaim),
        (S::Withdrawn, _) => refuse(C::RewardWithdrawn),
        (S::AwaitingSignoff, St::SignOff) if facts.head_signoff => Ok(S::Proposed),
        (S::AwaitingSignoff, St::Return) if facts.head_signoff => Ok(S::Returned),
        (S::AwaitingSignoff, St::SignOff | St::Return) => refuse(C::SignoffNotConfigured),
        (_, St::SignOff | St::Return) => refuse(C::AlreadyDecided),
        (S::AwaitingSignoff | S::Proposed | S::Returned, St::Correct) => Ok(submitted),
        (S::AwaitingSignoff | S::Proposed | S::Returned, St::Withdraw) => Ok(S::Withdrawn),
        (_, St::Correct | St::Withdraw) => refuse(C::AlreadyDecided),
        (_, St::Approve) if awaiting_decision => Ok(approved),
        (S::AwaitingSecondApproval, St::Approve) => Ok(S::Approved),
        (_, St::Reject) if awaiting_decision => Ok(S::Rejected),
        (S::AwaitingSecondApproval, St::Reject) => Ok(S::Rejected),
        (S::AwaitingSignoff, St::Approve | St::Reject) => refuse(C::AwaitingSignoff),
        (S::Returned, St::Approve | St::Reject) => refuse(C::ReturnedForCorrection),
        (_, St::Approve | St::Reject) => refuse(C::AlreadyDecided),
        (S::Approved, St::Claim) if !facts.claim_period_over => Ok(S::Claimed),
        (S::Approved | S::Expired, St::Claim) => refuse(C::ClaimExpired),
        (_, St::Claim) => refuse(C::NothingToClaim),
        (S::Claimed, St::OpenPayee) => Ok(S::Claimed),
        (S::Claimed, St::Pay) => Ok(S::Paid),
        (S::Paid, St::Pay | St::OpenPayee) => refuse(C::AlreadyPaid),
        (_, St::Pay | St::OpenPayee) => refuse(C::NotClaimed),
        (S::Approved, St::Expire) if facts.claim_period_over => Ok(S::Expired),
        (_, St::Expire) => refuse(C::NotDue),
        (S::Expired, St::Reinstate) => Ok(S::Approved),
        (_, St::Reinstate) => refuse(C::NotExpired),
    }
}

/// The steps an actor may take on a reward now, in the lifecycle's order: what a page or an
/// answer shows as the forms and flags of a reward (one set instead of a flag per step).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps(Vec<RewardStep>);

impl Steps {
    /// The steps `may` allows.
    pub fn of(may: impl Fn(RewardStep) -> bool) -> Steps {
        use strum::VariantArray;
        Steps(
            RewardStep::VARIANTS
                .iter()
                .copied()
                .filter(|s| may(*s))
                .collect(),
        )
    }

    pub fn has(&self, step: RewardStep) -> bool {
        self.0.contains(&step)
    }
}

/// The steps' names (`sign_off`, `pay`…), so a template asks `"pay" in reward.steps`.
impl serde::Serialize for Steps {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|step| step.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RewardStatus as S;
    use RewardStep as St;
    use strum::VariantArray;

    fn staff(role: Role) -> RewardActor {
        RewardActor::new(Who::Staff(role))
    }

    /// Every kind of actor: each staff role, the reporter and the system, each with every
    /// combination of what they did to the reward.
    fn actors() -> Vec<RewardActor> {
        let whos = Role::ALL
            .into_iter()
            .map(Who::Staff)
            .chain([Who::Reporter, Who::System]);
        whos.flat_map(|who| {
            (0..8).map(move |bits| RewardActor {
                who,
                proposed: bits & 1 != 0,
                signed_off: bits & 2 != 0,
                decided: bits & 4 != 0,
            })
        })
        .collect()
    }

    fn all_facts() -> Vec<Facts> {
        let mut v = Vec::new();
        for bits in 0..64 {
            v.push(Facts {
                head_signoff: bits & 1 != 0,
                claim_period_over: bits & 2 != 0,
                second_approval: bits & 32 != 0,
                case: CaseFacts {
                    found_true: bits & 4 != 0,
                    wants_reward: bits & 8 != 0,
                    excluded: bits & 16 != 0,
                },
            });
        }
        v
    }

    /// Who may take each step, written out apart from `may_take`.
    fn role_may(step: RewardStep, a: &RewardActor) -> bool {
        let staff_of_unit = [Role::Officer, Role::Head, Role::Coordinator]
            .into_iter()
            .any(|r| a.who == Who::Staff(r));
        let head = a.who == Who::Staff(Role::Head) || a.who == Who::Staff(Role::Coordinator);
        let finance = a.who == Who::Staff(Role::Finance);
        match step {
            St::Propose | St::Correct | St::Withdraw => staff_of_unit,
            St::SignOff | St::Return => head && !a.proposed,
            St::Approve | St::Reject => finance && !a.proposed && !a.signed_off && !a.decided,
            St::OpenPayee | St::Pay => finance && !a.proposed && !a.decided,
            St::Reinstate => finance,
            St::Claim => a.who == Who::Reporter,
            St::Expire => a.who == Who::System,
        }
    }

    /// The legal steps under these facts, as (from, step, to). Everything not listed is a
    /// conflict.
    fn legal(f: &Facts) -> Vec<(Option<RewardStatus>, RewardStep, RewardStatus)> {
        let mut v = Vec::new();
        let eligible = f.case.found_true && f.case.wants_reward && !f.case.excluded;
        let first = if f.head_signoff {
            S::AwaitingSignoff
        } else {
            S::Proposed
        };
        let first_approval = if f.second_approval {
            S::AwaitingSecondApproval
        } else {
            S::Approved
        };
        if eligible {
            v.push((None, St::Propose, first));
            for ended in [S::Rejected, S::Expired, S::Withdrawn] {
                v.push((Some(ended), St::Propose, first));
            }
        }
        if f.head_signoff {
            v.push((Some(S::AwaitingSignoff), St::SignOff, S::Proposed));
            v.push((Some(S::AwaitingSignoff), St::Return, S::Returned));
        } else {
            v.push((Some(S::AwaitingSignoff), St::Approve, first_approval));
            v.push((Some(S::AwaitingSignoff), St::Reject, S::Rejected));
        }
        for from in [S::AwaitingSignoff, S::Proposed, S::Returned] {
            v.push((Some(from), St::Correct, first));
            v.push((Some(from), St::Withdraw, S::Withdrawn));
        }
        v.push((Some(S::Proposed), St::Approve, first_approval));
        v.push((Some(S::Proposed), St::Reject, S::Rejected));
        v.push((Some(S::AwaitingSecondApproval), St::Approve, S::Approved));
        v.push((Some(S::AwaitingSecondApproval), St::Reject, S::Rejected));
        if f.claim_period_over {
            v.push((Some(S::Approved), St::Expire, S::Expired));
        } else {
            v.push((Some(S::Approved), St::Claim, S::Claimed));
        }
        v.push((Some(S::Claimed), St::OpenPayee, S::Claimed));
        v.push((Some(S::Expired), St::Reinstate, S::Approved));
        v.push((Some(S::Claimed), St::Pay, S::Paid));
        v
    }

    #[test]
    fn every_status_step_and_actor_is_decided_as_the_lifecycle_says() {
        let statuses: Vec<Option<RewardStatus>> = std::iter::once(None)
            .chain(RewardStatus::VARIANTS.iter().copied().map(Some))
            .collect();
        let actors = actors();
        let mut checked = 0;
        for facts in all_facts() {
            let legal = legal(&facts);
            for status in &statuses {
                for st in RewardStep::VARIANTS {
                    for actor in &actors {
                        let got = step(*status, *st, actor, &facts);
                        let want = if !role_may(*st, actor) {
                            Some(Err(Refusal::Forbidden))
                        } else {
                            legal
                                .iter()
                                .find(|(f, s, _)| f == status && s == st)
                                .map(|(_, _, to)| Ok(*to))
                        };
                        match want {
                            Some(w) => assert_eq!(got, w, "{status:?} {st} {actor:?} {facts:?}"),
                            None => assert!(
                                matches!(got, Err(Refusal::Conflict(_))),
                                "{status:?} {st} {actor:?} {facts:?}: {got:?}"
                            ),
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 64 * 11 * 12 * (7 * 8));
    }

    #[test]
    fn the_four_eyes_hold() {
        let on = Facts {
            head_signoff: true,
            ..Facts::default()
        };
        let proposer_head = RewardActor {
            proposed: true,
            ..staff(Role::Head)
        };
        assert_eq!(
            step(Some(S::AwaitingSignoff), St::SignOff, &proposer_head, &on),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            step(
                Some(S::AwaitingSignoff),
                St::SignOff,
                &staff(Role::Head),
                &on
            ),
            Ok(S::Proposed)
        );
        for four_eyes in [
            RewardActor {
                proposed: true,
                ..staff(Role::Finance)
            },
            RewardActor {
                signed_off: true,
                ..staff(Role::Finance)
            },
        ] {
            assert_eq!(
                step(Some(S::Proposed), St::Approve, &four_eyes, &on),
                Err(Refusal::Forbidden)
            );
        }
        let approver = RewardActor {
            decided: true,
            ..staff(Role::Finance)
        };
        assert_eq!(
            step(Some(S::Claimed), St::Pay, &approver, &on),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            step(Some(S::Claimed), St::Pay, &staff(Role::Finance), &on),
            Ok(S::Paid)
        );
    }

    #[test]
    fn refusals_name_what_the_api_answers() {
        let off = Facts::default();
        let eligible = Facts {
            case: CaseFacts {
                found_true: true,
                wants_reward: true,
                excluded: false,
            },
            ..off
        };
        let officer = staff(Role::Officer);
        let fin = staff(Role::Finance);
        let c = |c| Err(Refusal::Conflict(c));
        assert_eq!(
            step(None, St::Propose, &officer, &off),
            c(Conflict::NotSubstantiated)
        );
        assert_eq!(
            step(Some(S::Paid), St::Propose, &officer, &eligible),
            c(Conflict::RewardExists)
        );
        assert_eq!(
            step(None, St::Propose, &officer, &eligible),
            Ok(S::Proposed)
        );
        assert_eq!(
            step(
                Some(S::AwaitingSignoff),
                St::Approve,
                &fin,
                &Facts {
                    head_signoff: true,
                    ..off
                }
            ),
            c(Conflict::AwaitingSignoff)
        );
        assert_eq!(
            step(Some(S::Approved), St::Reject, &fin, &off),
            c(Conflict::AlreadyDecided)
        );
        assert_eq!(
            step(Some(S::Paid), St::Pay, &fin, &off),
            c(Conflict::AlreadyPaid)
        );
        assert_eq!(
            step(Some(S::Approved), St::Pay, &fin, &off),
            c(Conflict::NotClaimed)
        );
        let over = Facts {
            claim_period_over: true,
            ..off
        };
        assert_eq!(
            step(Some(S::Approved), St::Claim, &RewardActor::REPORTER, &over),
            c(Conflict::ClaimExpired)
        );
        assert_eq!(
            step(Some(S::Claimed), St::Claim, &RewardActor::REPORTER, &off),
            c(Conflict::NothingToClaim)
        );
        assert_eq!(
            Conflict::SignoffNotConfigured.code(),
            "signoff_not_configured"
        );
    }

    #[test]
    fn active_granted_and_shown_statuses() {
        let pick = |f: fn(RewardStatus) -> bool| -> Vec<&str> {
            RewardStatus::VARIANTS
                .iter()
                .filter(|s| f(**s))
                .map(|s| s.as_ref())
                .collect()
        };
        assert_eq!(
            pick(RewardStatus::is_active),
            [
                "awaiting_signoff",
                "proposed",
                "returned",
                "awaiting_second_approval",
                "approved",
                "claimed",
                "paid"
            ]
        );
        assert_eq!(
            pick(RewardStatus::is_granted),
            ["approved", "claimed", "paid"]
        );
        assert_eq!(
            pick(RewardStatus::shown_to_reporter),
            ["approved", "claimed", "paid", "expired"]
        );
    }

    #[test]
    fn status_names_round_trip_and_agree_with_serde() {
        for s in RewardStatus::VARIANTS {
            assert_eq!(s.as_ref().parse::<RewardStatus>(), Ok(*s));
            assert_eq!(s.to_string(), s.as_ref());
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(s.as_ref())
            );
        }
        assert!("pending".parse::<RewardStatus>().is_err());
    }
}
