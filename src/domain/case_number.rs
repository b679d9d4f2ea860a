//! Public case numbers such as `HL-2026-000123`: a configured prefix, the year the tip arrived
//! (local time of the deployment) and a gap-free sequence within that year. The case number is
//! what staff and reporters quote; it is never the database id.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseNumber(String);

impl CaseNumber {
    pub fn new(prefix: &str, year: i32, seq: i64) -> Self {
        CaseNumber(format!("{prefix}-{year:04}-{seq:06}"))
    }

    /// Parses a case number as it appears in a URL: `PREFIX-YYYY-NNNNNN`, the prefix made of
    /// ASCII letters and digits.
    pub fn parse(input: &str) -> Option<Self> {
        let mut parts = input.split('-');
        let (prefix, year, seq) = (parts.next()?, parts.next()?, parts.next()?);
        let ok = parts.next().is_none()
            && !prefix.is_empty()
            && prefix.len() <= 16
            && prefix.chars().all(|c| c.is_ascii_alphanumeric())
            && year.len() == 4
            && year.chars().all(|c| c.is_ascii_digit())
            && (6..=12).contains(&seq.len())
            && seq.chars().all(|c| c.is_ascii_digit());
        ok.then(|| CaseNumber(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a configured prefix: 1–16 ASCII letters or digits.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.len() <= 16 && prefix.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_are_zero_padded_to_six_digits() {
        assert_eq!(CaseNumber::new("HL", 2026, 123).as_str(), "HL-2026-000123");
        assert_eq!(
            CaseNumber::new("HL", 2026, 1_234_567).as_str(),
            "HL-2026-1234567"
        );
    }

    #[test]
    fn parse_accepts_only_the_published_shape() {
        assert!(CaseNumber::parse("HL-2026-000123").is_some());
        assert!(CaseNumber::parse("HL-2026-123").is_none());
        assert!(CaseNumber::parse("HL-26-000123").is_none());
        assert!(CaseNumber::parse("HL-2026-000123-1").is_none());
        assert!(CaseNumber::parse("H L-2026-000123").is_none());
        assert!(CaseNumber::parse("../etc").is_none());
    }
}
