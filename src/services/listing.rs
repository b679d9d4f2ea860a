//! Listed supervision (挂牌督办) of cases and hazards: what a listing says (reason, due date, by,
//! at) as every list, page and JSON answer shows it, the checks of the fields that list one, and
//! the record's writes. Who may list or lift is the lifecycles' own (`workflow::decide` for
//! cases, `hazard::decide` for hazards); this module only keeps the record.

use super::hazards::{date_field, optional_field};
use super::{ServiceResult, Services};
use crate::db::DbConn;
use crate::db::listings::{self, Listed, ListedKind, ListingRow};
use crate::domain::FieldError;
use crate::domain::tip::text_field;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::HashMap;

/// A listing in force, as staff read it (API.md: `listed_supervision`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ListedSupervision {
    /// Why it was listed.
    pub reason: String,
    /// 督办期限 (`YYYY-MM-DD`).
    #[schema(value_type = String)]
    pub due: NaiveDate,
    /// The username of who listed it.
    pub by: String,
    /// Their display name, as pages name people (not in the JSON, which keeps the username).
    #[serde(skip)]
    pub by_name: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
}

impl ListedSupervision {
    /// With the display name of who listed it (the username when the account is gone).
    fn named(mut self, people: &HashMap<String, String>) -> Self {
        if let Some(name) = people.get(&self.by) {
            self.by_name = name.clone();
        }
        self
    }
}

impl From<ListingRow> for ListedSupervision {
    fn from(r: ListingRow) -> Self {
        ListedSupervision {
            reason: r.reason,
            due: r.due,
            by_name: r.listed_by.clone(),
            by: r.listed_by,
            at: r.listed_at,
        }
    }
}

/// What listing asks for: a reason (at most 500 characters) and a due date not in the past.
pub(super) fn listing_fields(
    reason: Option<&str>,
    due: Option<&str>,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> (String, NaiveDate) {
    let reason = text_field("reason", reason, (1, 500))
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let due = match date_field("due", due) {
        Ok(d) if d < today => {
            errors.push(FieldError::new("due", "in_past"));
            d
        }
        Ok(d) => d,
        Err(e) => {
            errors.push(e);
            NaiveDate::default()
        }
    };
    (reason, due)
}

/// The optional note of a lifting.
pub(super) fn lift_note(note: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    optional_field("note", note, 2_000)
        .map_err(|e| errors.push(e))
        .unwrap_or_default()
}

impl Services {
    /// The listing in force of a case or hazard.
    pub(super) fn listing(
        &self,
        conn: &mut DbConn,
        of: Listed,
    ) -> ServiceResult<Option<ListedSupervision>> {
        let Some(row) = listings::active(conn, of)? else {
            return Ok(None);
        };
        let people = self.people(conn)?;
        Ok(Some(ListedSupervision::from(row).named(&people)))
    }

    /// Lists a case or hazard (in the caller's transaction; the lifecycle allowed it).
    pub(super) fn list_for_supervision(
        &self,
        conn: &mut DbConn,
        by: &str,
        of: Listed,
        (reason, due): (String, NaiveDate),
    ) -> ServiceResult<()> {
        let (tip_id, hazard_id) = match of {
            Listed::Tip(id) => (Some(id), None),
            Listed::Hazard(id) => (None, Some(id)),
        };
        let row = ListingRow {
            id: 0,
            tip_id,
            hazard_id,
            reason,
            due,
            listed_by: by.to_owned(),
            listed_at: self.now(),
            lifted_by: None,
            lifted_at: None,
            lift_note: None,
        };
        listings::insert(conn, &row)?;
        Ok(())
    }

    /// Lifts the listing in force of a case or hazard, if any.
    pub(super) fn lift_listing(
        &self,
        conn: &mut DbConn,
        by: &str,
        of: Listed,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        if let Some(row) = listings::active(conn, of)? {
            listings::lift(conn, row.id, by, self.now(), note)?;
        }
        Ok(())
    }

    /// The listings in force of these cases or hazards, by their id.
    pub(super) fn listings_of(
        &self,
        conn: &mut DbConn,
        kind: ListedKind,
        ids: &[i64],
    ) -> ServiceResult<HashMap<i64, ListedSupervision>> {
        let rows = listings::active_for(conn, kind, ids)?;
        let people = if rows.is_empty() {
            HashMap::new()
        } else {
            self.people(conn)?
        };
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((kind.id_of(&r)?, ListedSupervision::from(r).named(&people))))
            .collect())
    }
}

/// A case or hazard under listed supervision, as the dashboard lists it.
#[derive(Debug, Clone)]
pub struct ListedItem {
    /// A case number, or a hazard's number.
    pub number: String,
    /// The hazard's id (to link its page); none for a case.
    pub hazard: Option<crate::domain::hazard::HazardId>,
    pub department: String,
    pub street: Option<String>,
    pub listing: ListedSupervision,
    pub overdue: bool,
}

impl Services {
    /// The cases and hazards under listed supervision now within a scope (a unit, or the whole
    /// district for `None`), those past their due date first, then by due date. The scope is
    /// one [`Services::oversight_scope`] allowed.
    pub fn listed_in_scope(
        &self,
        staff: &super::auth::Staff,
        unit: Option<&str>,
    ) -> ServiceResult<Vec<ListedItem>> {
        let unit = self.oversight_scope(staff, unit)?;
        let today = self.today();
        let mut conn = self.db.read()?;
        let people = self.people(&mut conn)?;
        let mut items: Vec<ListedItem> = listings::all_active(&mut conn)?
            .into_iter()
            .filter(|l| match unit.as_deref() {
                None => true,
                Some(u) => l.department == u || l.street.as_deref() == Some(u),
            })
            .map(|l| ListedItem {
                hazard: l.row.hazard_id.map(crate::domain::hazard::HazardId::from),
                overdue: l.row.due < today,
                number: l.number,
                department: l.department,
                street: l.street,
                listing: ListedSupervision::from(l.row).named(&people),
            })
            .collect();
        // Stable: within each half the earliest due date stays first.
        items.sort_by_key(|i| !i.overdue);
        Ok(items)
    }
}
