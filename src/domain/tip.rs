//! A tip as the reporter sends it ([`TipInput`], raw strings from JSON or a form) and as the rest
//! of the system sees it ([`NewTip`], every field checked). [`NewTip::parse`] is the one place
//! the intake rules live: lengths, known codes, a mainland mobile number, an instant that is not
//! in the future, and "a reporter exactly when not anonymous".

use super::FieldError;
use super::catalog::{Catalog, Sector};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use validator::ValidateEmail;

/// Limits from API.md "Settled details: Lengths", in characters.
pub const DESCRIPTION_LEN: (usize, usize) = (10, 5_000);
pub const ADDRESS_LEN: (usize, usize) = (2, 200);
pub const ENTERPRISE_MAX: usize = 200;
pub const NAME_LEN: (usize, usize) = (1, 50);
pub const MESSAGE_LEN: (usize, usize) = (1, 2_000);
pub const EMAIL_MAX: usize = 254;
/// A tip's database id, typed so it is never mixed up with a reward's, a message's or a staff
/// member's. The public case number and the receipt are never this id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TipId(pub i64);

super::column::i64_column!(TipId);

/// Phones' clocks drift: an observation time this far ahead of ours is still accepted.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

text_enum! {
    pub enum Severity {
        General,
        /// 重大事故隐患: may carry a suspension order.
        Major,
    }
}

impl Severity {
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

text_enum! {
    /// How the tip reached us.
    pub enum Channel {
        Web,
        Api,
        Open311,
        /// Taken by staff: the 12345 citizen hotline.
        #[strum(serialize = "hotline_12345")]
        #[serde(rename = "hotline_12345")]
        Hotline12345,
        /// Taken by staff: the 12350 work-safety hotline.
        #[strum(serialize = "hotline_12350")]
        #[serde(rename = "hotline_12350")]
        Hotline12350,
        Letter,
        Visit,
        Media,
        LeaderInstruction,
        Referral,
        Other,
    }
}

impl Channel {
    /// The channels a tip taken by staff may come by (API.md, "Staff: intake on behalf").
    pub const TAKEN_BY_STAFF: [Channel; 8] = [
        Channel::Hotline12345,
        Channel::Hotline12350,
        Channel::Letter,
        Channel::Visit,
        Channel::Media,
        Channel::LeaderInstruction,
        Channel::Referral,
        Channel::Other,
    ];
}

/// The tip as received, before any check. Every field is optional so that a missing field is
/// reported next to its name instead of failing the whole body.
#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TipInput {
    pub sector: Option<String>,
    pub street: Option<String>,
    pub address: Option<String>,
    pub enterprise: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    pub observed_at: Option<String>,
    pub anonymous: Option<bool>,
    pub reporter: Option<ReporterInput>,
    pub wants_reward: Option<bool>,
    /// The reporter works for the business reported (a reward is raised).
    pub employee: Option<bool>,
    /// The reporter has safety-supervision duties, or is a relative of someone who has (no reward).
    pub supervision_staff: Option<bool>,
}

#[derive(utoipa::ToSchema, Default, Clone, Deserialize, Serialize)]
pub struct ReporterInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl fmt::Debug for ReporterInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReporterInput(<redacted>)")
    }
}

/// A mainland China mobile number, normalised to its 11 digits.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Accepts `13812345678`, `138 1234 5678`, `138-1234-5678`, `+86 138…` and `86138…`.
    pub fn parse(input: &str) -> Option<Self> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .or_else(|| {
                (compact.len() == 13)
                    .then(|| compact.strip_prefix("86"))
                    .flatten()
            })
            .unwrap_or(&compact);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        ok.then(|| Phone(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phone(<redacted>)")
    }
}

/// The identity of a reporter who chose to give it. It is sealed before it is stored and never
/// logged (its `Debug` is redacted).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterIdentity {
    pub name: String,
    pub phone: Phone,
    pub email: Option<String>,
}

impl fmt::Debug for ReporterIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReporterIdentity(<redacted>)")
    }
}

/// A checked tip, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewTip {
    pub sector: Sector,
    pub street: Option<String>,
    pub address: String,
    pub enterprise: Option<String>,
    pub description: String,
    pub severity: Severity,
    pub observed_at: Option<DateTime<Utc>>,
    pub reporter: Option<ReporterIdentity>,
    pub wants_reward: bool,
    pub employee: bool,
    pub supervision_staff: bool,
}

