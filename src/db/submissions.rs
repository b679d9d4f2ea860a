//! Idempotent submissions: the keyed hash of a submission key, the keyed hash of the body sent
//! with it, and the answer sealed under a key derived from the submission key.

use super::DbConn;
use super::schema::submissions as s;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A submission seen within the replay window: (body hash, sealed answer).
pub fn find(
    conn: &mut DbConn,
    lookup: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<(String, Vec<u8>)>> {
    s::table
        .filter(s::lookup.eq(lookup))
        .filter(s::created_at.ge(since))
        .select((s::body_hash, s::sealed))
        .first(conn)
        .optional()
}

/// Records a submission; `false` when the key was already taken (another request with it won).
/// A stale row of the same key (older than the window, not yet purged) is replaced.
pub fn insert(
    conn: &mut DbConn,
    (lookup, body_hash, sealed): (&str, &str, &[u8]),
    (at, since): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<bool> {
    diesel::delete(
        s::table
            .filter(s::lookup.eq(lookup))
            .filter(s::created_at.lt(since)),
    )
    .execute(conn)?;
    let insert = diesel::insert_into(s::table).values((
        s::lookup.eq(lookup),
        s::body_hash.eq(body_hash),
        s::sealed.eq(sealed),
        s::created_at.eq(at),
    ));
    Ok(super::insert_new!(conn, insert))
}

/// Forgets the submissions older than `before`.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(s::table.filter(s::created_at.lt(before))).execute(conn)
}
