//! Listed supervision (挂牌督办) of a case or a hazard: one row from the day it is listed to the
//! day the coordinator lifts it; at most one unlifted row per case or hazard.

use super::DbConn;
use super::schema::{hazards, listed_supervisions as l, tips};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = l)]
pub struct ListingRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub tip_id: Option<i64>,
    pub hazard_id: Option<i64>,
    pub reason: String,
    pub due: NaiveDate,
    pub listed_by: String,
    pub listed_at: NaiveDateTime,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<NaiveDateTime>,
    pub lift_note: Option<String>,
}

/// What is listed: a case or a hazard (by database id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Tip(i64),
    Hazard(i64),
}

pub fn insert(conn: &mut DbConn, row: &ListingRow) -> QueryResult<i64> {
    diesel::insert_into(l::table)
        .values(row.clone())
        .returning(l::id)
        .get_result(conn)
}

/// The listing in force (not lifted) of a case or hazard.
pub fn active(conn: &mut DbConn, of: Listed) -> QueryResult<Option<ListingRow>> {
    let q = l::table.filter(l::lifted_at.is_null()).into_boxed();
    let q = match of {
        Listed::Tip(id) => q.filter(l::tip_id.eq(id)),
        Listed::Hazard(id) => q.filter(l::hazard_id.eq(id)),
    };
    super::first_row(conn, q.order(l::id.desc()))
}

/// Which things a look-up of many listings is about: cases (for the queue) or hazards (for the
/// lists and an enterprise's page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedKind {
    Tip,
    Hazard,
}

impl ListedKind {
    /// The id of the case or hazard a row of this kind is about.
    pub fn id_of(self, row: &ListingRow) -> Option<i64> {
        match self {
            ListedKind::Tip => row.tip_id,
            ListedKind::Hazard => row.hazard_id,
        }
    }
}

/// The listings in force of these cases or hazards.
pub fn active_for(
    conn: &mut DbConn,
    kind: ListedKind,
    ids: &[i64],
) -> QueryResult<Vec<ListingRow>> {
    let q = l::table.filter(l::lifted_at.is_null()).into_boxed();
    let q = match kind {
        ListedKind::Tip => q.filter(super::any_id(l::tip_id, ids)),
        ListedKind::Hazard => q.filter(super::any_id(l::hazard_id, ids)),
    };
    q.select(ListingRow::as_select()).load(conn)
}

/// Lifts the listing in force: who, when, with what note.
pub fn lift(
    conn: &mut DbConn,
    id: i64,
    by: &str,
    at: NaiveDateTime,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::update(l::table.find(id))
        .set((
            l::lifted_by.eq(by),
            l::lifted_at.eq(at),
            l::lift_note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

/// A listing in force with what it is about: for a case its number, lead department and
/// sub-district; for a hazard its number, department and sub-district.
pub struct ActiveListing {
    pub row: ListingRow,
    pub number: String,
    pub department: String,
    pub street: Option<String>,
}

/// The listings in force joined to what they are about (`tips` or `hazards`, whose number is
/// the column `$number`): each with that number, department and sub-district.
macro_rules! active_joined {
    ($conn:expr, $t:ident, $number:ident) => {
        l::table
            .inner_join($t::table)
            .filter(l::lifted_at.is_null())
            .select((
                ListingRow::as_select(),
                $t::$number,
                $t::department,
                $t::street,
            ))
            .load::<(ListingRow, String, String, Option<String>)>($conn)
    };
}

/// Every listing in force, of cases and of hazards, earliest due date first.
pub fn all_active(conn: &mut DbConn) -> QueryResult<Vec<ActiveListing>> {
    let of_tips = active_joined!(conn, tips, case_number)?;
    let of_hazards = active_joined!(conn, hazards, number)?;
    let mut all: Vec<ActiveListing> = of_tips
        .into_iter()
        .chain(of_hazards)
        .map(|(row, number, department, street)| ActiveListing {
            row,
            number,
            department,
            street,
        })
        .collect();
    all.sort_by(|a, b| (a.row.due, &a.number).cmp(&(b.row.due, &b.number)));
    Ok(all)
}
