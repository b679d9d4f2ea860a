//! Enterprises (生产经营单位) and the tips linked to them.

use super::DbConn;
use super::schema::{enterprises as e, hazards, tips};
use crate::domain::tip::TipId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = e)]
pub struct EnterpriseRow {
    pub id: i64,
    pub name: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub street: String,
    pub sector: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = e)]
pub struct NewEnterprise<'a> {
    pub name: &'a str,
    pub credit_code: Option<&'a str>,
    pub address: &'a str,
    pub street: &'a str,
    pub sector: &'a str,
    pub created_by: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &NewEnterprise<'_>) -> QueryResult<i64> {
    diesel::insert_into(e::table)
        .values(row)
        .returning(e::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<EnterpriseRow>> {
    e::table
        .find(id)
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<EnterpriseRow>> {
    e::table
        .filter(e::credit_code.eq(code))
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

/// `%`, `_` and `\` in what people type match themselves.
pub fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Enterprises whose name contains `q` or whose credit code is `q`, by name; at most `limit`.
pub fn search(conn: &mut DbConn, q: &str, limit: i64) -> QueryResult<Vec<EnterpriseRow>> {
    let code = q.trim().to_ascii_uppercase();
    e::table
        .filter(
            e::name
                .like(like_pattern(q.trim()))
                .escape('\\')
                .or(e::credit_code.eq(code)),
        )
        .order((e::name.asc(), e::id.asc()))
        .limit(limit)
        .select(EnterpriseRow::as_select())
        .load(conn)
}

/// Links a tip to an enterprise, and its hazard (if rectification was ordered) with it.
pub fn link_tip(conn: &mut DbConn, tip_id: TipId, enterprise_id: i64) -> QueryResult<()> {
    diesel::update(tips::table.find(tip_id.0))
        .set(tips::enterprise_id.eq(enterprise_id))
        .execute(conn)?;
    diesel::update(hazards::table.filter(hazards::tip_id.eq(tip_id.0)))
        .set(hazards::enterprise_id.eq(enterprise_id))
        .execute(conn)?;
    Ok(())
}

/// The enterprise a tip is linked to.
pub fn of_tip(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Option<EnterpriseRow>> {
    tips::table
        .inner_join(e::table)
        .filter(tips::id.eq(tip_id.0))
        .select(EnterpriseRow::as_select())
        .first(conn)
        .optional()
}

/// The ids and case numbers of the tips linked to an enterprise, newest first.
pub fn tips_of(conn: &mut DbConn, enterprise_id: i64) -> QueryResult<Vec<(i64, String)>> {
    tips::table
        .filter(tips::enterprise_id.eq(enterprise_id))
        .order(tips::id.desc())
        .select((tips::id, tips::case_number))
        .load(conn)
}
