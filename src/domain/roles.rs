//! Staff roles. What each may do is decided by the workflow (`status`) and the services; this
//! module only names them and parses them.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(utoipa::ToSchema)]
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
        self.into()
    }

    /// Parses a role's name, saying which names exist when it is none of them.
    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::from_str(s).map_err(|_| UnknownRole(s.to_owned()))
    }

    /// Officers and heads belong to a unit (a department or a sub-district); the other roles
    /// work across the whole district and have none.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::Officer | Role::Head)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}` (expected officer, head, finance, coordinator or inspector)")]
pub struct UnknownRole(pub String);

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
