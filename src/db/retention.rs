//! Retention (issue 18): erasing the content of cases closed long ago, and the payee details of
//! old rewards. What stays is what figures, lists and evaluations read.

use super::DbConn;
use super::schema::{attachments, case_files, messages, rewards, tips};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The cases closed before `before` whose content is still there (id, case number), oldest
/// first, at most `limit`.
pub fn closed_before(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    let closed = case_files::table
        .filter(case_files::closed_at.lt(before))
        .select(case_files::tip_id);
    tips::table
        .filter(tips::content_erased_at.is_null())
        .filter(tips::id.eq_any(closed))
        .order(tips::id)
        .limit(limit)
        .select((tips::id, tips::case_number))
        .load(conn)
}

/// What erasing one case removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub photos: usize,
    pub messages: usize,
    pub identities: usize,
}

/// Erases one case's content: the description, place, business and source note are emptied,
/// the sealed identity emptied (an identified tip keeps an empty value, so it still counts as
/// identified) and the reporter's keyed hash dropped, its photos and messages deleted.
pub fn erase_case(conn: &mut DbConn, tip_id: i64, at: NaiveDateTime) -> QueryResult<Erased> {
    let identities = diesel::update(
        tips::table
            .find(tip_id)
            .filter(tips::identity_sealed.is_not_null()),
    )
    .set(tips::identity_sealed.eq(Vec::<u8>::new()))
    .execute(conn)?;
    diesel::update(tips::table.find(tip_id))
        .set((
            tips::description.eq(""),
            tips::address.eq(""),
            tips::enterprise.eq(None::<String>),
            tips::reporter_key.eq(None::<String>),
            tips::source_note.eq(None::<String>),
            tips::content_erased_at.eq(Some(at)),
        ))
        .execute(conn)?;
    let photos =
        diesel::delete(attachments::table.filter(attachments::tip_id.eq(tip_id))).execute(conn)?;
    let messages =
        diesel::delete(messages::table.filter(messages::tip_id.eq(tip_id))).execute(conn)?;
    Ok(Erased {
        photos,
        messages,
        identities,
    })
}

/// Erases the payee details of rewards whose every step (proposal, decision, claim, payout)
/// came before `before`; the amounts, statuses and who decided stay. The number erased.
pub fn erase_payees(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    use rewards::dsl as r;
    let held = r::payee_sealed
        .is_not_null()
        .or(r::payee_account_key.is_not_null())
        .or(r::payee_phone_key.is_not_null());
    diesel::update(
        r::rewards
            .filter(held)
            .filter(r::proposed_at.lt(before))
            .filter(r::decided_at.is_null().or(r::decided_at.lt(before)))
            .filter(r::claimed_at.is_null().or(r::claimed_at.lt(before)))
            .filter(r::paid_at.is_null().or(r::paid_at.lt(before))),
    )
    .set((
        r::payee_sealed.eq(None::<Vec<u8>>),
        r::payee_account_key.eq(None::<String>),
        r::payee_phone_key.eq(None::<String>),
    ))
    .execute(conn)
}
