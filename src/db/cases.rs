//! The case file of a tip (deadlines, decisions) and the staff queue.

use super::DbConn;
use super::schema::{
    case_files, case_reads, deadline_notices, messages, queue_counts, tip_units, tips,
};
use super::tips::{SummaryRow, TipRow};
use crate::domain::catalog::AssignmentRole;
pub use crate::domain::query::{PublicFilter, QueueFilter, QueuePosition, QueueTotal};
use crate::domain::status::Status;
use crate::domain::tip::TipId;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{InnerJoin, IntoBoxed, exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamp};
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
    /// What the verification checked and found, written for the reporter (shown on /track as
    /// the outcome's text); the step's history note stays internal.
    pub finding: Option<String>,
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

/// The queue's sort key, as the queue indexes hold it (the same text in both backends'
/// migrations, so the planners match it): a tip without a deadline sorts as `NO_DEADLINE`.
const QUEUE_KEY: &str = "COALESCE(next_deadline, '9999-12-31')";

/// [`QUEUE_KEY`] as an expression of `tips` whose text is fixed, so the queries that sort and
/// seek on it are kept prepared (a `sql()` literal would make diesel prepare them again for
/// every page).
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct QueueKey;

impl Expression for QueueKey {
    type SqlType = Date;
}

impl<GB> diesel::expression::ValidGrouping<GB> for QueueKey {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl AppearsOnTable<tips::table> for QueueKey {}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for QueueKey {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(QUEUE_KEY);
        Ok(())
    }
}

/// `(a, b) >= (x, y)`: a row-value comparison, which both backends read as one range of an index
/// on `(a, b)`. Its parts are columns and bound values, so the statement is kept prepared.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct RowAtLeast<L, R>(L, R);

impl<A, B, X, Y> Expression for RowAtLeast<(A, B), (X, Y)> {
    type SqlType = Bool;
}

impl<A, B, X, Y, GB> diesel::expression::ValidGrouping<GB> for RowAtLeast<(A, B), (X, Y)> {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl<A, B, X, Y, QS> AppearsOnTable<QS> for RowAtLeast<(A, B), (X, Y)>
where
    A: AppearsOnTable<QS>,
    B: AppearsOnTable<QS>,
    X: AppearsOnTable<QS>,
    Y: AppearsOnTable<QS>,
{
}

impl<A, B, X, Y, DB> diesel::query_builder::QueryFragment<DB> for RowAtLeast<(A, B), (X, Y)>
where
    DB: diesel::backend::Backend,
    A: diesel::query_builder::QueryFragment<DB>,
    B: diesel::query_builder::QueryFragment<DB>,
    X: diesel::query_builder::QueryFragment<DB>,
    Y: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        let RowAtLeast((a, b), (x, y)) = self;
        out.push_sql("(");
        a.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        b.walk_ast(out.reborrow())?;
        out.push_sql(") >= (");
        x.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        y.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

/// Counting the tips of a filter other than unit and status stops here: the page then says
/// "at least" this many.
pub const COUNT_CAP: i64 = 1000;

/// A page of the queue at a position, from a filtered query (`$build`), the page's order and
/// limit (`$page`) and the sort key's two columns (date, id): by offset, or after a cursor in
/// two reads that each seek the index, the rest of the cursor's date and then later dates (a
/// row-value comparison would not seek on the id in SQLite).
macro_rules! queue_page {
    ($conn:expr, $build:expr, $page:expr, $key:expr, $at:expr, $limit:expr) => {{
        let (due, id) = $key;
        match $at {
            QueuePosition::Offset(offset) => $page($build(), $limit).offset(offset).load($conn)?,
            QueuePosition::After(c) => {
                let same_day = $build().filter(due.eq(c.due)).filter(id.gt(c.id));
                let mut rows: Vec<SummaryRow> = $page(same_day, $limit).load($conn)?;
                let left = $limit - rows.len() as i64;
                if left > 0 {
                    rows.extend($page($build().filter(due.gt(c.due)), left).load($conn)?);
                }
                rows
            }
        }
    }};
}

/// The tips a queue filter asks for.
fn filtered(f: &QueueFilter) -> IntoBoxed<'static, tips::table, <DbConn as Connection>::Backend> {
    let mut q = tips::table.into_boxed();
    if let Some(unit) = &f.unit {
        q = q.filter(reached_by(unit.clone()));
    }
    match f.status.as_deref() {
        Some(QueueFilter::OPEN) => q = q.filter(open_status()),
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
}

/// A page of the queue read along the tips' sort key (after a filter's column where there is one).
fn tips_queue(
    conn: &mut DbConn,
    f: &QueueFilter,
    at: QueuePosition,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    let build = || filtered(f);
    let page = |q: IntoBoxed<'static, tips::table, <DbConn as Connection>::Backend>, n: i64| {
        q.order((QueueKey.asc(), tips::id.asc()))
            .limit(n)
            .select(SummaryRow::as_select())
    };
    Ok(queue_page!(
        conn,
        build,
        page,
        (QueueKey, tips::id),
        at,
        limit
    ))
}

