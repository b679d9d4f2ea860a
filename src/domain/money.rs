//! Money: an integer number of fen (1/100 yuan), never a float. Amounts come in as decimal text
//! (a form field, the literal of a JSON number) and are parsed once, at the edge, by
//! [`Fen::parse`]; they go out as yuan with two decimals through `Display`.

use super::FieldError;
use std::fmt;

/// Money in fen (1/100 yuan). Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Fen(pub i64);

/// Why a typed amount is refused. Each names the message key of a field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a decimal number of yuan (letters, a sign, misplaced separators, empty).
    #[error("not an amount of yuan")]
    BadAmount,
    /// More than two decimals: a fen is the smallest unit, and we never round what was typed.
    #[error("more than two decimals")]
    TooManyDecimals,
    /// Larger than any amount this portal handles (a typing slip, or an overflow).
    #[error("amount too large")]
    TooLarge,
}

impl MoneyError {
    pub fn key(self) -> &'static str {
        match self {
            MoneyError::BadAmount | MoneyError::TooLarge => "bad_amount",
            MoneyError::TooManyDecimals => "amount_decimals",
        }
    }
}

// Fen as stored: an integer column.
super::column::i64_column!(Fen);

impl Fen {
    /// The largest amount accepted from text: a trillion yuan (fines included), far above any
    /// reward or fine and far below `i64::MAX` fen, so sums of many amounts cannot overflow.
    pub const MAX: Fen = Fen(100_000_000_000_000);

    pub fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan.saturating_mul(100))
    }

    /// Parses a non-negative amount of yuan written in decimal: `3500`, `3500.5`, `3500.50`,
    /// with optional thousands separators in their places (`3,500.50`, also the full-width
    /// `，` a Chinese keyboard types). Surrounding spaces are ignored. More than two decimals is
    /// an error, never rounded; so is anything else (`3.500,00`, `35,00`, `-1`, `1e3`).
    pub fn parse(text: &str) -> Result<Fen, MoneyError> {
        let text = text.trim();
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (text, None),
        };
        let int = ungroup(int).ok_or(MoneyError::BadAmount)?;
        let frac = frac.unwrap_or("");
        if int.is_empty() && frac.is_empty() {
            return Err(MoneyError::BadAmount);
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::BadAmount);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let mut fen: i64 = 0;
        for b in int
            .bytes()
            .chain(frac.bytes())
            .chain("00".bytes().take(2 - frac.len()))
        {
            fen = fen
                .checked_mul(10)
                .and_then(|f| f.checked_add(i64::from(b - b'0')))
                .ok_or(MoneyError::TooLarge)?;
        }
        if fen > Fen::MAX.0 {
            return Err(MoneyError::TooLarge);
        }
        Ok(Fen(fen))
    }

    /// An optional amount from a form field or a JSON body: empty (or only spaces) is `None`;
    /// anything else must parse, and a refusal names `field`. A typed amount is never dropped.
    pub fn parse_field(field: &'static str, text: &str) -> Result<Option<Fen>, FieldError> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        Fen::parse(text)
            .map(Some)
            .map_err(|e| FieldError::new(field, e.key()))
    }
}

/// The integer digits without their thousands separators, if they are all digits and every
/// separator stands where one belongs (groups of three after the first). `""` stays `""`.
fn ungroup(int: &str) -> Option<String> {
    let groups: Vec<&str> = int.split([',', '，']).collect();
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return None;
        }
    }
    groups.iter().all(|g| digits(g)).then(|| groups.concat())
}

impl Fen {
    /// The amount in Chinese financial capitals (大写金额) as 《支付结算办法》 writes them on
    /// vouchers: `壹万贰仟元整`, `壹佰万零伍仟元整`, `叁元零伍分`. `None` below zero or from a
    /// trillion yuan up (no reward or notice comes near either).
    pub fn in_capitals(self) -> Option<String> {
        const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
        const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
        const GROUPS: [&str; 3] = ["", "万", "亿"];
        if self.0 < 0 || self.0 >= 100_000_000_000_000 {
            return None;
        }
        let (yuan, jiao, fen) = (self.0 / 100, (self.0 / 10) % 10, self.0 % 10);
        let mut out = String::new();
        if yuan > 0 {
            let digits: Vec<usize> = yuan
                .to_string()
                .bytes()
                .map(|b| usize::from(b - b'0'))
                .collect();
            let mut zero = false;
            for (i, d) in digits.iter().enumerate() {
                let pos = digits.len() - 1 - i;
                if *d == 0 {
                    zero = true;
                } else {
                    if zero {
                        out.push_str(DIGITS[0]);
                        zero = false;
                    }
                    out.push_str(DIGITS[*d]);
                    out.push_str(PLACES[pos % 4]);
                }
                let group = pos / 4;
                if pos.is_multiple_of(4)
                    && group > 0
                    && (yuan / 10_000_i64.pow(group as u32)) % 10_000 != 0
                {
                    out.push_str(GROUPS[group]);
                }
            }
            out.push('元');
        }
        match (jiao, fen) {
            (0, 0) if yuan == 0 => out.push_str("零元整"),
            (0, 0) => out.push('整'),
            (j, 0) => {
                out.push_str(DIGITS[j as usize]);
                out.push_str("角整");
            }
            (j, f) => {
                if j > 0 {
                    out.push_str(DIGITS[j as usize]);
                    out.push('角');
                } else if yuan > 0 {
                    out.push_str(DIGITS[0]);
                }
                out.push_str(DIGITS[f as usize]);
                out.push('分');
            }
        }
        Some(out)
    }
}

