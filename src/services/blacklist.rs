//! The blacklist (安全生产不良记录): the coordinator lists an enterprise with a reason written
//! for the public and an optional last day, and withdraws an entry with a reason; both audited.
//! The public page shows the entries in force: not withdrawn, and not past their last day.

use super::audit::append;
use super::auth::Staff;
use super::enterprises::{BlacklistEntry, in_force, plain_text};
use super::hazards::date_field;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::NewEntry;
use crate::db::blacklist::{self, BlacklistRow};
use crate::db::enterprises;
use crate::domain::FieldError;
use crate::domain::access::Permission;
use chrono::NaiveDate;
use serde::Deserialize;

/// A listing as the coordinator writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BlacklistInput {
    /// Written for the public (2–500 characters).
    pub reason: Option<String>,
    /// `YYYY-MM-DD`, not before today: the last day it is in force; none: until withdrawn.
    pub until: Option<String>,
}

/// An entry of the public page.
#[derive(Debug, Clone)]
pub struct PublicBlacklistEntry {
    pub enterprise: String,
    pub reason: String,
    pub listed_on: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl Services {
    /// Lists an enterprise (coordinator); one already listed and in force answers a conflict.
    pub fn blacklist_enterprise(
        &self,
        staff: &Staff,
        id: i64,
        input: &BlacklistInput,
    ) -> ServiceResult<BlacklistEntry> {
        staff.require(Permission::Publish)?;
        let today = self.today();
        let mut errors = Vec::new();
        let reason = plain_text("reason", input.reason.as_deref(), (2, 500))
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let until = match input.until.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match date_field("until", Some(text)) {
                Ok(d) if d < today => {
                    errors.push(FieldError::new("until", "in_past"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        self.db.write(|conn| {
            let name = self.locked_enterprise(conn, id)?;
            let entries = blacklist::of_enterprise(conn, id)?;
            if entries.iter().any(|b| in_force(b, today)) {
                return Err(ServiceError::Conflict("already_blacklisted"));
            }
            let mut row = BlacklistRow {
                id: 0,
                enterprise_id: id,
                reason,
                listed_on: today,
                until,
                listed_by: staff.username.clone(),
                listed_at: self.now(),
                withdrawn_by: None,
                withdrawn_at: None,
                withdraw_reason: None,
            };
            row.id = blacklist::insert(conn, &row)?;
            let detail = match until {
                Some(u) => format!("{id} {name} until {u}"),
                None => format!("{id} {name}"),
            };
            self.blacklist_audit(conn, staff, "blacklist_listed", &row.reason, &detail)?;
            Ok(BlacklistEntry::of(row, today))
        })
    }

    /// Withdraws the entry in force (coordinator), with a reason; none in force answers a
    /// conflict.
    pub fn withdraw_blacklisting(
        &self,
        staff: &Staff,
        id: i64,
        reason: Option<&str>,
    ) -> ServiceResult<BlacklistEntry> {
        staff.require(Permission::Publish)?;
        let reason = plain_text("reason", reason, (2, 500))
            .map_err(|e| ServiceError::Validation(vec![e]))?;
        let today = self.today();
        self.db.write(|conn| {
            let name = self.locked_enterprise(conn, id)?;
            let mut row = blacklist::of_enterprise(conn, id)?
                .into_iter()
                .find(|b| in_force(b, today))
                .ok_or(ServiceError::Conflict("not_blacklisted"))?;
            row.withdrawn_at = Some(self.now());
            row.withdrawn_by = Some(staff.username.clone());
            row.withdraw_reason = Some(reason.clone());
            blacklist::update(conn, &row)?;
            let detail = format!("{id} {name}");
            self.blacklist_audit(conn, staff, "blacklist_withdrawn", &reason, &detail)?;
            Ok(BlacklistEntry::of(row, today))
        })
    }

    /// The enterprise's name, its row held until the transaction ends.
    fn locked_enterprise(&self, conn: &mut DbConn, id: i64) -> ServiceResult<String> {
        enterprises::lock(conn, id)?.ok_or(ServiceError::NotFound)?;
        let row = enterprises::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        Ok(row.name)
    }

    fn blacklist_audit(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        action: &str,
        reason: &str,
        detail: &str,
    ) -> ServiceResult<()> {
        append(
            self,
            conn,
            &NewEntry {
                actor: &staff.username,
                action,
                reason: Some(reason),
                detail: Some(detail),
                ..NewEntry::default()
            },
        )?;
        Ok(())
    }

    /// The public page: entries in force, newest first.
    pub fn public_blacklist(&self) -> ServiceResult<Vec<PublicBlacklistEntry>> {
        let mut conn = self.db.read()?;
        Ok(blacklist::in_force(&mut conn, self.today())?
            .into_iter()
            .map(|(row, enterprise)| PublicBlacklistEntry {
                enterprise,
                reason: row.reason,
                listed_on: row.listed_on,
                until: row.until,
            })
            .collect())
    }
}