/// Tips joined with the rows of the units that hold them.
type HeldBy = diesel::dsl::InnerJoinOn<
    tips::table,
    tip_units::table,
    diesel::dsl::Eq<tip_units::tip_id, tips::id>,
>;

/// A page of one unit's queue (optionally only its open cases), read along `tip_units_queue`:
/// each unit row keeps its tip's sort key (triggers write it with every change of the deadline),
/// so the page is the index's next rows, whatever share of the tips the unit holds.
fn unit_queue(
    conn: &mut DbConn,
    unit: &str,
    open_only: bool,
    at: QueuePosition,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    let build = || {
        let mut q = tips::table
            .inner_join(tip_units::table.on(tip_units::tip_id.eq(tips::id)))
            .filter(tip_units::unit.eq(unit.to_owned()))
            .into_boxed();
        if open_only {
            q = q.filter(open_status());
        }
        q
    };
    let page = |q: IntoBoxed<'static, HeldBy, <DbConn as Connection>::Backend>, n: i64| {
        q.order((tip_units::queue_key.asc(), tip_units::tip_id.asc()))
            .limit(n)
            .select(SummaryRow::as_select())
    };
    let key = (tip_units::queue_key, tip_units::tip_id);
    Ok(queue_page!(conn, build, page, key, at, limit))
}

/// One page of the queue, nearest deadline first (tips without one last, oldest first), read
/// in the order of an index on the sort key (after the filter's column where there is one),
/// and how many tips match. A page after a cursor is read from the index (keyset), however
/// deep; a page by offset skips rows, which is what the contract's `page` asks.
pub fn queue(
    conn: &mut DbConn,
    f: &QueueFilter,
    at: QueuePosition,
    limit: i64,
) -> QueryResult<(Vec<SummaryRow>, QueueTotal)> {
    // A unit's whole queue, or its open cases, is read along its own rows of `tip_units`
    // (`tip_units_queue`: unit, sort key, tip); any other filter along the tips' index for that
    // filter, asking for each tip whether the unit holds it.
    let by_unit = f.unit.as_deref().filter(|_| {
        f.counted_exactly() && matches!(f.status.as_deref(), None | Some(QueueFilter::OPEN))
    });
    let rows = match by_unit {
        Some(unit) => {
            let open_only = f.status.as_deref() == Some(QueueFilter::OPEN);
            unit_queue(conn, unit, open_only, at, limit)?
        }
        None => tips_queue(conn, f, at, limit)?,
    };
    let total = if f.counted_exactly() {
        let mut q = queue_counts::table
            .filter(queue_counts::unit.eq(f.unit.clone().unwrap_or_else(|| "*".into())))
            .into_boxed();
        match f.status.as_deref() {
            Some(QueueFilter::OPEN) => q = q.filter(queue_counts::status.ne_all(final_statuses())),
            Some(s) => q = q.filter(queue_counts::status.eq(s.to_owned())),
            None => {}
        }
        let n: Vec<i64> = q.select(queue_counts::n).load(conn)?;
        QueueTotal {
            n: n.iter().sum(),
            exact: true,
        }
    } else {
        let ids: Vec<i64> = filtered(f)
            .select(tips::id)
            .limit(COUNT_CAP + 1)
            .load(conn)?;
        let n = ids.len() as i64;
        QueueTotal {
            n: n.min(COUNT_CAP),
            exact: n <= COUNT_CAP,
        }
    };
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
    messages::table
        .filter(super::any_id(messages::tip_id, tip_ids))
        .filter(unread_message(unit.to_owned()))
        .group_by(messages::tip_id)
        .select((messages::tip_id, diesel::dsl::count_star()))
        .load(conn)
}

