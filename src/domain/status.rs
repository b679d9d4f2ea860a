//! The case statuses of the lifecycle (DESIGN.md, "The case lifecycle"), stored as text.

text_enum! {
    /// Stored and sent as its snake_case name (`submitted`, `rectifying`…); `strum` derives the
    /// text forms.
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
}

impl Status {
    /// Nothing more will happen to the case: refused, found untrue, a duplicate, or closed.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected | Status::Unsubstantiated | Status::Duplicate | Status::Closed
        )
    }

    /// Verified as true (查实): found true and on its way to or past rectification, or closed
    /// after a rectification was ordered (`rectification_ordered`).
    pub fn found_true(self, rectification_ordered: bool) -> bool {
        matches!(
            self,
            Status::Substantiated | Status::Rectifying | Status::Rectified
        ) || (self == Status::Closed && rectification_ordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn found_true_and_final_statuses() {
        let found: Vec<_> = Status::VARIANTS
            .iter()
            .filter(|s| s.found_true(false))
            .collect();
        assert_eq!(
            found,
            [
                &Status::Substantiated,
                &Status::Rectifying,
                &Status::Rectified
            ]
        );
        assert!(Status::Closed.found_true(true) && !Status::Rejected.found_true(true));
        let fin: Vec<_> = Status::VARIANTS.iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            fin,
            [
                &Status::Rejected,
                &Status::Unsubstantiated,
                &Status::Duplicate,
                &Status::Closed
            ]
        );
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for &st in Status::VARIANTS {
            assert_eq!(st.as_str().parse::<Status>().unwrap(), st);
        }
        assert!("open".parse::<Status>().is_err());
    }
}
