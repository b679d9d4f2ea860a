//! Staff accounts from the command line (and later the coordinator's pages).

use super::{ServiceError, ServiceResult, Services};
use crate::db::{self, staff};
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
}

#[derive(Debug)]
pub struct StaffSummary {
    pub username: String,
    pub role: String,
    pub unit: Option<String>,
    pub active: bool,
}

fn valid_username(u: &str) -> bool {
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
                    created_at: db::now(),
                },
            )?)
        })
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
            })
            .collect())
    }
}
