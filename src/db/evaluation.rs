//! The evaluation judgments (成效评估) the coordinator enters per unit and period: one row per
//! unit and period, replaced when entered again.

use super::DbConn;
use super::schema::evaluation_scores as e;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = e, treat_none_as_null = true)]
pub struct ScoreRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub unit: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub leadership: i32,
    pub leadership_note: Option<String>,
    pub screening: i32,
    pub screening_note: Option<String>,
    pub rectification: i32,
    pub rectification_note: Option<String>,
    pub prevention: i32,
    pub prevention_note: Option<String>,
    pub entered_by: String,
    pub entered_at: NaiveDateTime,
}

/// The scores of one unit and period.
pub fn find(
    conn: &mut DbConn,
    unit: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Option<ScoreRow>> {
    super::first_row(
        conn,
        e::table
            .filter(e::unit.eq(unit))
            .filter(e::period_from.eq(from))
            .filter(e::period_to.eq(to)),
    )
}

/// Every unit's scores for a period.
pub fn of_period(
    conn: &mut DbConn,
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<ScoreRow>> {
    e::table
        .filter(e::period_from.eq(from))
        .filter(e::period_to.eq(to))
        .select(ScoreRow::as_select())
        .load(conn)
}

/// Enters the scores of a unit and period, replacing what was entered before.
pub fn save(conn: &mut DbConn, row: &ScoreRow) -> QueryResult<()> {
    match find(conn, &row.unit, (row.period_from, row.period_to))? {
        Some(old) => {
            let row = ScoreRow {
                id: old.id,
                ..row.clone()
            };
            diesel::update(e::table.find(old.id))
                .set(row)
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(e::table)
                .values(row.clone())
                .execute(conn)?;
        }
    }
    Ok(())
}
