//! Saved progress reports (工作报告): figures frozen as JSON text, the narrative, 编制 / 审核 /
//! 签发 and the submission. Status and signer role are enums in the row, text in the columns.

use super::DbConn;
use super::schema::reports as r;
use crate::domain::report::ReportStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = r, treat_none_as_null = true)]
pub struct ReportRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    /// `None`: the district's summary.
    pub unit: Option<String>,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// The reporting round's message key, when the period is one.
    pub round: Option<String>,
    /// The figures as of the period's end, as JSON.
    pub figures: String,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ReportStatus,
    pub prepared_by: String,
    pub prepared_at: NaiveDateTime,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub signed_by: Option<String>,
    pub signed_at: Option<NaiveDateTime>,
    /// A `SignerRole`'s name (`deputy`: 分管领导, `principal`: 主要领导).
    pub signer_role: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ReportRow) -> QueryResult<i64> {
    diesel::insert_into(r::table)
        .values(row.clone())
        .returning(r::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, row: &ReportRow) -> QueryResult<()> {
    diesel::update(r::table.find(row.id))
        .set(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ReportRow>> {
    super::first_row(conn, r::table.find(id))
}

/// Reports whose period is exactly `from`–`to` (a round), or all when `None`; of one unit
/// (`Some(Some(u))`), of the summary (`Some(None)`), or of every scope (`None`); newest first.
pub fn list(
    conn: &mut DbConn,
    unit: Option<Option<&str>>,
    period: Option<(NaiveDate, NaiveDate)>,
) -> QueryResult<Vec<ReportRow>> {
    let mut q = r::table.into_boxed();
    match unit {
        Some(Some(u)) => q = q.filter(r::unit.eq(u.to_owned())),
        Some(None) => q = q.filter(r::unit.is_null()),
        None => {}
    }
    if let Some((from, to)) = period {
        q = q.filter(r::period_from.eq(from).and(r::period_to.eq(to)));
    }
    q.order(r::id.desc())
        .select(ReportRow::as_select())
        .load(conn)
}