/// A reporter's message the unit has not read: the unit never opened the case, or last opened
/// it before the message came (the one rule for the queue's counts and the case page).
#[diesel::dsl::auto_type]
fn unread_message(unit: String) -> _ {
    messages::sender.eq("reporter").and(not(exists(
        case_reads::table
            .filter(case_reads::tip_id.eq(messages::tip_id))
            .filter(case_reads::unit.eq(unit))
            .filter(case_reads::read_at.ge(messages::created_at)),
    )))
}

/// A tip by its case number, with the role a unit holds in it (`None`: the unit is not
/// attached): the reach check of every case read, in one statement.
pub fn find_with_role(
    conn: &mut DbConn,
    case_number: &str,
    unit: &str,
) -> QueryResult<Option<(TipRow, Option<String>)>> {
    tips::table
        .left_join(
            tip_units::table.on(tip_units::tip_id
                .eq(tips::id)
                .and(tip_units::unit.eq(unit.to_owned()))),
        )
        .filter(tips::case_number.eq(case_number))
        .select((TipRow::as_select(), tip_units::role.nullable()))
        .first(conn)
        .optional()
}

/// What a case page reads first, in one statement: the tip, its case file, the role `unit`
/// holds in it (`None`: not attached, or no unit given), whether a reporter's message to it is
/// still unread by `reader`, its public exposure, and which of the other things a case may have
/// it has, so that the page reads only those.
pub struct CaseRead {
    pub tip: TipRow,
    pub file: CaseFileRow,
    pub role: Option<String>,
    pub unread: bool,
    pub exposure: Option<super::exposures::ExposureRow>,
    pub has: CaseHas,
}

/// Which of the things a case may have it has (a fresh case has none of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseHas {
    pub rewards: bool,
    pub messages: bool,
    pub attachments: bool,
    pub explanations: bool,
    /// A listing for supervision in force.
    pub listing: bool,
    /// Cases marked as duplicates of this one.
    pub duplicates: bool,
    /// A hazard made of it.
    pub hazard: bool,
    /// A link to an enterprise's record.
    pub enterprise: bool,
    /// A department that co-handles it (a joint sector's).
    pub co_departments: bool,
}

diesel::alias!(case_files as duplicate_files: DuplicateFiles);
diesel::alias!(tip_units as co_units: CoUnits);

