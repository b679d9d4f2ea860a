//! Staff accounts from the command line (and later the coordinator's pages).

use super::auth::StaffSession;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::NewEntry;
use crate::db::staff::{self, StaffRow};
use crate::domain::access::Permission;
use crate::domain::roles::Role;
use crate::secrets;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug)]
pub struct NewStaff<'a> {
    pub username: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub password: &'a str,
    /// The staff member's own mobile, kept only as a keyed hash (a reward claimed with it is
    /// flagged to finance).
    pub phone: Option<&'a str>,
    /// An inspector's supervision group (督查组, a configured code); none is allowed (未分组).
    pub group: Option<&'a str>,
}

#[derive(Debug)]
pub struct StaffSummary {
    pub username: String,
    pub role: String,
    pub unit: Option<String>,
    pub active: bool,
    /// An inspector's supervision group (a configured code).
    pub supervision_group: Option<String>,
}

/// A mail or text that keeps failing, for the coordinator: what it is and why, never to whom.
#[derive(Debug)]
pub struct FailingNotice {
    /// `mail` or `sms`.
    pub channel: String,
    /// A mail's subject, or a text's kind (`news`, `reward`, `claim_reminder`, `overdue`).
    pub subject: String,
    pub attempts: i32,
    /// The class of the last failure (never its text, which may quote the recipient).
    pub last_error: Option<String>,
    /// Queued, and the next attempt, in local time.
    pub queued: chrono::NaiveDateTime,
    pub next_attempt: chrono::NaiveDateTime,
}

pub fn valid_username(u: &str) -> bool {
    (3..=40).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

impl Services {
    /// Creates an account (blocking: hashes the password). Refuses a bad username, a short
    /// password, a unit that is missing, unknown or not allowed for the role, and a taken name.
    pub fn add_staff(&self, new: &NewStaff<'_>) -> ServiceResult<i64> {
        if !valid_username(new.username) {
            return Err(ServiceError::field("username", "bad_username"));
        }
        if new.password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ServiceError::field("password", "password_too_short"));
        }
        match (new.role.needs_unit(), new.unit) {
            (true, None) => return Err(ServiceError::field("department", "unit_required")),
            (false, Some(_)) => return Err(ServiceError::field("department", "unit_not_allowed")),
            (true, Some(u)) if self.catalog.unit_kind(u).is_none() => {
                return Err(ServiceError::field("department", "unknown_unit"));
            }
            _ => {}
        }
        let group = self.group_for(new.role, new.group)?;
        let phone_key = match new.phone.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => {
                let phone = crate::domain::tip::Phone::parse(p)
                    .ok_or_else(|| ServiceError::field("phone", "bad_phone"))?;
                Some(self.keyed_hash("payee-phone", phone.as_str()))
            }
        };
        let hash = secrets::hash_password(new.password)?;
        self.db.write(|conn| -> ServiceResult<i64> {
            if staff::exists(conn, new.username)? {
                return Err(ServiceError::Conflict("username_taken"));
            }
            Ok(staff::insert(
                conn,
                &staff::NewStaffRow {
                    username: new.username,
                    display_name: new.display_name.unwrap_or(new.username),
                    role: new.role.as_str(),
                    unit: new.unit,
                    password_hash: &hash,
                    active: true,
                    created_at: self.now(),
                    phone_key: phone_key.as_deref(),
                    supervision_group: group,
                },
            )?)
        })
    }

    /// The accounts, for the coordinator's page (the CLI lists them with [`Services::list_staff`]).
    pub fn staff_accounts(&self, session: &StaffSession) -> ServiceResult<Vec<StaffSummary>> {
        Self::coordinator_only(session)?;
        self.list_staff()
    }

    pub fn list_staff(&self) -> ServiceResult<Vec<StaffSummary>> {
        let mut conn = self.db.read()?;
        Ok(staff::list(&mut conn)?
            .into_iter()
            .map(|r| StaffSummary {
                username: r.username,
                role: r.role,
                unit: r.unit,
                active: r.active,
                supervision_group: r.supervision_group,
            })
            .collect())
    }

    /// A supervision group's name in a language; an unknown code as it is.
    pub fn group_name(&self, code: &str, lang: crate::i18n::Lang) -> String {
        self.supervision_groups
            .iter()
            .find(|g| g.code == code)
            .map(|g| lang.pick(&g.name_zh, &g.name_en))
            .unwrap_or_else(|| code.to_owned())
    }

    /// A supervision group for an account: only inspectors belong to one, and only to a
    /// configured one; blank is none (未分组).
    fn group_for<'a>(&self, role: Role, group: Option<&'a str>) -> ServiceResult<Option<&'a str>> {
        match group.map(str::trim).filter(|g| !g.is_empty()) {
            None => Ok(None),
            Some(_) if role != Role::Inspector => Err(ServiceError::field(
                "supervision_group",
                "group_not_allowed",
            )),
            Some(g) if self.supervision_groups.iter().any(|x| x.code == g) => Ok(Some(g)),
            Some(_) => Err(ServiceError::field("supervision_group", "unknown_group")),
        }
    }
}

