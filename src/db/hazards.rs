//! Hazards (隐患), their history and their numbers. Source, grade and status are enums in the row
//! and their snake_case names in the text columns (the text forms come with `text_enum!` in
//! `domain`; which column holds which is said here).

use super::DbConn;
use super::schema::{enterprises, hazard_events as ev, hazards as h, tips};
use super::tips::next_seq;
use crate::domain::hazard::{HazardId, HazardStatus, Source};
use crate::domain::tip::{Severity, TipId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = h, treat_none_as_null = true)]
pub struct HazardRow {
    #[diesel(skip_insertion, deserialize_as = i64)]
    pub id: HazardId,
    pub number: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub source: Source,
    pub tip_id: Option<i64>,
    pub inspection_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub description: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub grade: Severity,
    pub basis: Option<String>,
    pub found_on: NaiveDate,
    pub department: String,
    pub street: Option<String>,
    pub responsible_person: String,
    pub supervisor: String,
    pub street_official: Option<String>,
    pub leader: Option<String>,
    pub measures: String,
    pub deadline: NaiveDate,
    pub original_deadline: NaiveDate,
    pub suspend_operations: bool,
    pub resumed_on: Option<NaiveDate>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: HazardStatus,
    pub overdue: bool,
    pub rectified_on: Option<NaiveDate>,
    pub reviewed_by: Option<String>,
    pub reviewed_on: Option<NaiveDate>,
    pub escalated_on: Option<NaiveDate>,
    pub supervised: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ev)]
pub struct HazardEventRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    #[diesel(deserialize_as = i64, serialize_as = i64)]
    pub hazard_id: HazardId,
    pub kind: String,
    pub actor: String,
    pub at: NaiveDateTime,
    pub note: Option<String>,
    pub on_date: Option<NaiveDate>,
}

/// The next hazard number's sequence of `year` (gap-free; see `tips::next_seq`).
pub fn next_hazard_seq(conn: &mut DbConn, year: i32) -> QueryResult<i64> {
    next_seq!(hazard_counters, conn, year)
}

pub fn insert(conn: &mut DbConn, row: &HazardRow) -> QueryResult<HazardId> {
    diesel::insert_into(h::table)
        .values(row.clone())
        .returning(h::id)
        .get_result(conn)
        .map(HazardId)
}

