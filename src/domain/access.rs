//! Who may do what, by role: the one table that both the services (which check again, as
//! defence in depth) and the web extractors (`Staff<can::ReadCases>`) read. What an officer or a
//! head may do is further limited to their own unit's cases, and each step of a case or a reward
//! to what its lifecycle allows (`workflow::decide`); those rules live with the lifecycles.

use super::roles::Role;

/// A type per permission, so a route's handler names what it needs in its signature
/// (`Staff<can::ReadCases>`); the extractor asks [`may`] with the permission the type stands for.
pub trait Permitted: 'static {
    const WHAT: Permission;
}

/// Declares the permissions once: the enum, and a marker type of the same name in [`can`].
macro_rules! permissions {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
        #[strum(serialize_all = "snake_case")]
        pub enum Permission {
            $($(#[doc = $doc])* $name,)*
        }

        /// The permissions as types: `can::ReadCases` reads "who can read cases".
        pub mod can {
            $(
                #[doc = concat!("Needs `Permission::", stringify!($name), "`.")]
                pub struct $name;
                impl super::Permitted for $name {
                    const WHAT: super::Permission = super::Permission::$name;
                }
            )*
        }
    };
}

permissions! {
    /// Sign in and keep one's own account.
    SignIn,
    /// The queue, a case, its photos, the three lists.
    ReadCases,
    /// Act on cases, write to reporters, propose rewards.
    WorkCases,
    /// Open a reporter's sealed identity, with a reason (finance only to pay a reward it
    /// approved).
    RevealIdentity,
    /// Publish on and withdraw from the public lists: the exposure list and the blacklist
    /// (安全生产不良记录).
    Publish,
    /// Create, deactivate and reset the accounts of others.
    ManageAccounts,
    /// The audit log.
    ReadAudit,
    /// The dashboard, the evaluation and the progress report (a head for their own unit).
    ReadOversight,
    /// The reward queue and the ledger.
    ReadRewards,
    /// Sign a reward proposal off before finance (when configured).
    SignOffReward,
    /// Approve or reject a reward.
    DecideReward,
    /// Record a reward's payout.
    PayReward,
    /// Record hazards (an inspector: supervision findings only) and enterprises.
    RecordHazards,
    /// Record a supervision group's findings (督查).
    RecordFindings,
    /// Record accountability measures (问责).
    RecordAccountability,
    /// Progress reports that are signed and sent: a unit's officers and heads for their unit,
    /// the coordinator the district's summary and every unit's submission (`report::decide`).
    Reports,
    /// Enter the evaluation judgments (成效评估: 组织领导, 隐患排查, 整改到位, 事故防控).
    ScoreEvaluation,
}

/// Whether a role may do this at all.
pub fn may(role: Role, what: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match what {
        SignIn => true,
        ReadCases => matches!(role, Officer | Head | Coordinator | Inspector),
        WorkCases => matches!(role, Officer | Head | Coordinator),
        RevealIdentity => matches!(role, Coordinator | Finance),
        Publish | ManageAccounts => role == Coordinator,
        ReadAudit => matches!(role, Coordinator | Inspector),
        ReadOversight => matches!(role, Coordinator | Inspector | Head),
        ReadRewards => matches!(role, Finance | Coordinator | Inspector),
        SignOffReward => matches!(role, Head | Coordinator),
        DecideReward | PayReward => role == Finance,
        RecordHazards => matches!(role, Officer | Head | Coordinator | Inspector),
        RecordFindings => matches!(role, Coordinator | Inspector),
        RecordAccountability | ScoreEvaluation => role == Coordinator,
        Reports => matches!(role, Officer | Head | Coordinator),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// The whole table, written out: a change to who may do what shows here.
    #[test]
    fn the_table_of_who_may_do_what() {
        let expected: &[(Permission, &[Role])] = &[
            (Permission::SignIn, &Role::ALL),
            (
                Permission::ReadCases,
                &[
                    Role::Officer,
                    Role::Head,
                    Role::Coordinator,
                    Role::Inspector,
                ],
            ),
            (
                Permission::WorkCases,
                &[Role::Officer, Role::Head, Role::Coordinator],
            ),
            (
                Permission::RevealIdentity,
                &[Role::Finance, Role::Coordinator],
            ),
            (Permission::Publish, &[Role::Coordinator]),
            (Permission::ManageAccounts, &[Role::Coordinator]),
            (Permission::ReadAudit, &[Role::Coordinator, Role::Inspector]),
            (
                Permission::ReadOversight,
                &[Role::Head, Role::Coordinator, Role::Inspector],
            ),
            (
                Permission::ReadRewards,
                &[Role::Finance, Role::Coordinator, Role::Inspector],
            ),
            (Permission::SignOffReward, &[Role::Head, Role::Coordinator]),
            (Permission::DecideReward, &[Role::Finance]),
            (Permission::PayReward, &[Role::Finance]),
            (
                Permission::RecordHazards,
                &[
                    Role::Officer,
                    Role::Head,
                    Role::Coordinator,
                    Role::Inspector,
                ],
            ),
            (
                Permission::RecordFindings,
                &[Role::Coordinator, Role::Inspector],
            ),
            (Permission::RecordAccountability, &[Role::Coordinator]),
            (
                Permission::Reports,
                &[Role::Officer, Role::Head, Role::Coordinator],
            ),
            (Permission::ScoreEvaluation, &[Role::Coordinator]),
        ];
        assert_eq!(expected.len(), Permission::iter().count());
        for (what, roles) in expected {
            for role in Role::ALL {
                assert_eq!(may(role, *what), roles.contains(&role), "{role} {what:?}");
            }
        }
    }

    #[test]
    fn nobody_both_decides_and_works_cases() {
        for role in Role::ALL {
            assert!(!(may(role, Permission::DecideReward) && may(role, Permission::WorkCases)));
        }
    }
}
