//! Photos of a refused report form, kept briefly under a token (see the migration's note).

use super::DbConn;
use super::schema::photo_drafts as d;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn save(
    conn: &mut DbConn,
    token_hash: &str,
    photos: &[(&str, &[u8])],
    at: NaiveDateTime,
) -> QueryResult<()> {
    for (i, (content_type, data)) in photos.iter().enumerate() {
        diesel::insert_into(d::table)
            .values((
                d::token_hash.eq(token_hash),
                d::position.eq(i as i32),
                d::content_type.eq(*content_type),
                d::data.eq(*data),
                d::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The photos kept under a token, in the order they were chosen: (content type, bytes).
pub fn load(conn: &mut DbConn, token_hash: &str) -> QueryResult<Vec<(String, Vec<u8>)>> {
    d::table
        .filter(d::token_hash.eq(token_hash))
        .order(d::position.asc())
        .select((d::content_type, d::data))
        .load(conn)
}

pub fn delete(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(d::table.filter(d::token_hash.eq(token_hash))).execute(conn)
}

pub fn purge_older_than(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(d::table.filter(d::created_at.lt(cutoff))).execute(conn)
}

/// The bytes held by all drafts together.
pub fn total_bytes(conn: &mut DbConn) -> QueryResult<u64> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let n: i64 = d::table
        .select(sql::<BigInt>(
            "CAST(COALESCE(SUM(LENGTH(data)), 0) AS BIGINT)",
        ))
        .first(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