/// The case page's first read (`CaseRead`) by case number.
pub fn open(
    conn: &mut DbConn,
    case_number: &str,
    unit: Option<&str>,
    reader: &str,
) -> QueryResult<Option<CaseRead>> {
    use super::exposures::ExposureRow;
    use super::schema::{
        attachments, explanations, exposures, hazards, listed_supervisions, rewards,
    };
    let unread = exists(
        messages::table
            .filter(messages::tip_id.eq(tips::id))
            .filter(unread_message(reader.to_owned())),
    );
    // One flat tuple: diesel does not read rows (`as_select`) inside nested ones.
    type Row = (
        TipRow,
        CaseFileRow,
        Option<String>,
        bool,
        Option<ExposureRow>,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
    );
    let co_department = AssignmentRole::CoDepartment.as_str();
    let row: Option<Row> = super::natively!(conn, |c| tips::table
        .inner_join(case_files::table)
        .left_join(
            tip_units::table.on(tip_units::tip_id
                .eq(tips::id)
                .and(tip_units::unit.nullable().eq(unit.map(str::to_owned)))),
        )
        .left_join(exposures::table.on(exposures::tip_id.eq(tips::id)))
        .filter(tips::case_number.eq(case_number))
        .select((
            TipRow::as_select(),
            CaseFileRow::as_select(),
            tip_units::role.nullable(),
            unread,
            Option::<ExposureRow>::as_select(),
            exists(rewards::table.filter(rewards::tip_id.eq(tips::id))),
            exists(messages::table.filter(messages::tip_id.eq(tips::id))),
            exists(attachments::table.filter(attachments::tip_id.eq(tips::id))),
            exists(explanations::table.filter(explanations::tip_id.eq(tips::id.nullable()))),
            exists(
                listed_supervisions::table
                    .filter(listed_supervisions::tip_id.eq(tips::id.nullable()))
                    .filter(listed_supervisions::lifted_at.is_null()),
            ),
            exists(
                duplicate_files.filter(
                    duplicate_files
                        .field(case_files::duplicate_of)
                        .eq(tips::case_number.nullable()),
                ),
            ),
            exists(hazards::table.filter(hazards::tip_id.eq(tips::id.nullable()))),
            tips::enterprise_id.is_not_null(),
            exists(
                co_units
                    .filter(co_units.field(tip_units::tip_id).eq(tips::id))
                    .filter(co_units.field(tip_units::role).eq(co_department)),
            ),
        ))
        .first(c)
        .optional())?;
    Ok(row.map(
        |(
            tip,
            file,
            role,
            unread,
            exposure,
            rewards,
            messages,
            attachments,
            explanations,
            listing,
            duplicates,
            hazard,
            enterprise,
            co_departments,
        )| CaseRead {
            tip,
            file,
            role,
            unread,
            exposure,
            has: CaseHas {
                rewards,
                messages,
                attachments,
                explanations,
                listing,
                duplicates,
                hazard,
                enterprise,
                co_departments,
            },
        },
    ))
}

/// The statuses a case ends in (closed, not taken up, found untrue, a duplicate).
fn final_statuses() -> Vec<&'static str> {
    Status::VARIANTS
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect()
}

