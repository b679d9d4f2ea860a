//! The outbox of mail and texts (SMS): messages written in the transaction of the event they tell
//! about, delivered after commit by whichever instance claims them first, retried with a growing
//! delay. Texts to one number are counted per local day in `sms_sent`, by a keyed hash of the
//! number, so the daily limit holds whichever instance sends them.

use super::DbConn;
use super::schema::{deadline_notices, outbox as o, sms_sent};
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
    /// `mail` or `sms`.
    pub channel: String,
    /// A text's template parameters (JSON pairs, in the template's order).
    pub params: Option<String>,
    /// A text's keyed hash of the number.
    pub recipient_key: Option<String>,
}

pub const MAIL: &str = "mail";
pub const SMS: &str = "sms";

/// A text to queue: the sealed number and its keyed hash, the notice's kind, the text as the
/// template words it and the template's parameters (JSON).
pub struct NewText<'a> {
    pub recipient_sealed: &'a [u8],
    pub recipient_key: &'a str,
    pub kind: &'a str,
    pub text: &'a str,
    pub params: &'a str,
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

pub fn enqueue_text(conn: &mut DbConn, t: &NewText<'_>, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(o::table)
        .values((
            o::recipient_sealed.eq(t.recipient_sealed),
            o::recipient_key.eq(t.recipient_key),
            o::channel.eq(SMS),
            o::subject.eq(t.kind),
            o::body.eq(t.text),
            o::params.eq(t.params),
            o::created_at.eq(at),
            o::next_attempt_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a text of this kind to this number is still waiting (another would say the same).
pub fn text_waiting(conn: &mut DbConn, recipient_key: &str, kind: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        o::table.filter(
            o::sent_at
                .is_null()
                .and(o::channel.eq(SMS))
                .and(o::recipient_key.eq(recipient_key))
                .and(o::subject.eq(kind)),
        ),
    ))
    .get_result(conn)
}

/// (id, channel) of messages due for (another) attempt.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    o::table
        .filter(o::sent_at.is_null().and(o::next_attempt_at.le(now)))
        .filter(o::claimed_until.is_null().or(o::claimed_until.lt(now)))
        .order(o::id.asc())
        .limit(limit)
        .select((o::id, o::channel))
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

/// Puts a claimed text back to wait until `until` without counting the attempt (its number had
/// its texts for the day).
pub fn defer(conn: &mut DbConn, id: i64, until: NaiveDateTime, why: &str) -> QueryResult<()> {
    diesel::update(o::table.find(id))
        .set((
            o::next_attempt_at.eq(until),
            o::claimed_until.eq(None::<NaiveDateTime>),
            o::attempts.eq(o::attempts - 1),
            o::last_error.eq(why),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes one of the day's `limit` texts of a number; `false` when they are all taken. The
/// update checks the count on the row itself, so two instances cannot both take the last one.
pub fn take_text_slot(
    conn: &mut DbConn,
    recipient_key: &str,
    day: NaiveDate,
    limit: i32,
) -> QueryResult<bool> {
    let row = diesel::insert_into(sms_sent::table).values((
        sms_sent::recipient_key.eq(recipient_key),
        sms_sent::day.eq(day),
        sms_sent::sent.eq(0),
    ));
    let _new = super::insert_new!(conn, row);
    let n = diesel::update(
        sms_sent::table
            .find((recipient_key, day))
            .filter(sms_sent::sent.lt(limit)),
    )
    .set(sms_sent::sent.eq(sms_sent::sent + 1))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives back a slot taken for a text that did not go out.
pub fn give_back_text_slot(
    conn: &mut DbConn,
    recipient_key: &str,
    day: NaiveDate,
) -> QueryResult<()> {
    diesel::update(
        sms_sent::table
            .find((recipient_key, day))
            .filter(sms_sent::sent.gt(0)),
    )
    .set(sms_sent::sent.eq(sms_sent::sent - 1))
    .execute(conn)?;
    Ok(())
}

/// Texts counted for a number on a day.
pub fn texts_sent(conn: &mut DbConn, recipient_key: &str, day: NaiveDate) -> QueryResult<i32> {
    Ok(sms_sent::table
        .find((recipient_key, day))
        .select(sms_sent::sent)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// A message that keeps failing, as the coordinator sees it (never its recipient).
#[derive(Debug, Clone, Queryable)]
pub struct FailingRow {
    pub id: i64,
    pub channel: String,
    pub subject: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
}

/// Undelivered messages with at least `attempts` failed attempts, oldest first.
pub fn failing(conn: &mut DbConn, attempts: i32, limit: i64) -> QueryResult<Vec<FailingRow>> {
    o::table
        .filter(o::sent_at.is_null().and(o::attempts.ge(attempts)))
        .order(o::id.asc())
        .limit(limit)
        .select((
            o::id,
            o::channel,
            o::subject,
            o::attempts,
            o::last_error,
            o::created_at,
            o::next_attempt_at,
        ))
        .load(conn)
}

/// Drops day counts older than `before`.
pub fn purge_text_counts(conn: &mut DbConn, before: NaiveDate) -> QueryResult<usize> {
    diesel::delete(sms_sent::table.filter(sms_sent::day.lt(before))).execute(conn)
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

/// The messages not yet sent, and when the oldest of them was queued (for `/metrics`); only the
/// unsent rows are read, whatever the number of sent ones kept.
pub fn pending(conn: &mut DbConn) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let unsent = o::table.filter(o::sent_at.is_null());
    let count = unsent.count().get_result(conn)?;
    let oldest = unsent
        .select(diesel::dsl::min(o::created_at))
        .get_result(conn)?;
    Ok((count, oldest))
}

pub fn purge_sent(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(o::table.filter(o::sent_at.lt(cutoff))).execute(conn)
}
