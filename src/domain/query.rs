//! What staff and the public may ask of the tips: the filters of the staff queue and of the
//! public Open311 list. Plain values, read by `db` to build its queries and built by `web` from
//! query strings.

use chrono::NaiveDateTime;

/// Filters of the staff queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only tips attached to this unit (officers and heads); `None` for the whole district.
    pub unit: Option<String>,
    pub status: Option<String>,
    pub sector: Option<String>,
    pub street: Option<String>,
    pub overdue: Option<bool>,
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