/// Trims and normalises line ends; drops control characters other than new lines and tabs.
pub fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Checks a required text's length in characters; `Err` carries the field error.
pub fn text_field(
    field: &'static str,
    value: Option<&str>,
    (min, max): (usize, usize),
) -> Result<String, FieldError> {
    let text = clean_text(value.unwrap_or_default());
    let n = text.chars().count();
    if n == 0 {
        Err(FieldError::new(field, "required"))
    } else if n < min {
        Err(FieldError::new(field, "too_short").with("min", min as i64))
    } else if n > max {
        Err(FieldError::new(field, "too_long").with("max", max as i64))
    } else {
        Ok(text)
    }
}

fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let text = clean_text(value.unwrap_or_default());
    if text.is_empty() {
        Ok(None)
    } else if text.chars().count() > max {
        Err(FieldError::new(field, "too_long").with("max", max as i64))
    } else {
        Ok(Some(text))
    }
}

impl NewTip {
    /// Checks everything at once and reports every failing field, so a form can show all its
    /// errors in one round.
    pub fn parse(
        input: &TipInput,
        catalog: &Catalog,
        now: DateTime<Utc>,
    ) -> Result<NewTip, Vec<FieldError>> {
        let mut errors = Vec::new();

        let sector = keep(
            &mut errors,
            match input.sector.as_deref().map(str::trim) {
                None | Some("") => Err(FieldError::new("sector", "required")),
                Some(code) => catalog
                    .sector(code)
                    .cloned()
                    .ok_or_else(|| FieldError::new("sector", "unknown_sector")),
            },
        );
        let street = keep(
            &mut errors,
            match input.street.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(code) => catalog
                    .street(code)
                    .map(|s| Some(s.code.clone()))
                    .ok_or_else(|| FieldError::new("street", "unknown_street")),
            },
        );
        let address = keep(
            &mut errors,
            text_field("address", input.address.as_deref(), ADDRESS_LEN),
        );
        let enterprise = keep(
            &mut errors,
            optional_text("enterprise", input.enterprise.as_deref(), ENTERPRISE_MAX),
        );
        let description = keep(
            &mut errors,
            text_field("description", input.description.as_deref(), DESCRIPTION_LEN),
        );
        let severity = keep(
            &mut errors,
            match input.severity.as_deref().map(str::trim) {
                None | Some("") => Err(FieldError::new("severity", "required")),
                Some(s) => Severity::parse(s)
                    .ok_or_else(|| FieldError::new("severity", "unknown_severity")),
            },
        );
        let observed_at = keep(
            &mut errors,
            match input.observed_at.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => match DateTime::parse_from_rfc3339(s) {
                    Err(_) => Err(FieldError::new("observed_at", "bad_instant")),
                    Ok(t) if t.with_timezone(&Utc) > now + CLOCK_SKEW => {
                        Err(FieldError::new("observed_at", "in_future"))
                    }
                    Ok(t) => Ok(Some(t.with_timezone(&Utc))),
                },
            },
        );
        // Not saying whether one is anonymous is read from whether a reporter was given.
        let anonymous = input.anonymous.unwrap_or(input.reporter.is_none());
        let reporter = match (&input.reporter, anonymous) {
            (Some(_), true) => keep(
                &mut errors,
                Err(FieldError::new("reporter", "reporter_forbidden")),
            ),
            (None, false) => keep(
                &mut errors,
                Err(FieldError::new("reporter", "reporter_required")),
            ),
            (None, true) => Some(None),
            (Some(r), false) => parse_reporter(r, &mut errors).map(Some),
        };

        if !errors.is_empty() {
            return Err(errors);
        }
        // With no error recorded, every check gave its value.
        let checked = || {
            Some(NewTip {
                sector: sector?,
                street: street?,
                address: address?,
                enterprise: enterprise?,
                description: description?,
                severity: severity?,
                observed_at: observed_at?,
                reporter: reporter?,
                wants_reward: input.wants_reward.unwrap_or(false),
                employee: input.employee.unwrap_or(false),
                supervision_staff: input.supervision_staff.unwrap_or(false),
            })
        };
        checked().ok_or_else(|| vec![FieldError::new("body", "invalid")])
    }
}