/// A tip whose status is none of the four final ones, as one `<>` a status each: the same as
/// `NOT IN (…)`, which diesel marks never to keep prepared, so a read that asks it on every
/// case page (the duplicate suggestions) would be parsed and planned each time. A type of its
/// own (not boxed), so a read run natively finds its prepared statement by that type.
#[diesel::dsl::auto_type]
fn open_status() -> _ {
    let status = tips::status;
    let a: &'static str = Status::Rejected.as_str();
    let b: &'static str = Status::Unsubstantiated.as_str();
    let c: &'static str = Status::Duplicate.as_str();
    let d: &'static str = Status::Closed.as_str();
    status
        .ne(a)
        .and(status.ne(b))
        .and(status.ne(c))
        .and(status.ne(d))
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
/// unit's: (case number, enterprise, street, address), newest first, at most [`CANDIDATES`].
pub fn duplicate_candidates(
    conn: &mut DbConn,
    tip: &TipRow,
    since: NaiveDateTime,
    unit: Option<&str>,
) -> QueryResult<Vec<Candidate>> {
    // One read per place (same enterprise, same sub-district), each newest first along its
    // own index, then merged. The place and the period are one row-value range, `(place,
    // submitted_at) >= (p, since) AND place <= p`, and the order leads with the place: both
    // backends then seek that index and stop at `since`. Written as `place = p AND submitted_at
    // >= since`, PostgreSQL's planner dropped the constant place from the order and walked
    // `tips_submitted` through every sub-district's tips of 90 days instead (3.7 ms a case page
    // at a million tips, 0.9 ms along the place's). A unit's candidates are read from its own
    // rows of `tip_units`, which keep their tip's place and time (`tip_units_street`,
    // `tip_units_enterprise`): walking the place's tips and asking whether the unit holds each
    // read seven tips a match for one of seven departments, and was half of a case page's time.
    macro_rules! newest_at {
        ($conn:expr, $base:expr, $place:expr, $at:expr, $id:expr, $value:expr) => {
            $base
                .filter(tips::id.ne(tip.id.0))
                .filter(open_status())
                .filter(RowAtLeast(
                    ($place, $at),
                    (
                        Some($value.clone()).into_sql::<Nullable<Text>>(),
                        since.into_sql::<Timestamp>(),
                    ),
                ))
                .filter($place.le($value))
                .order(($place.desc(), $at.desc(), $id.desc()))
                .limit(CANDIDATES)
                .select((
                    tips::submitted_at,
                    tips::id,
                    (
                        tips::case_number,
                        tips::enterprise,
                        tips::street,
                        tips::address,
                    ),
                ))
                .load::<(NaiveDateTime, i64, Candidate)>($conn)
        };
    }
    let mut found = Vec::new();
    if let Some(unit) = unit {
        let own = || {
            tip_units::table
                .inner_join(tips::table)
                .filter(tip_units::unit.eq(unit))
        };
        let (u_at, u_id) = (tip_units::submitted_at, tip_units::tip_id);
        if let Some(e) = &tip.enterprise {
            found.extend(super::natively!(conn, |c| newest_at!(
                c,
                own(),
                tip_units::enterprise,
                u_at,
                u_id,
                e
            ))?);
        }
        if let Some(s) = &tip.street {
            found.extend(super::natively!(conn, |c| newest_at!(
                c,
                own(),
                tip_units::street,
                u_at,
                u_id,
                s
            ))?);
        }
    } else {
        if let Some(e) = &tip.enterprise {
            found.extend(super::natively!(conn, |c| newest_at!(
                c,
                tips::table,
                tips::enterprise,
                tips::submitted_at,
                tips::id,
                e
            ))?);
        }
        if let Some(s) = &tip.street {
            found.extend(super::natively!(conn, |c| newest_at!(
                c,
                tips::table,
                tips::street,
                tips::submitted_at,
                tips::id,
                s
            ))?);
        }
    }
    found.sort_by_key(|(at, id, _)| std::cmp::Reverse((*at, *id)));
    found.dedup_by_key(|(_, id, _)| *id);
    Ok(found
        .into_iter()
        .take(CANDIDATES as usize)
        .map(|(.., c)| c)
        .collect())
}

/// How many of the newest open tips of the same enterprise, and of the same sub-district, the
/// case page compares with a tip. Every case page reads them, walking the sub-district's tips
/// of 90 days until this many of the reader's are found (an officer's unit holds a tenth of
/// them or fewer): 200 took 5 ms a page at a million tips, 50 about a quarter of that.
pub const CANDIDATES: i64 = 50;

/// Open tips whose current deadline has passed and whose passing has not been notified yet
/// (whatever the overdue flag says: an action may have set it before the job ran).
pub fn newly_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<TipRow>> {
    // The partial index `tips_overdue_unnoticed` holds the tips whose last overdue notice (if
    // any) was for another deadline than their current one: the others need no look.
    tips::table
        .filter(
            tips::overdue_noticed
                .is_null()
                .or(tips::overdue_noticed.ne(tips::next_deadline)),
        )
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

/// Whether a unit is attached to the tip of the row at hand, asked row by row: for reads that
/// walk an index in their own order (the queue, duplicate suggestions) and stop early, where
/// [`attached_to`]'s list of the unit's tips would make the planner start from that list.
#[diesel::dsl::auto_type]
fn reached_by(unit: String) -> _ {
    exists(tip_units::table.filter(tip_units::tip_id.eq(tips::id).and(tip_units::unit.eq(unit))))
}

/// Tips joined with their case files (optionally only a unit's), oldest first: what the lists
/// and the oversight figures read, each selecting its own columns.
fn filed<'a>(
    unit: Option<&str>,
) -> IntoBoxed<'a, InnerJoin<tips::table, case_files::table>, <DbConn as Connection>::Backend> {
    // In the order they came in: along `tips_submitted` when a period narrows it.
    let mut q = tips::table
        .inner_join(case_files::table)
        .order((tips::submitted_at.asc(), tips::id.asc()))
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(attached_to(unit.to_owned()));
    }
    q
}

