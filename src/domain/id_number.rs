//! The 18-character 居民身份证号码 (GB 11643-1999): six digits of the place of registration,
//! eight of the birth date, three of sequence, and a check character computed over the first
//! seventeen (ISO 7064 MOD 11-2; `X` stands for 10). A payee's number is taken only when its
//! check character and birth date hold, so a typing slip is caught when the reporter claims,
//! not at the bank.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A resident identity card number whose check character is right, upper-case `X`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

impl IdNumber {
    /// Accepts the number with spaces or a lower-case `x`; refuses a wrong length, a wrong
    /// check character or a birth date that does not exist.
    pub fn parse(input: &str) -> Option<IdNumber> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = b[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return None;
        }
        chrono::NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").ok()?;
        Some(IdNumber(s))
    }

    /// The number that seventeen digits make with their check character (for made-up numbers:
    /// the demo's payees, tests).
    pub fn complete(first17: &str) -> Option<IdNumber> {
        if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        IdNumber::parse(&format!("{first17}{}", CHECK[(sum % 11) as usize] as char))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdNumber(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The check character for seventeen digits, computed apart from `parse`.
    fn with_check(first17: &str) -> String {
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        format!("{first17}{}", CHECK[(sum % 11) as usize] as char)
    }

    #[test]
    fn the_standards_example_and_slips() {
        // The worked example of GB 11643-1999.
        assert!(IdNumber::parse("11010519491231002X").is_some());
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        assert!(IdNumber::parse(" 440524 18800101 0014 ").is_some());
        // One digit changed, the check character wrong, too short, a date that never was.
        assert!(IdNumber::parse("11010519491231003X").is_none());
        assert!(IdNumber::parse("110105194912310021").is_none());
        assert!(IdNumber::parse("11010519491231002").is_none());
        assert!(IdNumber::parse(&with_check("35010220230230123")).is_none());
        assert!(IdNumber::parse("").is_none());
        assert!(
            format!("{:?}", IdNumber::parse("11010519491231002X").unwrap()).contains("redacted")
        );
    }

    proptest! {
        #[test]
        fn a_right_number_parses_and_one_changed_digit_does_not(
            place in 110000u32..660000,
            day in 0i64..36_500,
            seq in 0u32..1000,
            at in 0usize..17,
            bump in 1u8..10,
        ) {
            let birth = chrono::NaiveDate::from_ymd_opt(1926, 1, 1).unwrap()
                + chrono::Duration::days(day);
            let first17 = format!("{place:06}{}{seq:03}", birth.format("%Y%m%d"));
            let good = with_check(&first17);
            prop_assert!(IdNumber::parse(&good).is_some());
            let mut bytes = good.into_bytes();
            bytes[at] = b'0' + (bytes[at] - b'0' + bump) % 10;
            // Any single changed digit changes the weighted sum by a non-multiple of 11.
            prop_assert!(IdNumber::parse(std::str::from_utf8(&bytes).unwrap()).is_none());
        }
    }
}
