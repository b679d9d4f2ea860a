//! Staff roles. What each may do is decided by the workflow (`status`) and the services; this
//! module only names them and parses them.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A department's or a sub-district's case handler.
    Officer,
    /// Leads a department or sub-district: everything an officer can, plus sign-off.
    Head,
    /// Reward decisions and payouts.
    Finance,
    /// The district work-safety committee office: all tips, routing, escalations, users.
    Coordinator,
    /// Supervision group: read-only over everything, including the audit log.
    Inspector,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Officer,
        Role::Head,
        Role::Finance,
        Role::Coordinator,
        Role::Inspector,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Head => "head",
            Role::Finance => "finance",
            Role::Coordinator => "coordinator",
            Role::Inspector => "inspector",
        }
    }

    /// Officers and heads belong to a unit (a department or a sub-district); the other roles
    /// work across the whole district and have none.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::Officer | Role::Head)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}` (expected officer, head, finance, coordinator or inspector)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
