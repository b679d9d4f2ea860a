//! Proof-of-work challenges that were answered (their random ids), so each is used once.

use super::DbConn;
use super::schema::spent_challenges as c;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Records an answered challenge; `false` when it was answered before.
pub fn spend(conn: &mut DbConn, id: &str, expires_at: NaiveDateTime) -> QueryResult<bool> {
    let insert = diesel::insert_into(c::table).values((c::id.eq(id), c::expires_at.eq(expires_at)));
    Ok(super::insert_new!(conn, insert))
}

/// Forgets the challenges that expired before `now` (they are refused as expired anyway).
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(c::table.filter(c::expires_at.lt(now))).execute(conn)
}
