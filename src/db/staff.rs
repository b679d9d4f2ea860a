//! Staff accounts.

use super::DbConn;
use super::schema::staff_users;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_users)]
pub struct StaffRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = staff_users)]
pub struct NewStaffRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub unit: Option<&'a str>,
    pub password_hash: &'a str,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &NewStaffRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(staff_users::table)
        .values(row)
        .returning(staff_users::id)
        .get_result(conn)
}

pub fn exists(conn: &mut DbConn, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        staff_users::table.filter(staff_users::username.eq(username)),
    ))
    .get_result(conn)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<StaffRow>> {
    staff_users::table
        .order(staff_users::username.asc())
        .select(StaffRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    staff_users::table.count().get_result(conn)
}