/// The value of a check that passed; a failed one is recorded and gives `None`.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn parse_reporter(r: &ReporterInput, errors: &mut Vec<FieldError>) -> Option<ReporterIdentity> {
    let name = text_field("reporter.name", r.name.as_deref(), NAME_LEN)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = match r.phone.as_deref().map(str::trim) {
        None | Some("") => Err(FieldError::new("reporter.phone", "required")),
        Some(p) => Phone::parse(p).ok_or_else(|| FieldError::new("reporter.phone", "bad_phone")),
    }
    .map_err(|e| errors.push(e))
    .ok();
    let email = match r.email.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) if e.chars().count() > EMAIL_MAX => {
            Err(FieldError::new("reporter.email", "too_long").with("max", EMAIL_MAX as i64))
        }
        Some(e) if e.validate_email() => Ok(Some(e.to_owned())),
        Some(_) => Err(FieldError::new("reporter.email", "bad_email")),
    }
    .map_err(|e| errors.push(e))
    .ok();
    Some(ReporterIdentity {
        name: name?,
        phone: phone?,
        email: email?,
    })
}

/// A place or a name as compared for "may be the same": without spaces and punctuation, in
/// lower case (`江头北路 216 号（负一楼）` and `江头北路216号负一楼` are one place).
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A tip's place as "may be a duplicate" compares it, made comparable once for comparing it
/// with many (a case page compares its tip with up to a hundred candidates). Two tips may be
/// about the same thing with the same enterprise, or the same place in the same sub-district
/// (one address contains the other, at least four characters of it).
pub struct Place<'a> {
    enterprise: Option<String>,
    street: Option<&'a str>,
    address: String,
}

impl<'a> Place<'a> {
    /// From (enterprise, sub-district, address).
    pub fn new((enterprise, street, address): (Option<&str>, Option<&'a str>, &str)) -> Self {
        Place {
            enterprise: enterprise.map(compact).filter(|e| !e.is_empty()),
            street,
            address: compact(address),
        }
    }

    /// Whether another tip's (enterprise, sub-district, address) may be about the same thing.
    pub fn may_be_same(
        &self,
        (enterprise, street, address): (Option<&str>, Option<&str>, &str),
    ) -> bool {
        let same_enterprise = match (&self.enterprise, enterprise) {
            (Some(x), Some(y)) => *x == compact(y),
            _ => false,
        };
        if same_enterprise {
            return true;
        }
        if self.street.is_none() || self.street != street {
            return false;
        }
        let other = compact(address);
        let near = |x: &str, y: &str| x.chars().count() >= 4 && y.contains(x);
        near(&self.address, &other) || near(&other, &self.address)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn likely_duplicates_share_an_enterprise_or_a_place() {
        let a = (
            Some("某某海鲜酒楼"),
            Some("jiangtou"),
            "江头北路216号负一楼",
        );
        assert!(Place::new(a).may_be_same((Some(" 某某海鲜酒楼 "), None, "别处")));
        assert!(Place::new(a).may_be_same((None, Some("jiangtou"), "江头北路 216 号（负一楼）")));
        assert!(Place::new(a).may_be_same((None, Some("jiangtou"), "江头北路216号")));
        assert!(
            !Place::new(a).may_be_same((None, Some("huli"), "江头北路216号负一楼")),
            "another street"
        );
        assert!(!Place::new(a).may_be_same((None, Some("jiangtou"), "金山路8号")));
        assert!(
            !Place::new(a).may_be_same((None, Some("jiangtou"), "号")),
            "too short to tell"
        );
        assert!(!Place::new((Some(""), None, "x")).may_be_same((Some(""), None, "y")));
    }
    use super::*;
    use crate::domain::catalog::tests::small;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    fn valid() -> TipInput {
        TipInput {
            sector: Some("gas".into()),
            street: Some("north".into()),
            address: Some("北路 12 号".into()),
            enterprise: None,
            description: Some("地下室饭店里堆放了十几个液化气瓶，没有通风。".into()),
            severity: Some("major".into()),
            observed_at: Some("2026-11-28T19:30:00+08:00".into()),
            anonymous: Some(true),
            reporter: None,
            wants_reward: Some(true),
            employee: None,
            supervision_staff: None,
        }
    }

    /// Parses against the small catalog at the tests' instant.
    fn parse(t: &TipInput) -> Result<NewTip, Vec<FieldError>> {
        NewTip::parse(t, &small(), now())
    }

    /// The (field, key) of each refusal.
    fn refusals(t: &TipInput) -> Vec<(&'static str, &'static str)> {
        parse(t)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.key))
            .collect()
    }