/// The public statistics' counts: how many tips came in of each month (local time, `offset`
/// seconds east of UTC), sector, sub-district, status, with rectification ordered or not and
/// rectified or not. Counted by the database (one grouped scan), so a million tips come back
/// as a few thousand rows.
#[derive(Debug, Clone, QueryableByName)]
pub struct StatCount {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = Text)]
    pub sector: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub street: Option<String>,
    /// The status's text (`Status` reads it).
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Bool)]
    pub ordered: bool,
    #[diesel(sql_type = Bool)]
    pub rectified: bool,
    #[diesel(sql_type = BigInt)]
    pub tips: i64,
}

pub fn stat_counts(conn: &mut DbConn, offset_seconds: i32) -> QueryResult<Vec<StatCount>> {
    const FACTS: &str = "t.sector AS sector, t.street AS street, t.status AS status, \
         (c.rectification_due IS NOT NULL) AS ordered, (c.rectified_at IS NOT NULL) AS rectified";
    match conn {
        // SQLite groups by sorting, which cost 2 s of a million tips (the join alone takes a
        // third of a second): the rows are read in table order and counted here, one at a time.
        DbConn::Sqlite(c) => {
            let query = diesel::sql_query(format!(
                "SELECT strftime('%Y-%m', t.submitted_at, ? || ' seconds') AS month, {FACTS}, \
                 1 AS tips FROM tips t NOT INDEXED JOIN case_files c ON c.tip_id = t.id"
            ))
            .bind::<Text, _>(format!("{offset_seconds:+}"));
            let mut counts: std::collections::HashMap<StatKey, i64> = Default::default();
            for row in query.load_iter::<StatCount, diesel::connection::DefaultLoadingMode>(c)? {
                let r = row?;
                *counts
                    .entry((
                        r.month,
                        r.sector,
                        r.street,
                        r.status,
                        r.ordered,
                        r.rectified,
                    ))
                    .or_default() += 1;
            }
            Ok(counts
                .into_iter()
                .map(
                    |((month, sector, street, status, ordered, rectified), tips)| StatCount {
                        month,
                        sector,
                        street,
                        status,
                        ordered,
                        rectified,
                        tips,
                    },
                )
                .collect())
        }
        DbConn::Pg(c) => diesel::sql_query(format!(
            "SELECT to_char(t.submitted_at + $1 * INTERVAL '1 second', 'YYYY-MM') AS month, \
             {FACTS}, COUNT(*) AS tips FROM tips t JOIN case_files c ON c.tip_id = t.id \
             GROUP BY 1, 2, 3, 4, 5, 6"
        ))
        .bind::<Integer, _>(offset_seconds)
        .load(c),
    }
}

type StatKey = (String, String, Option<String>, String, bool, bool);

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

/// The change counters of the UTC days of submission from `first` to `last` (both included)
/// that have any: raised by triggers in the same transaction as every change to what the
/// oversight figures read of a tip (its row, case file, units, staff messages, explanations).
pub fn figure_versions(
    conn: &mut DbConn,
    (first, last): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(NaiveDate, i64)>> {
    use super::schema::figure_versions as fv;
    fv::table
        .filter(fv::day.ge(first).and(fv::day.le(last)))
        .order(fv::day.asc())
        .select((fv::day, fv::v))
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
) -> QueryResult<Vec<SummaryRow>> {
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
        .select(SummaryRow::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    /// The four statuses `open_status` leaves out are the final ones, all of them.
    #[test]
    fn open_status_leaves_out_every_final_status() {
        let sql =
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&super::open_status()).to_string();
        let mut named: Vec<&str> = super::Status::VARIANTS
            .iter()
            .map(|s| s.as_str())
            .filter(|s| sql.contains(&format!("\"{s}\"")))
            .collect();
        named.sort_unstable();
        let mut finals = super::final_statuses();
        finals.sort_unstable();
        assert_eq!(named, finals, "{sql}");
    }
}
