//! The public exposure list (公开曝光).

use super::DbConn;
use super::schema::{case_files, exposures as x, tips};
use crate::domain::tip::TipId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = x, treat_none_as_null = true)]
pub struct ExposureRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    #[diesel(deserialize_as = i64, serialize_as = i64)]
    pub tip_id: TipId,
    pub enterprise: String,
    pub location: String,
    pub finding: String,
    pub published_by: String,
    pub published_at: NaiveDateTime,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdraw_reason: Option<String>,
}

pub fn for_tip(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Option<ExposureRow>> {
    super::first_row(conn, x::table.filter(x::tip_id.eq(tip_id.0)))
}

/// Publishes, or publishes again after a withdrawal (one row per case).
pub fn upsert(conn: &mut DbConn, row: &ExposureRow) -> QueryResult<()> {
    match for_tip(conn, row.tip_id)? {
        Some(old) => {
            let mut row = row.clone();
            row.id = old.id;
            update(conn, &row)?;
        }
        None => {
            diesel::insert_into(x::table)
                .values(row.clone())
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &ExposureRow) -> QueryResult<()> {
    super::update_row(conn, x::table.find(row.id), row.clone())
}

/// A published entry with the tip's sector, sub-district and rectification time.
pub type Published = (ExposureRow, String, Option<String>, Option<NaiveDateTime>);

/// Published entries, newest first, with the tip's sector and sub-district and when its
/// rectification was confirmed.
pub fn published(conn: &mut DbConn) -> QueryResult<Vec<Published>> {
    x::table
        .inner_join(tips::table.inner_join(case_files::table))
        .filter(x::withdrawn_at.is_null())
        .order((x::published_at.desc(), x::id.desc()))
        .select((
            ExposureRow::as_select(),
            tips::sector,
            tips::street,
            case_files::rectified_at,
        ))
        .load(conn)
}

/// Entries of the tips a unit leads or hosts (or all) published in `[from, to)` (UTC), withdrawn
/// ones too.
pub fn published_between(
    conn: &mut DbConn,
    unit: Option<&str>,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<ExposureRow>> {
    let mut q = x::table
        .inner_join(tips::table)
        .filter(x::published_at.ge(from).and(x::published_at.lt(to)))
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(super::tips::led_or_hosted_by(unit));
    }
    q.select(ExposureRow::as_select()).load(conn)
}
