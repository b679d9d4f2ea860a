//! The blacklist (安全生产不良记录): entries with a public reason, listed and withdrawn.

use super::DbConn;
use super::schema::{blacklist as b, enterprises};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = b, treat_none_as_null = true)]
pub struct BlacklistRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub enterprise_id: i64,
    /// Written for the public.
    pub reason: String,
    pub listed_on: NaiveDate,
    pub until: Option<NaiveDate>,
    pub listed_by: String,
    pub listed_at: NaiveDateTime,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdraw_reason: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &BlacklistRow) -> QueryResult<i64> {
    super::insert_row(conn, b::table, row.clone())
}

pub fn update(conn: &mut DbConn, row: &BlacklistRow) -> QueryResult<()> {
    super::update_row(conn, b::table.find(row.id), row.clone())
}

/// Every entry of an enterprise, newest first (withdrawn ones too).
pub fn of_enterprise(conn: &mut DbConn, enterprise_id: i64) -> QueryResult<Vec<BlacklistRow>> {
    b::table
        .filter(b::enterprise_id.eq(enterprise_id))
        .order(b::id.desc())
        .select(BlacklistRow::as_select())
        .load(conn)
}

/// Entries not withdrawn whose end date has not passed, with the enterprise's name, newest first.
pub fn in_force(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<(BlacklistRow, String)>> {
    b::table
        .inner_join(enterprises::table)
        .filter(b::withdrawn_at.is_null())
        .filter(b::until.is_null().or(b::until.ge(today)))
        .order((b::listed_on.desc(), b::id.desc()))
        .select((BlacklistRow::as_select(), enterprises::name))
        .load(conn)
}

/// Entries listed from `from` to `to` (both included), withdrawn ones too, each with its
/// enterprise's sub-district and sector (whose department supervises it).
pub fn listed_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(BlacklistRow, String, String)>> {
    b::table
        .inner_join(enterprises::table)
        .filter(b::listed_on.ge(from).and(b::listed_on.le(to)))
        .select((
            BlacklistRow::as_select(),
            enterprises::street,
            enterprises::sector,
        ))
        .load(conn)
}
