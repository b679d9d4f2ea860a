//! Reward rows: proposal, decision, claim, payout. The status is a [`RewardStatus`] in the row
//! and its snake_case name in the text column (the text forms come with `text_enum!` in `domain`).

use super::DbConn;
use super::schema::{rewards as r, tips};
use crate::domain::money::Fen;
use crate::domain::reward::{RewardId, RewardStatus};
use crate::domain::tip::TipId;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use strum::VariantArray;

/// The names of the active statuses (`RewardStatus::is_active`), for queries.
fn active_names() -> Vec<&'static str> {
    RewardStatus::VARIANTS
        .iter()
        .filter(|s| s.is_active())
        .map(|s| s.as_ref())
        .collect()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = r, treat_none_as_null = true)]
pub struct RewardRow {
    #[diesel(skip_insertion, deserialize_as = i64)]
    pub id: RewardId,
    #[diesel(deserialize_as = i64, serialize_as = i64)]
    pub tip_id: TipId,
    pub basis: String,
    pub fine_fen: Option<i64>,
    pub deaths_concealed: Option<i32>,
    pub accident_grade: Option<String>,
    pub penalty_decision: Option<String>,
    pub employee: bool,
    #[diesel(deserialize_as = i64, serialize_as = i64)]
    pub computed_fen: Fen,
    #[diesel(deserialize_as = i64, serialize_as = i64)]
    pub amount_fen: Fen,
    pub rule: String,
    pub note: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: RewardStatus,
    pub proposed_by: String,
    pub proposed_at: NaiveDateTime,
    pub signed_off_by: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub claim_deadline: Option<NaiveDate>,
    pub payee_sealed: Option<Vec<u8>>,
    pub payee_account_key: Option<String>,
    pub payee_phone_key: Option<String>,
    pub claimed_at: Option<NaiveDateTime>,
    pub paid_by: Option<String>,
    pub paid_at: Option<NaiveDateTime>,
    pub paid_reference: Option<String>,
    pub reporter_key: Option<String>,
    pub month: String,
    /// The head's note when signing off or returning the proposal.
    pub signoff_note: Option<String>,
    /// The second finance approval, above `second_approval_above_yuan`.
    pub second_decided_by: Option<String>,
    /// The policy period whose rates computed the amount (`None`: the standing policy).
    pub policy: Option<String>,
}

// `serialize_as` converts owned values only, hence the clones.
pub fn insert(conn: &mut DbConn, row: &RewardRow) -> QueryResult<RewardId> {
    super::insert_row(conn, r::table, row.clone()).map(RewardId)
}

pub fn update(conn: &mut DbConn, row: &RewardRow) -> QueryResult<()> {
    super::update_row(conn, r::table.find(row.id.0), row.clone())
}

pub fn find(conn: &mut DbConn, id: RewardId) -> QueryResult<Option<RewardRow>> {
    super::first_row(conn, r::table.find(id.0))
}

/// Locks a reward's row until the transaction ends (PostgreSQL), for decisions and payouts. A
/// missing row locks nothing and is no error: the caller's `find` answers it (not found), as on
/// SQLite.
pub fn lock(conn: &mut DbConn, id: RewardId) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        r::table
            .find(id.0)
            .select(r::id)
            .for_update()
            .first::<i64>(c)
            .optional()?;
    }
    Ok(())
}

/// The rewards of a tip, newest first.
pub fn of_tip(conn: &mut DbConn, tip_id: TipId) -> QueryResult<Vec<RewardRow>> {
    r::table
        .filter(r::tip_id.eq(tip_id.0))
        .order(r::id.desc())
        .select(RewardRow::as_select())
        .load(conn)
}

/// What a reward's card shows of its case: case number, lead department, sector, street, when
/// it was submitted.
pub type CaseOfReward = (String, String, String, Option<String>, NaiveDateTime);

/// Rewards with their case, optionally of one status, newest first.
pub fn list(
    conn: &mut DbConn,
    status: Option<RewardStatus>,
) -> QueryResult<Vec<(RewardRow, CaseOfReward)>> {
    let mut q = r::table.inner_join(tips::table).into_boxed();
    if let Some(s) = status {
        q = q.filter(r::status.eq(s.as_ref().to_owned()));
    }
    q.order(r::id.desc())
        .select((
            RewardRow::as_select(),
            (
                tips::case_number,
                tips::department,
                tips::sector,
                tips::street,
                tips::submitted_at,
            ),
        ))
        .load(conn)
}

/// How many rewards were paid and their sum in fen, counted by the database.
pub fn paid_totals(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let sum = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)",
    );
    r::table
        .filter(r::status.eq(RewardStatus::Paid.as_ref()))
        .select((diesel::dsl::count_star(), sum))
        .get_result(conn)
}

/// What staff found when they verified each of these tips (the note of the newest
/// `substantiate` step), for the reward cards finance reads instead of the case page.
pub fn findings(
    conn: &mut DbConn,
    tip_ids: &[TipId],
) -> QueryResult<std::collections::HashMap<TipId, String>> {
    use super::schema::tip_events as e;
    let ids: Vec<i64> = tip_ids.iter().map(|t| t.0).collect();
    let rows: Vec<(i64, Option<String>)> = e::table
        .filter(e::tip_id.eq_any(ids))
        .filter(e::action.eq("substantiate"))
        .order(e::id.asc())
        .select((e::tip_id, e::note))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, note)| note.map(|n| (TipId(id), n)))
        .collect())
}

/// General-hazard amounts a reporter already has (or is proposed for) in a month: its active
/// rewards.
pub fn general_granted(conn: &mut DbConn, reporter_key: &str, month: &str) -> QueryResult<i64> {
    let amounts: Vec<i64> = r::table
        .filter(r::reporter_key.eq(reporter_key))
        .filter(r::month.eq(month))
        .filter(r::basis.eq("general_hazard"))
        .filter(r::status.eq_any(active_names()))
        .select(r::amount_fen)
        .load(conn)?;
    Ok(amounts.iter().sum())
}

/// Approved rewards whose claim period has ended.
pub fn expiring(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<RewardId>> {
    let ids: Vec<i64> = r::table
        .filter(
            r::status
                .eq(RewardStatus::Approved.as_ref())
                .and(r::claim_deadline.lt(today)),
        )
        .select(r::id)
        .load(conn)?;
    Ok(ids.into_iter().map(RewardId).collect())
}

/// Rewards of the tips a unit leads or hosts (or all) decided or paid in `[from, to)` (UTC).
pub fn decided_or_paid_between(
    conn: &mut DbConn,
    unit: Option<&str>,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<RewardRow>> {
    let mut q = r::table
        .inner_join(tips::table)
        .filter(
            (r::decided_at.ge(from).and(r::decided_at.lt(to)))
                .or(r::paid_at.ge(from).and(r::paid_at.lt(to))),
        )
        .into_boxed();
    if let Some(unit) = unit {
        q = q.filter(super::tips::led_or_hosted_by(unit));
    }
    q.order(r::id.asc())
        .select(RewardRow::as_select())
        .load(conn)
}