    #[test]
    fn a_valid_anonymous_tip_parses() {
        let tip = parse(&valid()).unwrap();
        assert_eq!(tip.sector.code, "gas");
        assert_eq!(tip.severity, Severity::Major);
        assert!(tip.reporter.is_none());
        assert_eq!(
            tip.observed_at,
            Some(Utc.with_ymd_and_hms(2026, 11, 28, 11, 30, 0).unwrap())
        );
    }

    #[test]
    fn lengths_are_counted_in_characters_at_both_ends() {
        let mut t = valid();
        t.description = Some("太短了".into());
        t.address = Some("路".into());
        t.enterprise = Some("企".repeat(201));
        assert_eq!(
            refusals(&t),
            vec![
                ("address", "too_short"),
                ("enterprise", "too_long"),
                ("description", "too_short")
            ]
        );
        let mut t = valid();
        t.description = Some("险".repeat(5_000));
        t.address = Some("路".repeat(200));
        t.enterprise = Some("企".repeat(200));
        assert!(parse(&t).is_ok());
        t.description = Some("险".repeat(5_001));
        assert_eq!(refusals(&t), vec![("description", "too_long")]);
    }

    #[test]
    fn missing_fields_are_each_named() {
        let t = TipInput::default();
        assert_eq!(
            refusals(&t),
            vec![
                ("sector", "required"),
                ("address", "required"),
                ("description", "required"),
                ("severity", "required")
            ]
        );
    }

    #[test]
    fn unknown_codes_are_refused() {
        let mut t = valid();
        t.sector = Some("nuclear".into());
        t.street = Some("atlantis".into());
        t.severity = Some("catastrophic".into());
        assert_eq!(
            refusals(&t),
            vec![
                ("sector", "unknown_sector"),
                ("street", "unknown_street"),
                ("severity", "unknown_severity")
            ]
        );
    }

    #[test]
    fn observed_at_must_be_rfc3339_and_not_in_the_future() {
        let mut t = valid();
        t.observed_at = Some("yesterday".into());
        assert_eq!(refusals(&t), vec![("observed_at", "bad_instant")]);
        t.observed_at = Some("2026-11-28T12:10:00Z".into());
        assert_eq!(refusals(&t), vec![("observed_at", "in_future")]);
        t.observed_at = Some("2026-11-28T12:04:00Z".into());
        assert!(parse(&t).is_ok());
    }

    #[test]
    fn a_reporter_is_required_exactly_when_not_anonymous() {
        let mut t = valid();
        t.anonymous = Some(false);
        assert_eq!(refusals(&t), vec![("reporter", "reporter_required")]);
        t.anonymous = Some(true);
        t.reporter = Some(ReporterInput {
            name: Some("王".into()),
            phone: Some("13812345678".into()),
            email: None,
        });
        assert_eq!(refusals(&t), vec![("reporter", "reporter_forbidden")]);
        t.anonymous = Some(false);
        let tip = parse(&t).unwrap();
        assert_eq!(tip.reporter.unwrap().phone.as_str(), "13812345678");
    }

    #[test]
    fn reporter_fields_are_checked_with_dotted_names() {
        let mut t = valid();
        t.anonymous = Some(false);
        t.reporter = Some(ReporterInput {
            name: Some(" ".into()),
            phone: Some("12345678901".into()),
            email: Some("not-an-email".into()),
        });
        assert_eq!(
            refusals(&t),
            vec![
                ("reporter.name", "required"),
                ("reporter.phone", "bad_phone"),
                ("reporter.email", "bad_email")
            ]
        );
    }

    #[test]
    fn mainland_mobile_numbers_are_normalised() {
        for ok in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "8613812345678",
            "0086 13812345678",
            "19912345678",
        ] {
            assert_eq!(
                Phone::parse(ok).map(|p| p.0),
                Some(
                    "13812345678".replace("138", if ok.starts_with("199") { "199" } else { "138" })
                ),
                "{ok}"
            );
        }
        for bad in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "0592-1234567",
            "1381234567a",
            "+1 13812345678",
        ] {
            assert!(Phone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn identity_never_shows_in_debug_output() {
        let id = ReporterIdentity {
            name: "王师傅".into(),
            phone: Phone::parse("13812345678").unwrap(),
            email: None,
        };
        let shown = format!(
            "{id:?} {:?}",
            ReporterInput {
                name: Some("王师傅".into()),
                phone: None,
                email: None
            }
        );
        assert!(!shown.contains("王") && !shown.contains("138"), "{shown}");
    }
}
