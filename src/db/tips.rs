//! Tips and what hangs off them: routing units, history events, messages, the case counter.

use super::DbConn;
use super::schema::{messages, tip_events, tip_units, tips};
use crate::domain::status::Status;
use crate::domain::tip::{Channel, Severity, TipId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tips)]
pub struct TipRow {
    #[diesel(deserialize_as = i64)]
    pub id: TipId,
    pub case_number: String,
    pub sector: String,
    pub street: Option<String>,
    pub address: String,
    pub enterprise: Option<String>,
    pub description: String,
    #[diesel(deserialize_as = String)]
    pub severity: Severity,
    pub observed_at: Option<NaiveDateTime>,
    pub anonymous: bool,
    pub wants_reward: bool,
    #[diesel(deserialize_as = String)]
    pub status: Status,
    pub department: String,
    pub triage: bool,
    pub suggested_sector: Option<String>,
    #[diesel(deserialize_as = String)]
    pub channel: Channel,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub next_deadline: Option<chrono::NaiveDate>,
    pub overdue: bool,
    pub reporter_key: Option<String>,
    pub declared_employee: bool,
    pub declared_supervision: bool,
    /// Where a tip taken by staff came from (the outlet, letter number, hotline ticket).
    pub source_note: Option<String>,
    /// When the retention job erased the case's content (it closed long enough ago).
    pub content_erased_at: Option<NaiveDateTime>,
}

/// What a list of tips shows of each (the queue): a tip's row without its texts and keys, so a
/// page of fifty reads and decodes thirteen columns of each, not twenty-seven.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tips)]
pub struct SummaryRow {
    #[diesel(deserialize_as = i64)]
    pub id: TipId,
    pub case_number: String,
    pub sector: String,
    pub street: Option<String>,
    pub address: String,
    #[diesel(deserialize_as = String)]
    pub severity: Severity,
    #[diesel(deserialize_as = String)]
    pub status: Status,
    pub department: String,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub next_deadline: Option<chrono::NaiveDate>,
    pub overdue: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tips)]
pub struct NewTipRow<'a> {
    pub case_number: &'a str,
    pub receipt_hash: &'a str,
    pub sector: &'a str,
    pub street: Option<&'a str>,
    pub address: &'a str,
    pub enterprise: Option<&'a str>,
    pub description: &'a str,
    pub severity: &'a str,
    pub observed_at: Option<NaiveDateTime>,
    pub anonymous: bool,
    pub identity_sealed: Option<&'a [u8]>,
    pub wants_reward: bool,
    pub status: &'a str,
    pub department: &'a str,
    pub triage: bool,
    pub suggested_sector: Option<&'a str>,
    pub channel: &'a str,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub next_deadline: Option<chrono::NaiveDate>,
    pub reporter_key: Option<&'a str>,
    pub declared_employee: bool,
    pub declared_supervision: bool,
    pub source_note: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: i64,
    #[diesel(deserialize_as = i64)]
    pub tip_id: TipId,
    pub sender: String,
    pub author: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// Takes the next number of `year`'s gap-free sequence in a counter table (`year`, `last_seq`).
/// Call inside the write transaction that stores the record: the counter row stays locked until
/// commit, and a rollback returns the number.
macro_rules! next_seq {
    ($table:ident, $conn:expr, $year:expr) => {{
        use $crate::db::schema::$table::dsl as c;
        let (conn, year): (&mut DbConn, i32) = ($conn, $year);
        let seed = diesel::insert_into(c::$table).values((c::year.eq(year), c::last_seq.eq(0_i64)));
        // Upserts do not compile through the multi-connection: run it on the inner connection.
        match conn {
            DbConn::Sqlite(inner) => seed.on_conflict_do_nothing().execute(inner)?,
            DbConn::Pg(inner) => seed.on_conflict_do_nothing().execute(inner)?,
        };
        diesel::update(c::$table.filter(c::year.eq(year)))
            .set(c::last_seq.eq(c::last_seq + 1_i64))
            .returning(c::last_seq)
            .get_result(conn)
    }};
}
pub(crate) use next_seq;

/// The next case number's sequence of `year` (see [`next_seq`]).
pub fn next_case_seq(conn: &mut DbConn, year: i32) -> QueryResult<i64> {
    next_seq!(case_counters, conn, year)
}

pub fn insert(conn: &mut DbConn, row: &NewTipRow<'_>) -> QueryResult<TipId> {
    diesel::insert_into(tips::table)
        .values(row)
        .returning(tips::id)
        .get_result(conn)
        .map(TipId)
}

