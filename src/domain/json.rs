//! How the API's answers write values that have no JSON form of their own. The services' views
//! derive `Serialize` with these (`#[serde(serialize_with = …)]`), so an answer that carries what a
//! view says is the view itself (API.md's field names and formats), not a copy of it.

use super::FieldError;
use super::money::Fen;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// An instant, stored as UTC with or without its zone.
pub trait Instant {
    fn utc(&self) -> DateTime<Utc>;
}

impl Instant for NaiveDateTime {
    fn utc(&self) -> DateTime<Utc> {
        self.and_utc()
    }
}

impl Instant for DateTime<Utc> {
    fn utc(&self) -> DateTime<Utc> {
        *self
    }
}

/// An instant as RFC 3339 in UTC, to the second: `2026-11-30T08:15:00Z`.
pub fn rfc3339<T: Instant, S: Serializer>(t: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.utc().to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// As [`rfc3339`], or null.
pub fn rfc3339_or_null<T: Instant, S: Serializer>(t: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

/// Who wrote a message between staff and the reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Staff,
    Reporter,
}

/// A message's `from_staff` flag written as its [`Sender`].
pub fn sender<S: Serializer>(from_staff: &bool, s: S) -> Result<S::Ok, S::Error> {
    match from_staff {
        true => Sender::Staff,
        false => Sender::Reporter,
    }
    .serialize(s)
}

/// An amount as the JSON number of yuan with two decimals (`12000.00`), written from the fen as
/// text, so no float is on the way (API.md: `amount_yuan` is a number). Answers that carry one
/// are typed structs serialized directly: inside a `serde_json::Value` it would become a float.
pub struct Yuan(pub Fen);

impl Serialize for Yuan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// An amount from a JSON body, read from its text as written and never through a float (so
/// `10000.555` is a field error, not a rounded amount): a number, or a string of decimal text;
/// absent, `null` or `""` is none.
pub fn yuan_of(field: &'static str, raw: Option<&RawValue>) -> Result<Option<Fen>, FieldError> {
    let text = match raw.map(RawValue::get) {
        None | Some("null") => return Ok(None),
        Some(t) if t.starts_with('"') => {
            serde_json::from_str::<String>(t).map_err(|_| FieldError::new(field, "bad_amount"))?
        }
        Some(t) => t.to_owned(),
    };
    Fen::parse_field(field, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Probe {
        #[serde(serialize_with = "rfc3339")]
        at: NaiveDateTime,
        #[serde(serialize_with = "rfc3339_or_null")]
        maybe: Option<DateTime<Utc>>,
        #[serde(serialize_with = "sender")]
        from: bool,
    }

    #[test]
    fn instants_are_utc_to_the_second_and_senders_are_named() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_milli_opt(8, 15, 0, 250))
            .expect("a valid instant");
        let probe = Probe {
            at,
            maybe: None,
            from: false,
        };
        assert_eq!(
            serde_json::to_string(&probe).expect("serializes"),
            r#"{"at":"2026-11-30T08:15:00Z","maybe":null,"from":"reporter"}"#
        );
    }
}
