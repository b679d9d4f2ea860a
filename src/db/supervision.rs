//! Supervision findings (督查) and accountability records (问责) with the cases they answer.

use super::DbConn;
use super::schema::{
    accountability as a, accountability_cases as ac, enterprises, hazards,
    supervision_findings as f, tips,
};
use crate::domain::supervision::{
    AccountabilityFilter, AccountabilityKind, Conclusion, FindingKind,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = f)]
pub struct FindingRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: FindingKind,
    pub unit: String,
    pub tip_id: Option<i64>,
    pub hazard_id: Option<i64>,
    pub finding: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub conclusion: Conclusion,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    /// The supervision group of the inspector who recorded it (none for the coordinator or an
    /// inspector without a group).
    pub inspector_group: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = a)]
pub struct AccountabilityRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: AccountabilityKind,
    pub unit: Option<String>,
    pub enterprise_id: Option<i64>,
    pub decided_on: NaiveDate,
    pub summary: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_finding(conn: &mut DbConn, row: &FindingRow) -> QueryResult<i64> {
    diesel::insert_into(f::table)
        .values(row.clone())
        .returning(f::id)
        .get_result(conn)
}

/// A finding with the case number and hazard number it is about.
pub type Finding = (FindingRow, Option<String>, Option<String>);

/// Findings recorded in a period (by local date bounds given as UTC instants), for one unit or
/// all, newest first.
pub fn findings(
    conn: &mut DbConn,
    (unit, group): (Option<&str>, Option<&str>),
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<Finding>> {
    let mut q = f::table
        .left_join(tips::table)
        .left_join(hazards::table)
        .filter(f::recorded_at.ge(from))
        .filter(f::recorded_at.lt(to))
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(f::unit.eq(unit.to_owned()));
    }
    if let Some(group) = group {
        q = q.filter(f::inspector_group.eq(group.to_owned()));
    }
    q.order((f::recorded_at.desc(), f::id.desc()))
        .select((
            FindingRow::as_select(),
            tips::case_number.nullable(),
            hazards::number.nullable(),
        ))
        .load(conn)
}

pub fn insert_accountability(
    conn: &mut DbConn,
    row: &AccountabilityRow,
    tip_ids: &[i64],
) -> QueryResult<i64> {
    let id = diesel::insert_into(a::table)
        .values(row.clone())
        .returning(a::id)
        .get_result(conn)?;
    // One statement per case: batch inserts do not compile through the multi-connection.
    for tip in tip_ids {
        diesel::insert_into(ac::table)
            .values((ac::accountability_id.eq(id), ac::tip_id.eq(tip)))
            .execute(conn)?;
    }
    Ok(id)
}

/// A record with its enterprise's name and the case numbers it answers.
pub type Accountability = (AccountabilityRow, Option<String>, Vec<String>);

/// Records matching the filter, newest decision first.
pub fn accountability(
    conn: &mut DbConn,
    filter: &AccountabilityFilter,
) -> QueryResult<Vec<Accountability>> {
    let mut q = a::table.left_join(enterprises::table).into_boxed();
    if let Some(unit) = &filter.unit {
        q = q.filter(a::unit.eq(unit.clone()));
    }
    if let Some(e) = filter.enterprise_id {
        q = q.filter(a::enterprise_id.eq(e));
    }
    if let Some(d) = filter.from {
        q = q.filter(a::decided_on.ge(d));
    }
    if let Some(d) = filter.to {
        q = q.filter(a::decided_on.le(d));
    }
    let rows: Vec<(AccountabilityRow, Option<String>)> = q
        .order((a::decided_on.desc(), a::id.desc()))
        .select((AccountabilityRow::as_select(), enterprises::name.nullable()))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let cases: Vec<(i64, String)> = ac::table
        .inner_join(tips::table)
        .filter(ac::accountability_id.eq_any(&ids))
        .order(tips::case_number.asc())
        .select((ac::accountability_id, tips::case_number))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(r, name)| {
            let of: Vec<String> = cases
                .iter()
                .filter(|(id, _)| *id == r.id)
                .map(|(_, c)| c.clone())
                .collect();
            (r, name, of)
        })
        .collect())
}
