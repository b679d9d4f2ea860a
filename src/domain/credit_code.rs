//! 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters from a 31-letter
//! alphabet (digits and capitals without I, O, Z, S, V); characters 3–8 are the administrative
//! division code; the last is a check character over the first seventeen, weighted by powers of 3
//! modulo 31.

use serde::Serialize;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A credit code whose form and check character are valid, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

/// Why a credit code is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
pub enum BadCreditCode {
    /// Not 18 characters of the code's alphabet, or the division code is not six digits.
    #[strum(serialize = "bad_credit_code")]
    Malformed,
    /// The check character does not match the first seventeen.
    #[strum(serialize = "bad_check_character")]
    WrongCheck,
}

impl BadCreditCode {
    /// The message key of the field error.
    pub fn key(self) -> &'static str {
        self.into()
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character of the first seventeen characters (each must be in the alphabet).
pub fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    let mut weight = 1u32;
    for &c in first17 {
        sum += value(c)? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(ALPHABET[check as usize]))
}

impl CreditCode {
    /// Parses a code as people type it: spaces around it are ignored, lower case is raised.
    pub fn parse(text: &str) -> Result<CreditCode, BadCreditCode> {
        let code = text.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes.iter().all(|&c| value(c).is_some())
            && bytes[2..8].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(BadCreditCode::Malformed);
        }
        match check_character(&bytes[..17]) {
            Some(c) if c as u8 == bytes[17] => Ok(CreditCode(code)),
            _ => Err(BadCreditCode::WrongCheck),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_are_valid() {
        for code in [
            "91350100M000100Y43",
            "91330100799655058B",
            "91110000600037209K",
        ] {
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(
            CreditCode::parse(" 91330100799655058b ").unwrap().as_str(),
            "91330100799655058B"
        );
    }

    #[test]
    fn wrong_forms_are_refused_with_their_reason() {
        use BadCreditCode::*;
        assert_eq!(CreditCode::parse("91330100799655058C"), Err(WrongCheck));
        assert_eq!(WrongCheck.key(), "bad_check_character");
        assert_eq!(CreditCode::parse("9133010079965505"), Err(Malformed));
        // I, O, Z, S and V are not in the alphabet.
        assert_eq!(CreditCode::parse("91330100799655058I"), Err(Malformed));
        // The division code (characters 3–8) is digits.
        assert_eq!(CreditCode::parse("913A0100799655058B"), Err(Malformed));
        assert_eq!(CreditCode::parse(""), Err(Malformed));
    }

    fn alphabet_char() -> impl Strategy<Value = u8> {
        (0..31usize).prop_map(|i| ALPHABET[i])
    }

    proptest! {
        /// Any seventeen characters with their check character form a code; changing any one
        /// character to another makes it invalid (a weighted sum modulo a prime catches every
        /// single substitution).
        #[test]
        fn the_check_character_catches_every_single_change(
            head in proptest::collection::vec(alphabet_char(), 2),
            division in proptest::collection::vec(0u8..10, 6),
            tail in proptest::collection::vec(alphabet_char(), 9),
            at in 0usize..18,
            to in alphabet_char(),
        ) {
            let mut code: Vec<u8> = head;
            code.extend(division.iter().map(|d| b'0' + d));
            code.extend(tail);
            let check = check_character(&code).unwrap();
            code.push(check as u8);
            let text = String::from_utf8(code.clone()).unwrap();
            prop_assert!(CreditCode::parse(&text).is_ok());
            if code[at] != to {
                code[at] = to;
                let changed = String::from_utf8(code).unwrap();
                prop_assert!(CreditCode::parse(&changed).is_err());
            }
        }
    }
}
