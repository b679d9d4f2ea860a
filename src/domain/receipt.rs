//! The receipt: 16 random digits that let an anonymous reporter follow their tip. It is shown to
//! the reporter once (as four groups of four) and stored only as a keyed slow hash, so a
//! `Receipt` never implements `Display` or a revealing `Debug`: formatting it is explicit.

use std::fmt;

/// Number of digits in a receipt.
pub const DIGITS: usize = 16;

#[derive(Clone, PartialEq, Eq)]
pub struct Receipt([u8; DIGITS]);

impl Receipt {
    /// Builds a receipt from a source of uniformly random bytes, by rejection sampling so every
    /// digit is uniform (bytes of 250 and above are discarded).
    pub fn from_random_bytes(mut next_byte: impl FnMut() -> u8) -> Self {
        let mut digits = [0u8; DIGITS];
        for d in &mut digits {
            *d = loop {
                let b = next_byte();
                if b < 250 {
                    break b % 10;
                }
            };
        }
        Receipt(digits)
    }

    /// Accepts the receipt as the reporter types it back: with or without the spaces, and with
    /// any other white space or hyphens they might add.
    pub fn parse(input: &str) -> Option<Self> {
        let mut digits = [0u8; DIGITS];
        let mut n = 0;
        for c in input.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let d = c.to_digit(10)?;
            if n == DIGITS {
                return None;
            }
            digits[n] = d as u8;
            n += 1;
        }
        (n == DIGITS).then_some(Receipt(digits))
    }

    /// The 16 digits without spaces: the input of the keyed hash.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The form shown to the reporter: `1234 5678 9012 3456`.
    pub fn grouped(&self) -> String {
        let digits = self.digits();
        digits
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receipt(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Receipt {
        let mut bytes = [
            255u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 251,
        ]
        .into_iter();
        Receipt::from_random_bytes(|| bytes.next().unwrap())
    }

    #[test]
    fn grouped_form_is_four_groups_of_four_digits() {
        assert_eq!(sample().grouped(), "1234 5678 9012 3456");
    }

    #[test]
    fn bytes_of_250_and_above_are_rejected_not_folded() {
        let mut bytes = [250u8, 251, 255, 7].into_iter().chain(std::iter::repeat(0));
        let r = Receipt::from_random_bytes(|| bytes.next().unwrap());
        assert_eq!(r.digits(), "7000000000000000");
    }

    #[test]
    fn parse_accepts_spaces_or_none_and_rejects_anything_else() {
        let r = sample();
        assert_eq!(Receipt::parse("1234 5678 9012 3456"), Some(r.clone()));
        assert_eq!(Receipt::parse("1234567890123456"), Some(r.clone()));
        assert_eq!(Receipt::parse(" 1234-5678-9012-3456 "), Some(r));
        assert_eq!(Receipt::parse("123456789012345"), None);
        assert_eq!(Receipt::parse("12345678901234567"), None);
        assert_eq!(Receipt::parse("1234 5678 9012 345a"), None);
        assert_eq!(Receipt::parse("１２３４５６７８９０１２３４５６"), None);
        assert_eq!(Receipt::parse(""), None);
    }

    #[test]
    fn debug_never_shows_the_digits() {
        assert_eq!(format!("{:?}", sample()), "Receipt(****)");
    }
}
