//! What staff and the public may ask of the tips: the filters of the staff queue and of the
//! public Open311 list. Plain values, read by `db` to build its queries and built by `web` from
//! query strings.

use super::FieldError;
use super::status::Status;
use chrono::{DateTime, NaiveDateTime, Utc};
use strum::VariantArray;

/// Filters of the staff queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only tips attached to this unit (officers and heads); `None` for the whole district.
    pub unit: Option<String>,
    pub status: Option<String>,
    pub sector: Option<String>,
    pub street: Option<String>,
    /// How the tips came in (`hotline_12345`, `media`…).
    pub channel: Option<String>,
    pub overdue: Option<bool>,
}

impl QueueFilter {
    /// The `status` that asks for every case still open (not closed, refused, found untrue or
    /// a duplicate): the page's default, 待办.
    pub const OPEN: &'static str = "open";
}

/// Filters of the audit log: each one given narrows it.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub case_number: Option<String>,
    /// Who: a staff username, `reporter` or `system`.
    pub actor: Option<String>,
    /// What: an action's code (`sign_in`, `accept`…).
    pub action: Option<String>,
    /// From this instant (UTC), included.
    pub since: Option<NaiveDateTime>,
    /// Before this instant (UTC).
    pub before: Option<NaiveDateTime>,
}

/// Filters of the public Open311 request list.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub sector: Option<String>,
    /// Statuses to include (empty: all).
    pub statuses: Vec<String>,
    pub start: Option<NaiveDateTime>,
    pub end: Option<NaiveDateTime>,
    pub case_numbers: Vec<String>,
}

impl PublicFilter {
    /// The filter an Open311 list asks for: a sector, comma-separated case numbers, a period
    /// between two RFC 3339 instants, `open` or `closed` (anything else: every status). Empty
    /// values ask for nothing; a date that is not an instant is refused.
    pub fn parse(
        sector: Option<&str>,
        case_numbers: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
        status: Option<&str>,
    ) -> Result<PublicFilter, FieldError> {
        let statuses = match status {
            Some(which @ ("open" | "closed")) => Status::VARIANTS
                .iter()
                .filter(|s| s.is_final() == (which == "closed"))
                .map(|s| s.as_str().to_owned())
                .collect(),
            _ => Vec::new(),
        };
        Ok(PublicFilter {
            sector: sector.filter(|s| !s.is_empty()).map(str::to_owned),
            statuses,
            start: instant("start_date", start)?,
            end: instant("end_date", end)?,
            case_numbers: (case_numbers.unwrap_or_default().split(','))
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// An RFC 3339 instant as UTC; none when empty.
fn instant(field: &'static str, s: Option<&str>) -> Result<Option<NaiveDateTime>, FieldError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc).naive_utc()))
            .map_err(|_| FieldError::new(field, "bad_instant")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open311_query_becomes_a_filter_and_a_bad_date_is_refused() {
        let f = PublicFilter::parse(
            Some("fire"),
            Some(" A-1, ,B-2"),
            None,
            Some(""),
            Some("closed"),
        );
        let f = f.unwrap();
        assert_eq!(f.sector.as_deref(), Some("fire"));
        assert_eq!(f.case_numbers, ["A-1", "B-2"]);
        assert!(
            f.statuses
                .iter()
                .all(|s| s.parse::<Status>().unwrap().is_final())
        );
        assert!(!f.statuses.is_empty() && f.end.is_none());
        let all = PublicFilter::parse(Some(""), None, None, None, Some("any")).unwrap();
        assert!(all.sector.is_none() && all.statuses.is_empty() && all.case_numbers.is_empty());
        let t = PublicFilter::parse(None, None, Some("2026-11-28T08:00:00+08:00"), None, None);
        assert_eq!(t.unwrap().start.unwrap().to_string(), "2026-11-28 00:00:00");
        let bad = PublicFilter::parse(None, None, None, Some("yesterday"), None);
        assert_eq!(bad.unwrap_err().field, "end_date");
    }
}