pub fn insert_units(conn: &mut DbConn, tip_id: TipId, units: &[(String, &str)]) -> QueryResult<()> {
    // One statement per unit: batch inserts do not compile through the multi-connection.
    for (unit, role) in units {
        diesel::insert_into(tip_units::table)
            .values((
                tip_units::tip_id.eq(tip_id.0),
                tip_units::unit.eq(unit),
                tip_units::role.eq(*role),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Puts a tip under another sector: it leaves triage (statistics count the new sector).
pub fn set_sector(conn: &mut DbConn, tip_id: TipId, sector: &str) -> QueryResult<()> {
    diesel::update(tips::table.find(tip_id.0))
        .set((
            tips::sector.eq(sector),
            tips::triage.eq(false),
            tips::suggested_sector.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Names a tip's sub-district: the old one (if any) is detached, the new one attached.
pub fn set_street(
    conn: &mut DbConn,
    tip_id: TipId,
    old: Option<&str>,
    street: &str,
) -> QueryResult<()> {
    diesel::update(tips::table.find(tip_id.0))
        .set(tips::street.eq(street))
        .execute(conn)?;
    if let Some(old) = old {
        diesel::delete(
            tip_units::table
                .filter(tip_units::tip_id.eq(tip_id.0))
                .filter(tip_units::unit.eq(old))
                .filter(tip_units::role.eq("street")),
        )
        .execute(conn)?;
    }
    insert_units(conn, tip_id, &[(street.to_owned(), "street")])
}

pub fn insert_event(
    conn: &mut DbConn,
    tip_id: TipId,
    action: &str,
    actor: Option<&str>,
    note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(tip_events::table)
        .values((
            tip_events::tip_id.eq(tip_id.0),
            tip_events::action.eq(action),
            tip_events::actor.eq(actor),
            tip_events::note.eq(note),
            tip_events::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_message(
    conn: &mut DbConn,
    tip_id: TipId,
    sender: &str,
    author: Option<&str>,
    body: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(messages::table)
        .values((
            messages::tip_id.eq(tip_id.0),
            messages::sender.eq(sender),
            messages::author.eq(author),
            messages::body.eq(body),
            messages::created_at.eq(at),
        ))
        .returning(messages::id)
        .get_result(conn)
}

pub fn find_by_receipt_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<TipRow>> {
    super::first_row(conn, tips::table.filter(tips::receipt_hash.eq(hash)))
}

pub fn find(conn: &mut DbConn, id: TipId) -> QueryResult<Option<TipRow>> {
    super::first_row(conn, tips::table.find(id.0))
}

pub fn find_by_case_number(conn: &mut DbConn, case_number: &str) -> QueryResult<Option<TipRow>> {
    super::first_row(conn, tips::table.filter(tips::case_number.eq(case_number)))
}

/// What a list shows of the tip with this case number (`find_by_case_number`, narrower).
pub fn summary_by_case_number(
    conn: &mut DbConn,
    case_number: &str,
) -> QueryResult<Option<SummaryRow>> {
    super::first_row(conn, tips::table.filter(tips::case_number.eq(case_number)))
}

pub fn messages_of(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Vec<MessageRow>> {
    messages::table
        .filter(messages::tip_id.eq(tip_id.0))
        .order(messages::id.asc())
        .select(MessageRow::as_select())
        .load(conn)
}

/// The units attached to a tip, with their role (`lead`, `co_department`, `street`).
pub fn units_of(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Vec<(String, String)>> {
    tip_units::table
        .filter(tip_units::tip_id.eq(tip_id.0))
        .select((tip_units::unit, tip_units::role))
        .order(tip_units::unit.asc())
        .load(conn)
}

/// The sealed identity of an identified reporter; `None` for an anonymous one, and once the
/// retention job erased it (an empty value is left, as an identified tip must hold one).
pub fn sealed_identity(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Option<Vec<u8>>> {
    let sealed: Option<Vec<u8>> = tips::table
        .find(tip_id.0)
        .select(tips::identity_sealed)
        .first(conn)?;
    Ok(sealed.filter(|s| !s.is_empty()))
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    tips::table.count().get_result(conn)
}

/// Stores one photo of a tip.
pub fn insert_attachment(
    conn: &mut DbConn,
    tip_id: TipId,
    content_type: &str,
    data: &[u8],
    at: NaiveDateTime,
    added_later: bool,
) -> QueryResult<i64> {
    use super::schema::attachments as a;
    diesel::insert_into(a::table)
        .values((
            a::tip_id.eq(tip_id.0),
            a::content_type.eq(content_type),
            a::bytes.eq(data.len() as i64),
            a::data.eq(data),
            a::created_at.eq(at),
            a::added_later.eq(added_later),
        ))
        .returning(a::id)
        .get_result(conn)
}

/// A photo of a tip without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub content_type: String,
    /// Its size.
    pub bytes: i64,
    /// Whether the reporter added it later (from /track), at `created_at`.
    pub added_later: bool,
    pub created_at: NaiveDateTime,
}

/// The photos of a tip without their bytes, in the order they came.
pub fn attachments_of(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Vec<AttachmentRow>> {
    use super::schema::attachments as a;
    a::table
        .filter(a::tip_id.eq(tip_id.0))
        .order(a::id.asc())
        .select(AttachmentRow::as_select())
        .load(conn)
}

/// One photo's bytes, if it belongs to the tip.
pub fn attachment_data(
    conn: &mut DbConn,
    tip_id: TipId,
    id: i64,
) -> QueryResult<Option<(String, Vec<u8>)>> {
    use super::schema::attachments as a;
    a::table
        .filter(a::tip_id.eq(tip_id.0).and(a::id.eq(id)))
        .select((a::content_type, a::data))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tip_events)]
pub struct EventRow {
    pub id: i64,
    #[diesel(deserialize_as = i64)]
    pub tip_id: TipId,
    pub action: String,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A tip's history, oldest first.
pub fn events_of(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Vec<EventRow>> {
    tip_events::table
        .filter(tip_events::tip_id.eq(tip_id.0))
        .order(tip_events::id.asc())
        .select(EventRow::as_select())
        .load(conn)
}

/// Every tip that names a business, as (case number, the business as written), oldest first.
pub fn named_enterprises(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    tips::table
        .filter(tips::enterprise.is_not_null())
        .order(tips::id.asc())
        .select((tips::case_number, tips::enterprise.assume_not_null()))
        .load(conn)
}

/// Tips a unit leads (department) or where it is the sub-district.
pub type LedOrHosted = diesel::dsl::Or<
    diesel::dsl::Eq<tips::department, String>,
    diesel::dsl::Eq<tips::street, String>,
>;

/// The filter of [`LedOrHosted`] tips.
pub fn led_or_hosted_by(unit: &str) -> LedOrHosted {
    tips::department
        .eq(unit.to_owned())
        .or(tips::street.eq(unit.to_owned()))
}
