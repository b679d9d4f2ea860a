//! The audit log: append-only, each entry chained to the previous one by a hash.

use super::DbConn;
use super::schema::audit_log as a;
pub use crate::domain::query::AuditFilter;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a)]
pub struct AuditRow {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub case_number: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub address: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// How `hash` was made (`services::audit::V1`, `V2`).
    pub hash_version: i32,
}

impl AuditRow {
    /// What the entry says (without its link in the chain).
    pub fn entry(&self) -> NewEntry<'_> {
        NewEntry {
            actor: &self.actor,
            action: &self.action,
            case_number: self.case_number.as_deref(),
            reason: self.reason.as_deref(),
            detail: self.detail.as_deref(),
            address: self.address.as_deref(),
        }
    }
}

/// What an entry says, before it is chained.
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = a)]
pub struct NewEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub case_number: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub address: Option<&'a str>,
}

/// Serialises appenders: on PostgreSQL an exclusive lock on the table until the transaction
/// ends (so two appenders cannot both chain to the same last entry); SQLite has one writer.
pub fn lock(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("LOCK TABLE audit_log IN EXCLUSIVE MODE").execute(c)?;
    }
    Ok(())
}

pub fn last_hash(conn: &mut DbConn) -> QueryResult<Option<String>> {
    a::table
        .order(a::seq.desc())
        .select(a::hash)
        .first(conn)
        .optional()
}

/// What chaining adds to an entry: when, the hash of the entry before, and its own hash with
/// the version it was made with.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = a)]
pub struct Link<'a> {
    pub at: NaiveDateTime,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    pub hash_version: i32,
}

pub fn insert(conn: &mut DbConn, e: &NewEntry<'_>, link: &Link<'_>) -> QueryResult<()> {
    diesel::insert_into(a::table)
        .values((e, link))
        .execute(conn)?;
    Ok(())
}

/// The actions recorded in the log, each once, in code order.
pub fn actions(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    a::table
        .select(a::action)
        .distinct()
        .order(a::action.asc())
        .load(conn)
}

/// Every entry, oldest first (for verification).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<AuditRow>> {
    a::table
        .order(a::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// A page, newest first, of the entries the filter keeps.
pub fn page(
    conn: &mut DbConn,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let build = || {
        let mut q = a::table.into_boxed();
        if let Some(c) = &f.case_number {
            q = q.filter(a::case_number.eq(c.clone()));
        }
        if let Some(actor) = &f.actor {
            q = q.filter(a::actor.eq(actor.clone()));
        }
        if let Some(action) = &f.action {
            q = q.filter(a::action.eq(action.clone()));
        }
        if let Some(since) = f.since {
            q = q.filter(a::at.ge(since));
        }
        if let Some(before) = f.before {
            q = q.filter(a::at.lt(before));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order(a::seq.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