impl fmt::Display for Fen {
    /// Yuan with two decimals and no unit: `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;

    fn add(self, other: Fen) -> Fen {
        Fen(self.0.saturating_add(other.0))
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen(0), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn capitals_are_written_as_on_a_voucher() {
        let y = |yuan: i64, fen: i64| Fen(yuan * 100 + fen).in_capitals().unwrap();
        assert_eq!(y(12_000, 0), "壹万贰仟元整");
        assert_eq!(y(500, 0), "伍佰元整");
        assert_eq!(y(3_000, 0), "叁仟元整");
        assert_eq!(y(15_000, 1), "壹万伍仟元零壹分");
        assert_eq!(y(100_000, 0), "壹拾万元整");
        assert_eq!(y(100_500, 0), "壹拾万零伍佰元整");
        assert_eq!(y(1_005_000, 0), "壹佰万零伍仟元整");
        assert_eq!(y(1_005, 50), "壹仟零伍元伍角整");
        assert_eq!(y(3, 5), "叁元零伍分");
        assert_eq!(y(0, 56), "伍角陆分");
        assert_eq!(y(0, 0), "零元整");
        assert_eq!(y(120_000_000, 0), "壹亿贰仟万元整");
        assert_eq!(y(100_000_001, 0), "壹亿零壹元整");
        assert_eq!(Fen(-1).in_capitals(), None);
    }
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimal_text_parses_to_fen() {
        for (text, fen) in [
            ("3500", 350_000),
            ("3500.5", 350_050),
            ("3500.50", 350_050),
            (" 3500.05 ", 350_005),
            ("0.01", 1),
            (".5", 50),
            ("5.", 500),
            ("0", 0),
            ("3,500", 350_000),
            ("1,234,567.89", 123_456_789),
            ("3，500.00", 350_000),
            ("1000000000000", 100_000_000_000_000),
        ] {
            assert_eq!(Fen::parse(text), Ok(Fen(fen)), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused_never_rounded() {
        assert_eq!(Fen::parse("10000.555"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Fen::parse("0.001"), Err(MoneyError::TooManyDecimals));
        for text in [
            "", " ", ".", "-1", "+1", "1e3", "abc", "3 500", "35,00", "3500,", ",500", "1,23,456",
            "3.500,00", "1.2.3", "NaN", "inf", "１２", "12元",
        ] {
            assert_eq!(Fen::parse(text), Err(MoneyError::BadAmount), "{text:?}");
        }
        assert_eq!(Fen::parse("1000000000000.01"), Err(MoneyError::TooLarge));
        assert_eq!(
            Fen::parse("99999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn a_form_field_is_empty_or_an_amount_never_dropped() {
        assert_eq!(Fen::parse_field("fine_yuan", "  "), Ok(None));
        assert_eq!(Fen::parse_field("fine_yuan", "12"), Ok(Some(Fen(1_200))));
        assert_eq!(
            Fen::parse_field("fine_yuan", "12.345"),
            Err(FieldError::new("fine_yuan", "amount_decimals"))
        );
        assert_eq!(
            Fen::parse_field("amount_yuan", "twelve"),
            Err(FieldError::new("amount_yuan", "bad_amount"))
        );
    }

    #[test]
    fn money_prints_as_yuan_with_fen() {
        assert_eq!(Fen(123_450).to_string(), "1234.50");
        assert_eq!(Fen(5).to_string(), "0.05");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(i64::MIN).to_string(), "-92233720368547758.08");
    }

    proptest! {
        /// What `Display` writes, `parse` reads back to the same fen.
        #[test]
        fn display_round_trips_through_parse(fen in 0..=Fen::MAX.0) {
            prop_assert_eq!(Fen::parse(&Fen(fen).to_string()), Ok(Fen(fen)));
        }

        /// Thousands separators change nothing.
        #[test]
        fn grouped_digits_parse_like_plain_ones(yuan in 0u64..1_000_000_000_000, fen in 0u64..100) {
            let plain = yuan.to_string();
            let mut grouped = String::new();
            for (i, c) in plain.chars().enumerate() {
                if i > 0 && (plain.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            prop_assert_eq!(
                Fen::parse(&format!("{grouped}.{fen:02}")),
                Fen::parse(&format!("{plain}.{fen:02}"))
            );
        }

        /// Whatever the text, parsing never panics and never gives a negative amount.
        #[test]
        fn any_text_parses_to_a_non_negative_amount_or_an_error(text in ".{0,30}") {
            if let Ok(f) = Fen::parse(&text) {
                prop_assert!(f >= Fen(0) && f <= Fen::MAX);
            }
        }
    }
}
