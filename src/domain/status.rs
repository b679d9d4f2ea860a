//! The case statuses of the lifecycle (DESIGN.md, "The case lifecycle"), stored as text.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Submitted,
    Accepted,
    Rejected,
    Verifying,
    Substantiated,
    Unsubstantiated,
    Duplicate,
    Rectifying,
    Rectified,
    Closed,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Submitted,
        Status::Accepted,
        Status::Rejected,
        Status::Verifying,
        Status::Substantiated,
        Status::Unsubstantiated,
        Status::Duplicate,
        Status::Rectifying,
        Status::Rectified,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Verifying => "verifying",
            Status::Substantiated => "substantiated",
            Status::Unsubstantiated => "unsubstantiated",
            Status::Duplicate => "duplicate",
            Status::Rectifying => "rectifying",
            Status::Rectified => "rectified",
            Status::Closed => "closed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>().unwrap(), st);
        }
        assert!("open".parse::<Status>().is_err());
    }
}
