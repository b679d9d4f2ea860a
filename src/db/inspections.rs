//! Joint inspections (联合检查): several departments, one day, the enterprises visited.

use super::DbConn;
use super::schema::{enterprises, inspection_enterprises as ie, inspections as i};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = i)]
pub struct InspectionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    /// The departments' codes, comma-separated.
    pub departments: String,
    pub street: Option<String>,
    pub members: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

impl InspectionRow {
    pub fn department_codes(&self) -> Vec<&str> {
        self.departments
            .split(',')
            .filter(|d| !d.is_empty())
            .collect()
    }
}

pub fn insert(conn: &mut DbConn, row: &InspectionRow, enterprise_ids: &[i64]) -> QueryResult<i64> {
    let id = super::insert_row(conn, i::table, row.clone())?;
    // One statement per enterprise: batch inserts do not compile through the multi-connection.
    for e in enterprise_ids {
        diesel::insert_into(ie::table)
            .values((ie::inspection_id.eq(id), ie::enterprise_id.eq(e)))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<InspectionRow>> {
    super::first_row(conn, i::table.find(id))
}

/// Every inspection, newest first (at most `limit`).
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<InspectionRow>> {
    i::table
        .order((i::held_on.desc(), i::id.desc()))
        .limit(limit)
        .select(InspectionRow::as_select())
        .load(conn)
}

/// The enterprises an inspection visited, as (id, name), by name.
pub fn enterprises_of(conn: &mut DbConn, id: i64) -> QueryResult<Vec<(i64, String)>> {
    ie::table
        .inner_join(enterprises::table)
        .filter(ie::inspection_id.eq(id))
        .order(enterprises::name.asc())
        .select((enterprises::id, enterprises::name))
        .load(conn)
}
