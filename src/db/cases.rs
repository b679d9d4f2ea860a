//! The case file of a tip (deadlines, decisions) and the staff queue.

use super::DbConn;
use super::schema::{case_files, case_reads, deadline_notices, messages, tip_units, tips};
use super::tips::TipRow;
pub use crate::domain::query::{PublicFilter, QueueFilter};
use crate::domain::status::Status;
use crate::domain::tip::TipId;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{InnerJoin, IntoBoxed, exists, not};
use diesel::prelude::*;
use strum::VariantArray;

#[derive(Debug, Clone, Default, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_files, treat_none_as_null = true)]
pub struct CaseFileRow {
    #[diesel(deserialize_as = i64, serialize_as = i64)]
    pub tip_id: TipId,
    pub acceptance_due: Option<NaiveDate>,
    pub accepted_at: Option<NaiveDateTime>,
    pub verification_due: Option<NaiveDate>,
    pub verification_extended: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub feedback_due: Option<NaiveDate>,
    pub rectification_due: Option<NaiveDate>,
    pub responsible_party: Option<String>,
    pub measures: Option<String>,
    pub suspend_operations: bool,
    pub rectified_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub duplicate_of: Option<String>,
    pub reject_reason: Option<String>,
    /// Why the reporter gets no reward (already known, under investigation), declared by staff.
    pub reward_excluded: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &CaseFileRow) -> QueryResult<()> {
    diesel::insert_into(case_files::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, tip_id: TipId) -> QueryResult<CaseFileRow> {
    case_files::table
        .find(tip_id.0)
        .select(CaseFileRow::as_select())
        .first(conn)
}

pub fn update(conn: &mut DbConn, row: &CaseFileRow) -> QueryResult<()> {
    diesel::update(case_files::table.find(row.tip_id.0))
        .set(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Sets a tip's status, department, next deadline and overdue flag.
pub fn set_tip_state(
    conn: &mut DbConn,
    tip_id: TipId,
    status: &str,
    department: &str,
    next_deadline: Option<NaiveDate>,
    overdue: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(tips::table.find(tip_id.0))
        .set((
            tips::status.eq(status),
            tips::department.eq(department),
            tips::next_deadline.eq(next_deadline),
            tips::overdue.eq(overdue),
            tips::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces the lead unit of a tip (a transfer): the old lead loses access, and the new lead,
/// which may have co-handled it, leads now.
pub fn replace_lead(conn: &mut DbConn, tip_id: TipId, new_lead: &str) -> QueryResult<()> {
    diesel::delete(
        tip_units::table.filter(
            tip_units::tip_id
                .eq(tip_id.0)
                .and(tip_units::role.eq("lead").or(tip_units::unit.eq(new_lead))),
        ),
    )
    .execute(conn)?;
    super::tips::insert_units(conn, tip_id, &[(new_lead.to_owned(), "lead")])
}

/// One page of the queue, nearest deadline first (tips without one last, oldest first), and the
/// total number of matching tips.
pub fn queue(
    conn: &mut DbConn,
    f: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<TipRow>, i64)> {
    let build = || {
        let mut q = tips::table.into_boxed();
        if let Some(unit) = &f.unit {
            q = q.filter(attached_to(unit.clone()));
        }
        match f.status.as_deref() {
            Some(QueueFilter::OPEN) => q = q.filter(tips::status.ne_all(final_statuses())),
            Some(s) => q = q.filter(tips::status.eq(s.to_owned())),
            None => {}
        }
        if let Some(s) = &f.sector {
            q = q.filter(tips::sector.eq(s.clone()));
        }
        if let Some(s) = &f.street {
            q = q.filter(tips::street.eq(s.clone()));
        }
        if let Some(c) = &f.channel {
            q = q.filter(tips::channel.eq(c.clone()));
        }
        if let Some(o) = f.overdue {
            q = q.filter(tips::overdue.eq(o));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order((
            tips::next_deadline.is_null().asc(),
            tips::next_deadline.asc(),
            tips::id.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(TipRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Records that someone of `unit` opened the case now (the later of this and an earlier time).
pub fn mark_read(
    conn: &mut DbConn,
    tip_id: TipId,
    unit: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let row = (
        case_reads::tip_id.eq(tip_id.0),
        case_reads::unit.eq(unit),
        case_reads::read_at.eq(at),
    );
    let inserted = super::insert_new!(conn, diesel::insert_into(case_reads::table).values(row));
    if !inserted {
        diesel::update(
            case_reads::table
                .filter(case_reads::tip_id.eq(tip_id.0))
                .filter(case_reads::unit.eq(unit))
                .filter(case_reads::read_at.lt(at)),
        )
        .set(case_reads::read_at.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

/// How many messages the reporter wrote on each of these tips after someone of `unit` last
/// opened it (every one when nobody has): (tip id, count), only tips that have any.
pub fn unread_from_reporter(
    conn: &mut DbConn,
    tip_ids: &[i64],
    unit: &str,
) -> QueryResult<Vec<(i64, i64)>> {
    let reads: Vec<(i64, NaiveDateTime)> = case_reads::table
        .filter(case_reads::tip_id.eq_any(tip_ids))
        .filter(case_reads::unit.eq(unit))
        .select((case_reads::tip_id, case_reads::read_at))
        .load(conn)?;
    let sent: Vec<(i64, NaiveDateTime)> = messages::table
        .filter(messages::tip_id.eq_any(tip_ids))
        .filter(messages::sender.eq("reporter"))
        .select((messages::tip_id, messages::created_at))
        .load(conn)?;
    let read: std::collections::HashMap<i64, NaiveDateTime> = reads.into_iter().collect();
    let mut counts: std::collections::BTreeMap<i64, i64> = Default::default();
    for (tip, at) in sent {
        if read.get(&tip).is_none_or(|r| at > *r) {
            *counts.entry(tip).or_default() += 1;
        }
    }
    Ok(counts.into_iter().collect())
}

/// The statuses a case ends in (closed, not taken up, found untrue, a duplicate).
fn final_statuses() -> Vec<&'static str> {
    Status::VARIANTS
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect()
}

/// Whether a unit is attached to a tip (lead or co-handler).
pub fn unit_attached(conn: &mut DbConn, tip_id: TipId, unit: &str) -> QueryResult<Option<String>> {
    tip_units::table
        .filter(tip_units::tip_id.eq(tip_id.0).and(tip_units::unit.eq(unit)))
        .select(tip_units::role)
        .first(conn)
        .optional()
}

/// The case numbers marked as duplicates of this one, oldest first.
pub fn duplicates_of(conn: &mut DbConn, case_number: &str) -> QueryResult<Vec<String>> {
    tips::table
        .inner_join(case_files::table)
        .filter(case_files::duplicate_of.eq(case_number))
        .order(tips::id.asc())
        .select(tips::case_number)
        .load(conn)
}

/// A possible duplicate: case number, enterprise, street, address.
pub type Candidate = (String, Option<String>, Option<String>, String);

/// Open tips submitted since `since` about the same enterprise or in the same sub-district
/// (the candidates for "may be a duplicate"; the caller compares the places), optionally only a
/// unit's: (case number, enterprise, street, address), newest first, at most 200.
pub fn duplicate_candidates(
    conn: &mut DbConn,
    tip: &TipRow,
    since: NaiveDateTime,
    unit: Option<&str>,
) -> QueryResult<Vec<Candidate>> {
    let mut q = tips::table
        .filter(tips::id.ne(tip.id.0))
        .filter(tips::submitted_at.ge(since))
        .filter(tips::status.ne_all(final_statuses()))
        .into_boxed();
    q = match (&tip.enterprise, &tip.street) {
        (Some(e), Some(s)) => q.filter(
            tips::enterprise
                .eq(e.clone())
                .or(tips::street.eq(s.clone())),
        ),
        (Some(e), None) => q.filter(tips::enterprise.eq(e.clone())),
        (None, Some(s)) => q.filter(tips::street.eq(s.clone())),
        (None, None) => return Ok(Vec::new()),
    };
    if let Some(unit) = unit {
        q = q.filter(attached_to(unit.to_owned()));
    }
    q.order(tips::id.desc())
        .limit(200)
        .select((
            tips::case_number,
            tips::enterprise,
            tips::street,
            tips::address,
        ))
        .load(conn)
}

/// Open tips whose current deadline has passed and whose passing has not been notified yet
/// (whatever the overdue flag says: an action may have set it before the job ran).
pub fn newly_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<TipRow>> {
    tips::table
        .filter(tips::next_deadline.lt(today))
        .filter(not(noticed("overdue:%")))
        .select(TipRow::as_select())
        .load(conn)
}

/// Open tips whose current deadline falls between two dates (inclusive) and that have not been
/// warned of it yet.
pub fn due_between(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<TipRow>> {
    tips::table
        .filter(tips::next_deadline.ge(from).and(tips::next_deadline.le(to)))
        .filter(not(noticed("due_soon:%")))
        .select(TipRow::as_select())
        .load(conn)
}

/// Whether a notice of a kind (a `LIKE` pattern: `overdue:%`, `due_soon:%`) went out for the
/// tip's current deadline.
#[diesel::dsl::auto_type]
fn noticed(kind: &'static str) -> _ {
    exists(
        deadline_notices::table
            .filter(deadline_notices::tip_id.eq(tips::id))
            .filter(deadline_notices::due.nullable().eq(tips::next_deadline))
            .filter(deadline_notices::kind.like(kind)),
    )
}

/// Tips a unit leads or co-handles.
#[diesel::dsl::auto_type]
fn attached_to(unit: String) -> _ {
    tips::id.eq_any(
        tip_units::table
            .filter(tip_units::unit.eq(unit))
            .select(tip_units::tip_id),
    )
}

/// Tips joined with their case files (optionally only a unit's), oldest first: what the lists
/// and the oversight figures read, each selecting its own columns.
fn filed<'a>(
    unit: Option<&str>,
) -> IntoBoxed<'a, InnerJoin<tips::table, case_files::table>, <DbConn as Connection>::Backend> {
    let mut q = tips::table
        .inner_join(case_files::table)
        .order(tips::id.asc())
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(attached_to(unit.to_owned()));
    }
    q
}

/// Tips with their case files, for the lists (optionally only a unit's), oldest first.
pub fn with_files(
    conn: &mut DbConn,
    unit: Option<&str>,
) -> QueryResult<Vec<(TipRow, CaseFileRow)>> {
    filed(unit)
        .select((TipRow::as_select(), CaseFileRow::as_select()))
        .load(conn)
}

/// What oversight needs of a tip (not its text, address or sealed identity).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tips)]
pub struct TipFacts {
    pub case_number: String,
    pub sector: String,
    pub street: Option<String>,
    pub department: String,
    #[diesel(deserialize_as = String)]
    pub status: Status,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// How it came in (`web`, `hotline_12345`, `media`…).
    pub channel: String,
}

/// Tips submitted in `[from, to)` (UTC) with their case files, for one unit or all.
pub fn facts_between(
    conn: &mut DbConn,
    unit: Option<&str>,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<(TipFacts, CaseFileRow)>> {
    filed(unit)
        .filter(tips::submitted_at.ge(from).and(tips::submitted_at.lt(to)))
        .select((TipFacts::as_select(), CaseFileRow::as_select()))
        .load(conn)
}

/// When staff wrote to the reporters of the tips submitted in `[from, to)` (UTC), for one unit
/// or all: (case number, when). The first message after verification meets the feedback limit.
pub fn staff_messages_between(
    conn: &mut DbConn,
    unit: Option<&str>,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    let mut q = tips::table
        .inner_join(messages::table)
        .filter(messages::sender.eq("staff"))
        .filter(tips::submitted_at.ge(from).and(tips::submitted_at.lt(to)))
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(attached_to(unit.to_owned()));
    }
    q.order(messages::created_at.asc())
        .select((tips::case_number, messages::created_at))
        .load(conn)
}

/// Locks a tip's row until the transaction ends (PostgreSQL; SQLite's writer is already alone),
/// so two staff acting at once, or an action and the deadline job, take turns on a fresh read.
pub fn lock_tip(conn: &mut DbConn, tip_id: TipId) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        tips::table
            .find(tip_id.0)
            .select(tips::id)
            .for_update()
            .first::<i64>(c)?;
    }
    Ok(())
}

/// Marks a tip overdue and nothing else.
pub fn mark_overdue(conn: &mut DbConn, tip_id: TipId) -> QueryResult<()> {
    diesel::update(tips::table.find(tip_id.0))
        .set(tips::overdue.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Tips for the public request list, newest first.
pub fn public_requests(
    conn: &mut DbConn,
    f: &PublicFilter,
    limit: i64,
) -> QueryResult<Vec<TipRow>> {
    let mut q = tips::table.into_boxed();
    if let Some(s) = &f.sector {
        q = q.filter(tips::sector.eq(s.clone()));
    }
    if !f.statuses.is_empty() {
        q = q.filter(tips::status.eq_any(f.statuses.clone()));
    }
    if let Some(t) = f.start {
        q = q.filter(tips::submitted_at.ge(t));
    }
    if let Some(t) = f.end {
        q = q.filter(tips::submitted_at.le(t));
    }
    if !f.case_numbers.is_empty() {
        q = q.filter(tips::case_number.eq_any(f.case_numbers.clone()));
    }
    q.order(tips::id.desc())
        .limit(limit)
        .select(TipRow::as_select())
        .load(conn)
}