pub fn update(conn: &mut DbConn, row: &HazardRow) -> QueryResult<()> {
    diesel::update(h::table.find(row.id.0))
        .set(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: HazardId) -> QueryResult<Option<HazardRow>> {
    super::first_row(conn, h::table.find(id.0))
}

pub fn for_tip(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Option<HazardRow>> {
    super::first_row(conn, h::table.filter(h::tip_id.eq(tip_id.0)))
}

pub fn insert_event(conn: &mut DbConn, row: &HazardEventRow) -> QueryResult<()> {
    diesel::insert_into(ev::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// A hazard's history, oldest first.
pub fn events_of(conn: &mut DbConn, id: HazardId) -> QueryResult<Vec<HazardEventRow>> {
    ev::table
        .filter(ev::hazard_id.eq(id.0))
        .order(ev::id.asc())
        .select(HazardEventRow::as_select())
        .load(conn)
}

/// Every event of these kinds, oldest first (the lists read the latest 复查 of each hazard).
pub fn events_of_kinds(conn: &mut DbConn, kinds: &[&str]) -> QueryResult<Vec<HazardEventRow>> {
    ev::table
        .filter(ev::kind.eq_any(kinds.iter().map(|k| k.to_string()).collect::<Vec<_>>()))
        .order(ev::id.asc())
        .select(HazardEventRow::as_select())
        .load(conn)
}

/// Whether a hazard has this number.
pub fn number_exists(conn: &mut DbConn, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(h::table.filter(h::number.eq(number)))).get_result(conn)
}

type InReach =
    diesel::dsl::Or<diesel::dsl::Eq<h::department, String>, diesel::dsl::Eq<h::street, String>>;

/// The hazards within a unit's reach: those it supervises (department) or hosts (sub-district).
fn in_reach(unit: &str) -> InReach {
    h::department
        .eq(unit.to_owned())
        .or(h::street.eq(unit.to_owned()))
}

/// Which hazards a list or page wants. `unit` limits to the hazards a unit supervises or hosts.
#[derive(Debug, Clone, Default)]
pub struct HazardFilter {
    pub unit: Option<String>,
    pub street: Option<String>,
    pub department: Option<String>,
    pub source: Option<Source>,
    pub grade: Option<Severity>,
    pub status: Option<HazardStatus>,
    pub enterprise_id: Option<i64>,
    pub inspection_id: Option<i64>,
    pub overdue: Option<bool>,
    /// Found on or after / on or before.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A hazard with its enterprise's name and credit code, and the case number of its tip (the
/// tip's own free-text enterprise stands in while the tip is not linked).
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub hazard: HazardRow,
    pub enterprise: Option<String>,
    pub credit_code: Option<String>,
    pub enterprise_address: Option<String>,
    pub case_number: Option<String>,
    pub tip_enterprise: Option<String>,
    pub tip_address: Option<String>,
}

/// Hazards matching the filter, deadline first, at most `limit` from `offset`, and how many
/// match in all.
pub fn list(
    conn: &mut DbConn,
    f: &HazardFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Listed>, i64)> {
    let build = || {
        let mut q = h::table
            .left_join(enterprises::table)
            .left_join(tips::table)
            .into_boxed();
        if let Some(unit) = &f.unit {
            q = q.filter(in_reach(unit));
        }
        if let Some(s) = &f.street {
            q = q.filter(h::street.eq(s.clone()));
        }
        if let Some(d) = &f.department {
            q = q.filter(h::department.eq(d.clone()));
        }
        if let Some(s) = f.source {
            q = q.filter(h::source.eq(s.as_str()));
        }
        if let Some(g) = f.grade {
            q = q.filter(h::grade.eq(g.as_str()));
        }
        if let Some(s) = f.status {
            q = q.filter(h::status.eq(s.as_str()));
        }
        if let Some(e) = f.enterprise_id {
            q = q.filter(h::enterprise_id.eq(e));
        }
        if let Some(i) = f.inspection_id {
            q = q.filter(h::inspection_id.eq(i));
        }
        if let Some(o) = f.overdue {
            q = q.filter(h::overdue.eq(o));
        }
        if let Some(d) = f.from {
            q = q.filter(h::found_on.ge(d));
        }
        if let Some(d) = f.to {
            q = q.filter(h::found_on.le(d));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order((h::status.asc(), h::deadline.asc(), h::id.asc()))
        .offset(offset)
        .limit(limit)
        .select((
            HazardRow::as_select(),
            enterprises::name.nullable(),
            enterprises::credit_code.assume_not_null().nullable(),
            enterprises::address.nullable(),
            tips::case_number.nullable(),
            tips::enterprise.assume_not_null().nullable(),
            tips::address.nullable(),
        ))
        .load::<(
            HazardRow,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        )>(conn)?
        .into_iter()
        .map(|(hazard, name, code, address, case, tip_e, tip_a)| Listed {
            hazard,
            enterprise: name,
            credit_code: code,
            enterprise_address: address,
            case_number: case,
            tip_enterprise: tip_e,
            tip_address: tip_a,
        })
        .collect();
    Ok((rows, total))
}

/// Open hazards past their deadline not yet marked overdue: marks them and returns them. Each
/// row is marked only if it is still unmarked when its update runs, so of two instances running
/// the job at once, one returns it (PostgreSQL re-reads the row after the other's lock).
pub fn mark_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<HazardRow>> {
    let open_and_late = || {
        h::status
            .eq(HazardStatus::Open.as_str())
            .and(h::deadline.lt(today))
            .and(h::overdue.eq(false))
    };
    let due = h::table
        .filter(open_and_late())
        .order(h::id.asc())
        .select(HazardRow::as_select())
        .load(conn)?;
    let mut marked = Vec::with_capacity(due.len());
    for mut row in due {
        let n = diesel::update(h::table.find(row.id.0).filter(open_and_late()))
            .set(h::overdue.eq(true))
            .execute(conn)?;
        if n == 1 {
            row.overdue = true;
            marked.push(row);
        }
    }
    Ok(marked)
}

/// Holds the hazard's row until the transaction ends (PostgreSQL; SQLite has one writer), so
/// two steps on one hazard take turns and each reads what the other wrote.
pub fn lock(conn: &mut DbConn, id: HazardId) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        h::table
            .find(id.0)
            .select(h::id)
            .for_update()
            .first::<i64>(c)
            .optional()?;
    }
    Ok(())
}

/// Hazards not struck off (open, or waiting for their re-check) within a unit's reach, and of
/// those, how many have a deadline after `date` (the campaign's end).
pub fn not_closed(
    conn: &mut DbConn,
    unit: Option<&str>,
    date: NaiveDate,
) -> QueryResult<(i64, i64)> {
    let build = || {
        let mut q = h::table
            .filter(h::status.ne(HazardStatus::Closed.as_str()))
            .into_boxed();
        if let Some(unit) = unit {
            q = q.filter(in_reach(unit));
        }
        q
    };
    let all = build().count().get_result(conn)?;
    let after = build()
        .filter(h::deadline.gt(date))
        .count()
        .get_result(conn)?;
    Ok((all, after))
}

/// Every hazard within a unit's reach (or all) found on or before `to`: what a report's
/// campaign figures are worked out from, as of `to`.
pub fn found_until(
    conn: &mut DbConn,
    unit: Option<&str>,
    to: NaiveDate,
) -> QueryResult<Vec<HazardRow>> {
    let mut q = h::table.filter(h::found_on.le(to)).into_boxed();
    if let Some(unit) = unit {
        q = q.filter(in_reach(unit));
    }
    q.order(h::id.asc())
        .select(HazardRow::as_select())
        .load(conn)
}
