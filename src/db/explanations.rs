//! Written explanations of missed time limits, of a case or of a hazard, and 区安委办's decision
//! on each. The limit and the decision are enums in the row, their snake_case names in the text
//! columns; who wrote and who decided are staff ids, named on reading.

use super::DbConn;
use super::schema::{explanations as x, staff_users, tips};
use crate::domain::deadlines::Limit;
use crate::domain::explanation::Decision;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use std::collections::HashMap;

/// What an explanation is about: a case or a hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Tip(i64),
    Hazard(i64),
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = x)]
pub struct ExplanationRow {
    pub id: i64,
    pub tip_id: Option<i64>,
    pub hazard_id: Option<i64>,
    #[diesel(deserialize_as = String)]
    pub time_limit: Limit,
    pub body: String,
    pub new_date: Option<NaiveDate>,
    pub by_staff: Option<i64>,
    pub at: NaiveDateTime,
    #[diesel(deserialize_as = OptionalDecision)]
    pub decision: Option<Decision>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
}

/// A decision or none, as the nullable text column holds it.
pub struct OptionalDecision(Option<String>);

impl TryFrom<OptionalDecision> for Option<Decision> {
    type Error = strum::ParseError;

    fn try_from(d: OptionalDecision) -> Result<Self, Self::Error> {
        d.0.map(|s| s.parse()).transpose()
    }
}

impl<DB, ST> Queryable<ST, DB> for OptionalDecision
where
    DB: diesel::backend::Backend,
    Option<String>: Queryable<ST, DB>,
{
    type Row = <Option<String> as Queryable<ST, DB>>::Row;

    fn build(row: Self::Row) -> diesel::deserialize::Result<Self> {
        Ok(OptionalDecision(Option::<String>::build(row)?))
    }
}

/// The explanations of an owner, as a filter.
fn owned_by(
    owner: Owner,
) -> Box<dyn BoxableExpression<x::table, Backend, SqlType = Nullable<Bool>>> {
    match owner {
        Owner::Tip(t) => Box::new(x::tip_id.eq(t)),
        Owner::Hazard(h) => Box::new(x::hazard_id.eq(h)),
    }
}

type Backend = <DbConn as Connection>::Backend;

/// A new explanation: what it is about, which limit, the text, the new date, who and when.
pub fn insert(
    conn: &mut DbConn,
    owner: Owner,
    (limit, body, new_date): (Limit, &str, Option<NaiveDate>),
    (by, at): (i64, NaiveDateTime),
) -> QueryResult<i64> {
    let (tip_id, hazard_id) = match owner {
        Owner::Tip(t) => (Some(t), None),
        Owner::Hazard(h) => (None, Some(h)),
    };
    diesel::insert_into(x::table)
        .values((
            x::tip_id.eq(tip_id),
            x::hazard_id.eq(hazard_id),
            x::time_limit.eq(limit.as_str()),
            x::body.eq(body),
            x::new_date.eq(new_date),
            x::by_staff.eq(Some(by)),
            x::at.eq(at),
        ))
        .returning(x::id)
        .get_result(conn)
}

/// The explanations of a case or a hazard, oldest first.
pub fn of(conn: &mut DbConn, owner: Owner) -> QueryResult<Vec<ExplanationRow>> {
    x::table
        .filter(owned_by(owner))
        .order(x::id.asc())
        .select(ExplanationRow::as_select())
        .load(conn)
}

/// The explanations of the cases received in `[from, to)` (UTC), with their case numbers,
/// oldest first (the report's overdue list).
pub fn of_tips_received(
    conn: &mut DbConn,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<(String, ExplanationRow)>> {
    x::table
        .inner_join(tips::table)
        .filter(tips::submitted_at.ge(from).and(tips::submitted_at.lt(to)))
        .order(x::id.asc())
        .select((tips::case_number, ExplanationRow::as_select()))
        .load(conn)
}

/// 区安委办's decision on an explanation that has none yet; `false` when it already had one
/// (or there is no such explanation of this owner).
pub fn decide(
    conn: &mut DbConn,
    (owner, id): (Owner, i64),
    (decision, note): (Decision, Option<&str>),
    (by, at): (i64, NaiveDateTime),
) -> QueryResult<bool> {
    let undecided = x::table
        .filter(x::id.eq(id))
        .filter(x::decision.is_null())
        .filter(owned_by(owner));
    let changed = diesel::update(undecided)
        .set((
            x::decision.eq(decision.as_str()),
            x::decided_by.eq(by),
            x::decided_at.eq(at),
            x::decision_note.eq(note),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// The usernames of staff ids (for naming who wrote and who decided).
pub fn usernames(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = staff_users::table
        .filter(staff_users::id.eq_any(ids))
        .select((staff_users::id, staff_users::username))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
