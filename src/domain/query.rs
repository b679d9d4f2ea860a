//! What staff and the public may ask of the tips: the filters of the staff queue and of the
//! public Open311 list. Plain values, read by `db` to build its queries and built by `web` from
//! query strings.

use super::FieldError;
use super::status::Status;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
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

    /// Whether the queue's total can be read from the per-unit, per-status counts (only the
    /// unit and the status narrow it); any other filter counts matching tips up to a cap.
    pub fn counted_exactly(&self) -> bool {
        self.sector.is_none()
            && self.street.is_none()
            && self.channel.is_none()
            && self.overdue.is_none()
    }
}

/// Where a queue page starts: a page number (read by skipping, for the first pages and the
/// contract's `page`) or after a case (keyset: read from the index, however deep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuePosition {
    Offset(i64),
    After(QueueCursor),
}

/// A place in the queue's order: nearest deadline first, tips without one last
/// (`NO_DEADLINE` stands for them), then by id. Written `YYYY-MM-DD.ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueCursor {
    pub due: NaiveDate,
    pub id: i64,
}

/// The sort key of a tip with no deadline (the queue lists them last); the same date as in the
/// queue indexes (`COALESCE(next_deadline, '9999-12-31')`).
pub const NO_DEADLINE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

impl QueueCursor {
    pub fn of(next_deadline: Option<NaiveDate>, id: i64) -> Self {
        QueueCursor {
            due: next_deadline.unwrap_or(NO_DEADLINE),
            id,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (due, id) = s.split_once('.')?;
        let due = NaiveDate::parse_from_str(due, "%Y-%m-%d").ok()?;
        let id = id.parse().ok().filter(|id: &i64| *id >= 0)?;
        Some(QueueCursor { due, id })
    }
}

impl std::fmt::Display for QueueCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.due.format("%Y-%m-%d"), self.id)
    }
}

/// How many tips a queue matches: exact, or at least `n` when counting stopped at the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueTotal {
    pub n: i64,
    pub exact: bool,
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
    #[test]
    fn queue_cursors_read_back_what_they_write() {
        let c = super::QueueCursor::of(chrono::NaiveDate::from_ymd_opt(2026, 12, 20), 5000);
        assert_eq!(c.to_string(), "2026-12-20.5000");
        assert_eq!(super::QueueCursor::parse(&c.to_string()), Some(c));
        let none = super::QueueCursor::of(None, 7);
        assert_eq!(none.to_string(), "9999-12-31.7");
        assert!(c < none, "tips without a deadline come last");
        for bad in [
            "",
            "2026-12-20",
            "2026-13-01.5",
            "2026-12-20.-1",
            "x.5",
            "2026-12-20.5.5",
        ] {
            assert_eq!(super::QueueCursor::parse(bad), None, "{bad}");
        }
    }

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
