//! The mail outbox: messages written in the transaction of the event they tell about, delivered
//! after commit by whichever instance claims them first, retried with a growing delay.

use super::DbConn;
use super::schema::{deadline_notices, outbox as o};
use crate::domain::tip::TipId;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = o)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient_sealed: Vec<u8>,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

pub fn enqueue(
    conn: &mut DbConn,
    recipient_sealed: &[u8],
    subject: &str,
    body: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(o::table)
        .values((
            o::recipient_sealed.eq(recipient_sealed),
            o::subject.eq(subject),
            o::body.eq(body),
            o::created_at.eq(at),
            o::next_attempt_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ids of messages due for (another) attempt.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    o::table
        .filter(o::sent_at.is_null().and(o::next_attempt_at.le(now)))
        .filter(o::claimed_until.is_null().or(o::claimed_until.lt(now)))
        .order(o::id.asc())
        .limit(limit)
        .select(o::id)
        .load(conn)
}

/// Claims a message for `until`; `None` when another instance got it first (the condition is
/// checked again on the row itself, so only one claim succeeds).
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<OutboxRow>> {
    let n = diesel::update(
        o::table
            .filter(o::id.eq(id).and(o::sent_at.is_null()))
            .filter(o::claimed_until.is_null().or(o::claimed_until.lt(now))),
    )
    .set((o::claimed_until.eq(until), o::attempts.eq(o::attempts + 1)))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    super::first_row(conn, o::table.find(id))
}

pub fn mark_sent(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(o::table.find(id))
        .set((
            o::sent_at.eq(at),
            o::claimed_until.eq(None::<NaiveDateTime>),
            o::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    retry_at: NaiveDateTime,
    error: &str,
) -> QueryResult<()> {
    diesel::update(o::table.find(id))
        .set((
            o::next_attempt_at.eq(retry_at),
            o::claimed_until.eq(None::<NaiveDateTime>),
            o::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records that a deadline notice went out; `false` when it already had (on this instance or
/// another): the primary key makes "notify once" hold across instances.
pub fn record_notice(
    conn: &mut DbConn,
    tip_id: TipId,
    kind: &str,
    due: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let insert = diesel::insert_into(deadline_notices::table).values((
        deadline_notices::tip_id.eq(tip_id.0),
        deadline_notices::kind.eq(kind),
        deadline_notices::due.eq(due),
        deadline_notices::notified_at.eq(at),
    ));
    Ok(super::insert_new!(conn, insert))
}

/// (pending, sent) counts, for tests and the health of the mail path.
pub fn counts(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let pending = o::table
        .filter(o::sent_at.is_null())
        .count()
        .get_result(conn)?;
    let sent = o::table
        .filter(o::sent_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((pending, sent))
}

pub fn purge_sent(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(o::table.filter(o::sent_at.lt(cutoff))).execute(conn)
}
