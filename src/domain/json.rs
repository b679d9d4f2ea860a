//! How the API's answers write values that have no JSON form of their own. The services' views
//! derive `Serialize` with these (`#[serde(serialize_with = …)]`), so an answer that carries what a
//! view says is the view itself (API.md's field names and formats), not a copy of it.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

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
