//! Enterprises (生产经营单位) and the tips linked to them.

use super::DbConn;
use super::exposures::ExposureRow;
use super::hazards::HazardRow;
use super::schema::{enterprises as e, exposures, hazards, tip_units, tips};
use crate::domain::tip::{Severity, TipId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Text;

diesel::define_sql_function! {
    /// `replace(text, from, to)`: the same function on SQLite and PostgreSQL.
    fn replace(text: Text, pattern: Text, replacement: Text) -> Text;
}

/// What a name ends with that says nothing about which business it is; matching ignores it.
pub const NAME_SUFFIXES: [&str; 5] = ["有限责任公司", "股份有限公司", "有限公司", "分公司", "公司"];

/// A name without the suffixes of [`NAME_SUFFIXES`], trimmed.
pub fn name_core(name: &str) -> String {
    let mut core = name.trim().to_owned();
    for suffix in NAME_SUFFIXES {
        core = core.replace(suffix, "");
    }
    core.trim().to_owned()
}

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
    super::insert_row(conn, e::table, row)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<EnterpriseRow>> {
    super::first_row(conn, e::table.find(id))
}

pub fn by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<EnterpriseRow>> {
    super::first_row(conn, e::table.filter(e::credit_code.eq(code)))
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
    let linked = tips::table.inner_join(e::table);
    super::first_row(conn, linked.filter(tips::id.eq(tip_id.0)))
}

/// The ids and case numbers of the tips linked to an enterprise, newest first.
pub fn tips_of(conn: &mut DbConn, enterprise_id: i64) -> QueryResult<Vec<(i64, String)>> {
    tips::table
        .filter(tips::enterprise_id.eq(enterprise_id))
        .order(tips::id.desc())
        .select((tips::id, tips::case_number))
        .load(conn)
}

/// The most recently recorded enterprises, newest first; at most `limit`.
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<EnterpriseRow>> {
    e::table
        .order(e::id.desc())
        .limit(limit)
        .select(EnterpriseRow::as_select())
        .load(conn)
}

/// Holds the enterprise's row until the transaction ends (PostgreSQL; SQLite has one writer),
/// so two listings of the same enterprise cannot both find it unlisted.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<Option<i64>> {
    match conn {
        DbConn::Pg(c) => e::table
            .find(id)
            .select(e::id)
            .for_update()
            .first::<i64>(c)
            .optional(),
        DbConn::Sqlite(c) => e::table.find(id).select(e::id).first::<i64>(c).optional(),
    }
}

/// The case numbers and statuses (as stored) of the enterprise's tips, newest first: every
/// one, or those the unit leads or co-handles.
pub fn tips_in_reach(
    conn: &mut DbConn,
    enterprise_id: i64,
    unit: Option<&str>,
) -> QueryResult<Vec<(String, String)>> {
    let mut q = tips::table
        .filter(tips::enterprise_id.eq(enterprise_id))
        .order(tips::id.desc())
        .select((tips::case_number, tips::status))
        .into_boxed();
    if let Some(unit) = unit {
        let attached = tip_units::table
            .filter(tip_units::unit.eq(unit.to_owned()))
            .select(tip_units::tip_id);
        q = q.filter(tips::id.eq_any(attached));
    }
    q.load(conn)
}

/// The enterprise's hazards, newest first (the caller keeps those in reach).
pub fn hazards_of(conn: &mut DbConn, enterprise_id: i64) -> QueryResult<Vec<HazardRow>> {
    hazards::table
        .filter(hazards::enterprise_id.eq(enterprise_id))
        .order(hazards::id.desc())
        .select(HazardRow::as_select())
        .load(conn)
}

/// The exposure-list entries of the enterprise's tips, newest first (withdrawn ones too).
pub fn exposures_of(conn: &mut DbConn, enterprise_id: i64) -> QueryResult<Vec<ExposureRow>> {
    exposures::table
        .inner_join(tips::table)
        .filter(tips::enterprise_id.eq(enterprise_id))
        .order(exposures::id.desc())
        .select(ExposureRow::as_select())
        .load(conn)
}

/// Enterprises a tip's free-text business may be: the name contains `core` (the text without
/// its suffixes), or the text contains the name without its suffixes. At most `limit`, by name.
pub fn matching(
    conn: &mut DbConn,
    text: &str,
    core: &str,
    limit: i64,
) -> QueryResult<Vec<EnterpriseRow>> {
    let [s1, s2, s3, s4, s5] = NAME_SUFFIXES;
    let bare = replace(
        replace(
            replace(replace(replace(e::name, s1, ""), s2, ""), s3, ""),
            s4,
            "",
        ),
        s5,
        "",
    );
    let contained = "%".into_sql::<Text>().concat(bare).concat("%");
    e::table
        .filter(
            e::name
                .like(like_pattern(core))
                .escape('\\')
                .or(text.into_sql::<Text>().like(contained)),
        )
        .order((e::name.asc(), e::id.asc()))
        .limit(limit)
        .select(EnterpriseRow::as_select())
        .load(conn)
}

/// Enterprises with at least `min` major hazards found on or after `since`, with that count,
/// most first.
pub fn repeated_major(
    conn: &mut DbConn,
    since: NaiveDate,
    min: i64,
) -> QueryResult<Vec<(EnterpriseRow, i64)>> {
    let counts: Vec<(Option<i64>, i64)> = hazards::table
        .filter(hazards::grade.eq(Severity::Major.as_str()))
        .filter(hazards::found_on.ge(since))
        .filter(hazards::enterprise_id.is_not_null())
        .group_by(hazards::enterprise_id)
        .having(count_star().ge(min))
        .select((hazards::enterprise_id, count_star()))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, n) in counts {
        if let Some(row) = id.map(|id| find(conn, id)).transpose()?.flatten() {
            out.push((row, n));
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name.cmp(&b.0.name)));
    Ok(out)
}