/// Account management by the coordinator (from the staff pages).
impl Services {
    /// Mail and texts still undelivered after `sms.failing_after` attempts (coordinator only),
    /// oldest first.
    pub fn failing_notices(&self, session: &StaffSession) -> ServiceResult<Vec<FailingNotice>> {
        Self::coordinator_only(session)?;
        let attempts = i32::try_from(self.sms.failing_after).unwrap_or(i32::MAX);
        let mut conn = self.db.read()?;
        let local =
            |t: chrono::NaiveDateTime| t.and_utc().with_timezone(&self.offset).naive_local();
        Ok(crate::db::outbox::failing(&mut conn, attempts, 100)?
            .into_iter()
            .map(|r| FailingNotice {
                channel: r.channel,
                subject: r.subject,
                attempts: r.attempts,
                last_error: r.last_error,
                queued: local(r.created_at),
                next_attempt: local(r.next_attempt_at),
            })
            .collect())
    }

    fn coordinator_only(session: &StaffSession) -> ServiceResult<()> {
        if session.staff.may(Permission::ManageAccounts) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Writes the audit entry of an account change made by `session`'s member.
    fn audit_account(
        &self,
        conn: &mut DbConn,
        session: &StaffSession,
        (action, detail): (&str, &str),
    ) -> ServiceResult<()> {
        let entry = NewEntry {
            actor: &session.staff.username,
            action,
            detail: Some(detail),
            ..Default::default()
        };
        Ok(super::audit::append(self, conn, &entry)?)
    }

    /// Changes the account named `username` (none: not found) and writes the audit entry of
    /// the change, in one transaction: `change` answers the action's code and its detail.
    fn change_account(
        &self,
        session: &StaffSession,
        username: &str,
        change: impl FnOnce(&mut DbConn, &StaffRow) -> ServiceResult<(&'static str, String)>,
    ) -> ServiceResult<()> {
        self.db.write(|c| -> ServiceResult<()> {
            let user = staff::find_by_username(c, username)?.ok_or(ServiceError::NotFound)?;
            let (action, detail) = change(c, &user)?;
            self.audit_account(c, session, (action, &detail))
        })
    }

    /// Creates an account for someone else (coordinator only; audited).
    pub fn create_staff(&self, session: &StaffSession, new: &NewStaff<'_>) -> ServiceResult<i64> {
        Self::coordinator_only(session)?;
        let id = self.add_staff(new)?;
        let detail = format!("{} ({})", new.username, new.role);
        self.db
            .write(|c| self.audit_account(c, session, ("create_user", &detail)))?;
        Ok(id)
    }

    /// Turns an account on or off; turning it off ends its sessions (coordinator only; audited).
    pub fn set_staff_active(
        &self,
        session: &StaffSession,
        username: &str,
        active: bool,
    ) -> ServiceResult<()> {
        Self::coordinator_only(session)?;
        if username == session.staff.username {
            return Err(ServiceError::Conflict("own_account"));
        }
        self.change_account(session, username, |c, user| {
            staff::set_active(c, user.id, active)?;
            if !active {
                staff::sessions::delete_for_user(c, user.id, None)?;
            }
            let action = if active {
                "activate_user"
            } else {
                "deactivate_user"
            };
            Ok((action, username.to_owned()))
        })
    }

    /// Puts an inspector in a supervision group, or in none (coordinator only; audited).
    pub fn set_staff_group(
        &self,
        session: &StaffSession,
        username: &str,
        group: Option<&str>,
    ) -> ServiceResult<()> {
        Self::coordinator_only(session)?;
        self.change_account(session, username, |c, user| {
            let role: Role = user
                .role
                .parse()
                .map_err(|_| ServiceError::field("supervision_group", "group_not_allowed"))?;
            let group = self.group_for(role, group)?;
            staff::set_group(c, user.id, group)?;
            let detail = format!("{username}: {}", group.unwrap_or("-"));
            Ok(("set_group", detail))
        })
    }

    /// Sets a new password for an account (coordinator only; its sessions end; audited).
    pub fn reset_staff_password(
        &self,
        session: &StaffSession,
        username: &str,
        password: &str,
    ) -> ServiceResult<()> {
        Self::coordinator_only(session)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ServiceError::field("password", "password_too_short"));
        }
        let hash = secrets::hash_password(password)?;
        self.change_account(session, username, |c, user| {
            staff::set_password(c, user.id, &hash)?;
            // A reset is for someone locked out: their second factor goes too (they enrol again).
            staff::set_totp(c, user.id, None, false)?;
            staff::set_totp_progress(c, user.id, None, 0, None)?;
            staff::sessions::delete_for_user(c, user.id, None)?;
            Ok(("reset_password", username.to_owned()))
        })
    }
}
