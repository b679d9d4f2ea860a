//! Reward rows: proposal, decision, claim, payout.

use super::DbConn;
use super::schema::{rewards as r, tips};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = r, treat_none_as_null = true)]
pub struct RewardRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub tip_id: i64,
    pub basis: String,
    pub fine_fen: Option<i64>,
    pub deaths_concealed: Option<i32>,
    pub accident_grade: Option<String>,
    pub penalty_decision: Option<String>,
    pub employee: bool,
    pub computed_fen: i64,
    pub amount_fen: i64,
    pub rule: String,
    pub note: Option<String>,
    pub status: String,
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
}

pub fn insert(conn: &mut DbConn, row: &RewardRow) -> QueryResult<i64> {
    diesel::insert_into(r::table)
        .values(row)
        .returning(r::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, row: &RewardRow) -> QueryResult<()> {
    diesel::update(r::table.find(row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<RewardRow>> {
    r::table
        .find(id)
        .select(RewardRow::as_select())
        .first(conn)
        .optional()
}

/// Locks a reward's row until the transaction ends (PostgreSQL), for decisions and payouts.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        r::table
            .find(id)
            .select(r::id)
            .for_update()
            .first::<i64>(c)?;
    }
    Ok(())
}

/// The rewards of a tip, newest first.
pub fn of_tip(conn: &mut DbConn, tip_id: i64) -> QueryResult<Vec<RewardRow>> {
    r::table
        .filter(r::tip_id.eq(tip_id))
        .order(r::id.desc())
        .select(RewardRow::as_select())
        .load(conn)
}

/// Rewards with their case number and department, optionally of one status, newest first.
pub fn list(
    conn: &mut DbConn,
    status: Option<&str>,
) -> QueryResult<Vec<(RewardRow, String, String)>> {
    let mut q = r::table.inner_join(tips::table).into_boxed();
    if let Some(s) = status {
        q = q.filter(r::status.eq(s.to_owned()));
    }
    q.order(r::id.desc())
        .select((RewardRow::as_select(), tips::case_number, tips::department))
        .load(conn)
}

/// General-hazard amounts a reporter already has (or is proposed for) in a month.
pub fn general_granted(conn: &mut DbConn, reporter_key: &str, month: &str) -> QueryResult<i64> {
    let amounts: Vec<i64> = r::table
        .filter(r::reporter_key.eq(reporter_key))
        .filter(r::month.eq(month))
        .filter(r::basis.eq("general_hazard"))
        .filter(r::status.eq_any([
            "proposed",
            "awaiting_signoff",
            "approved",
            "claimed",
            "paid",
        ]))
        .select(r::amount_fen)
        .load(conn)?;
    Ok(amounts.iter().sum())
}

/// Approved rewards whose claim period has ended.
pub fn expiring(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<i64>> {
    r::table
        .filter(r::status.eq("approved").and(r::claim_deadline.lt(today)))
        .select(r::id)
        .load(conn)
}
