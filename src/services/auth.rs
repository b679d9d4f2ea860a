//! Staff sign-in, sessions and passwords.
//!
//! A session is a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
//! its HMAC under a key derived from `session_key`, so several instances sharing a database (and the key)
//! share sessions, a stolen database does not yield usable cookies, and signing out or
//! deactivating an account ends its sessions at once. Sessions end after
//! `staff.idle_timeout_minutes` without a request and `staff.absolute_timeout_hours` after sign-in
//! whatever the activity; a password change ends the account's other sessions. Every session has
//! its own CSRF token.

use super::audit;
use super::{ServiceError, ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::staff::{self, StaffRow, sessions};
use crate::domain::roles::Role;
use crate::domain::totp;
use crate::secrets;
use std::net::IpAddr;

/// A signed-in staff member, as every staff use case sees them.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Department or sub-district (officers and heads).
    pub unit: Option<String>,
}

impl Staff {
    /// Whether this staff member's role may do this at all (`domain::access`).
    pub fn may(&self, what: crate::domain::access::Permission) -> bool {
        crate::domain::access::may(self.role, what)
    }

    /// The unit whose cases this staff member sees: their own for officers and heads, `None`
    /// (the whole district) for the roles that work across it.
    pub fn scope(&self) -> Option<String> {
        self.role
            .needs_unit()
            .then(|| self.unit.clone().unwrap_or_default())
    }

    fn from_row(r: &StaffRow) -> Option<Staff> {
        Some(Staff {
            id: r.id,
            username: r.username.clone(),
            display_name: r.display_name.clone(),
            role: r.role.parse().ok()?,
            unit: r.unit.clone(),
        })
    }
}

/// A live session.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub staff: Staff,
    pub csrf: String,
    pub session_id: i64,
}

/// What signing in gives back: the cookie's token and the session.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub session: StaffSession,
}

impl Services {
    /// HMAC-SHA-256 since version 2 (SHA-256 over key‖token before): sessions live only for the
    /// idle timeout, so the switch signs staff out once instead of keeping the old scheme.
    fn session_hash(&self, token: &str) -> String {
        self.session_mac.tag_hex(&[token.as_bytes()])
    }

    /// Checks a username and password (and the second factor where the account has one). An
    /// unknown user costs the same hash as a wrong password and gets the same answer.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        totp_code: Option<&str>,
        address: Option<IpAddr>,
    ) -> ServiceResult<SignedIn> {
        let name = username.trim().to_owned();
        let lookup = name.clone();
        let user = self
            .blocking(move |s| {
                let mut c = s.db.read()?;
                Ok(staff::find_by_username(&mut c, &lookup)?)
            })
            .await?;
        let stored = user
            .as_ref()
            .filter(|u| u.active)
            .map(|u| u.password_hash.clone());
        let pw = zeroize::Zeroizing::new(password.to_owned());
        let ok = self
            .hasher
            .run(move || secrets::verify_password(&pw, stored.as_deref()))
            .await?;
        let address = address.map(|a| a.to_string());
        let Some(user) = user.filter(|u| ok && u.active) else {
            self.record_failed_sign_in(&name, address.clone(), "password")
                .await?;
            return Err(ServiceError::Unauthenticated);
        };
        if user.totp_enabled {
            let code = totp_code.unwrap_or_default().trim().to_owned();
            let (uid, uname) = (user.id, user.username.clone());
            let good = self
                .blocking(move |s| s.check_totp(uid, &uname, &code))
                .await?;
            if !good {
                self.record_failed_sign_in(&name, address.clone(), "second factor")
                    .await?;
                return Err(ServiceError::SecondFactor);
            }
        }
        let staff = Staff::from_row(&user)
            .ok_or_else(|| anyhow::anyhow!("account {} has an unknown role", user.username))?;
        let token = hex::encode(secrets::random_bytes::<32>()?);
        let csrf = hex::encode(secrets::random_bytes::<24>()?);
        let hash = self.session_hash(&token);
        let (st, c) = (staff.clone(), csrf.clone());
        let session_id = self
            .blocking(move |s| {
                s.db.write(|conn| -> ServiceResult<i64> {
                    let now = s.now();
                    let id = sessions::insert(conn, &hash, st.id, &c, true, now)?;
                    audit::append(
                        &s,
                        conn,
                        &NewEntry {
                            actor: &st.username,
                            action: "sign_in",
                            address: address.as_deref(),
                            ..NewEntry::default()
                        },
                    )?;
                    Ok(id)
                })
            })
            .await?;
        Ok(SignedIn {
            token,
            session: StaffSession {
                staff,
                csrf,
                session_id,
            },
        })
    }

    /// Records a failed sign-in. What was typed as the username is kept only when it could be a
    /// username (a password typed into the wrong box must not land in the log).
    async fn record_failed_sign_in(
        &self,
        typed: &str,
        address: Option<String>,
        what: &'static str,
    ) -> ServiceResult<()> {
        self.sign_in_entry(typed, "sign_in_failed", what.to_owned(), address)
            .await
    }

    /// An audit entry about sign-in attempts on what was typed as a username: named by it only
    /// when it is a valid username (a password typed into the wrong box must not land in the log).
    async fn sign_in_entry(
        &self,
        typed: &str,
        action: &'static str,
        detail: String,
        address: Option<String>,
    ) -> ServiceResult<()> {
        let name = sign_in_actor(typed);
        self.blocking(move |s| {
            s.db.write(|conn| -> ServiceResult<()> {
                Ok(audit::append(
                    &s,
                    conn,
                    &NewEntry {
                        actor: &name,
                        action,
                        detail: Some(&detail),
                        address: address.as_deref(),
                        ..NewEntry::default()
                    },
                )?)
            })
        })
        .await
    }

    /// Records, once per window, that a username is under sign-in pressure: how many attempts
    /// failed on it from how many addresses (the addresses themselves are not written).
    pub async fn record_sign_in_pressure(
        &self,
        typed: &str,
        failures: u32,
        addresses: usize,
        window_minutes: u64,
    ) -> ServiceResult<()> {
        let name = sign_in_actor(typed);
        let places = if addresses == 1 {
            "address"
        } else {
            "addresses"
        };
        let detail = format!(
            "sign-in pressure on account {name}: {failures} failed attempts from {addresses} \
             {places} within {window_minutes} minutes; further attempts from addresses that \
             never signed in to it are slowed down"
        );
        self.sign_in_entry(typed, "sign_in_pressure", detail, None)
            .await
    }

    /// The live session of a cookie token, refreshed; `None` when unknown, idle too long or the
    /// account was deactivated.
    pub fn session(&self, token: &str) -> ServiceResult<Option<StaffSession>> {
        let hash = self.session_hash(token);
        let mut conn = self.db.read_by_key()?;
        let Some((row, user)) = sessions::find(&mut conn, &hash)? else {
            return Ok(None);
        };
        let now = self.now();
        if now - row.last_seen_at > self.idle_timeout
            || now - row.created_at > self.absolute_timeout
        {
            drop(conn);
            self.db
                .write(|c| -> ServiceResult<()> { Ok(sessions::delete(c, &hash)?) })?;
            return Ok(None);
        }
        drop(conn);
        if !user.active {
            return Ok(None);
        }
        // Refresh at most once a minute: a page load is not a write.
        if now - row.last_seen_at > chrono::Duration::seconds(60) {
            self.db
                .write(|c| -> ServiceResult<()> { Ok(sessions::touch(c, row.id, now)?) })?;
        }
        Ok(Staff::from_row(&user).map(|staff| StaffSession {
            staff,
            csrf: row.csrf_token,
            session_id: row.id,
        }))
    }

    pub fn sign_out(&self, token: &str) -> ServiceResult<()> {
        let hash = self.session_hash(token);
        self.db
            .write(|c| -> ServiceResult<()> { Ok(sessions::delete(c, &hash)?) })
    }

    /// Changes one's own password: the old one must be right; other sessions end.
    pub async fn change_password(
        &self,
        session: &StaffSession,
        old: &str,
        new: &str,
    ) -> ServiceResult<()> {
        if new.chars().count() < super::staff::MIN_PASSWORD_CHARS {
            return Err(ServiceError::field("new_password", "password_too_short"));
        }
        let uid = session.staff.id;
        let stored = self
            .blocking(move |s| {
                let mut c = s.db.read()?;
                Ok(staff::find(&mut c, uid)?.map(|u| u.password_hash))
            })
            .await?;
        let (old, new) = (
            zeroize::Zeroizing::new(old.to_owned()),
            zeroize::Zeroizing::new(new.to_owned()),
        );
        let (ok, hash) = self
            .hasher
            .run(move || {
                (
                    secrets::verify_password(&old, stored.as_deref()),
                    secrets::hash_password(&new),
                )
            })
            .await?;
        if !ok {
            return Err(ServiceError::field("old_password", "wrong_password"));
        }
        let hash = hash?;
        let (sid, name) = (session.session_id, session.staff.username.clone());
        self.blocking(move |s| {
            s.db.write(|c| -> ServiceResult<()> {
                staff::set_password(c, uid, &hash)?;
                sessions::delete_for_user(c, uid, Some(sid))?;
                audit::append(
                    &s,
                    c,
                    &NewEntry {
                        actor: &name,
                        action: "change_password",
                        ..NewEntry::default()
                    },
                )?;
                Ok(())
            })
        })
        .await
    }

    fn totp_context(uid: i64) -> String {
        format!("totp:{uid}")
    }

    /// Whether `code` is the account's current second-factor code (blocking). A code works once;
    /// after five wrong codes the second factor is locked for fifteen minutes.
    pub fn check_totp(&self, uid: i64, _username: &str, code: &str) -> ServiceResult<bool> {
        const MAX_FAILURES: i32 = 5;
        self.db.write(|c| -> ServiceResult<bool> {
            let (sealed, _, last_step, failures, locked_until) = staff::totp_state(c, uid)?;
            let now = self.now();
            let Some(sealed) = sealed else {
                return Ok(false);
            };
            if locked_until.is_some_and(|t| t > now) {
                return Ok(false);
            }
            let secret = self.sealer.open(&sealed, &Self::totp_context(uid))?;
            let unix = now.and_utc().timestamp().max(0) as u64;
            match totp::matching_step(&secret, code, unix).map(|s| s as i64) {
                Some(step) if last_step.is_none_or(|l| step > l) => {
                    staff::set_totp_progress(c, uid, Some(step), 0, None)?;
                    Ok(true)
                }
                _ => {
                    let failures = failures + 1;
                    let (failures, lock) = if failures >= MAX_FAILURES {
                        (0, Some(now + chrono::Duration::minutes(15)))
                    } else {
                        (failures, locked_until)
                    };
                    staff::set_totp_progress(c, uid, last_step, failures, lock)?;
                    Ok(false)
                }
            }
        })
    }

    /// Whether the staff member's account asks for a second factor at sign-in.
    pub fn totp_enabled(&self, staff: &Staff) -> ServiceResult<bool> {
        let mut conn = self.db.read()?;
        Ok(staff::totp(&mut conn, staff.id)?.1)
    }

    /// Whether the staff member gets texts of overdue escalations.
    pub fn sms_alerts_on(&self, staff: &Staff) -> ServiceResult<bool> {
        let mut conn = self.db.read()?;
        Ok(staff::sms_opted_in(&mut conn, staff.id)?)
    }

    /// Opts in to texts of overdue escalations at `phone` (sealed; its keyed hash kept as any
    /// staff phone, to flag reward claims made with it), or out with `None`. Audited.
    pub fn set_sms_alerts(&self, session: &StaffSession, phone: Option<&str>) -> ServiceResult<()> {
        let uid = session.staff.id;
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(
                crate::domain::tip::Phone::parse(p)
                    .ok_or_else(|| ServiceError::field("phone", "bad_phone"))?,
            ),
            None => None,
        };
        let sealed = match &phone {
            Some(p) => Some(
                self.sealer
                    .seal(p.as_str().as_bytes(), &super::jobs::staff_sms_context(uid))?,
            ),
            None => None,
        };
        let key = phone
            .as_ref()
            .map(|p| self.keyed_hash("payee-phone", p.as_str()));
        self.db.write(|c| -> ServiceResult<()> {
            staff::set_sms_phone(c, uid, sealed.as_deref(), key.as_deref())?;
            audit::append(
                self,
                c,
                &NewEntry {
                    actor: &session.staff.username,
                    action: "sms_alerts",
                    detail: Some(if phone.is_some() { "on" } else { "off" }),
                    ..NewEntry::default()
                },
            )?;
            Ok(())
        })
    }

    /// Starts enrolling a second factor: a new secret, sealed, not yet required. Returns its
    /// base32 form and the `otpauth://` URI for an authenticator app.
    pub fn begin_totp(&self, session: &StaffSession) -> ServiceResult<(String, String)> {
        let secret = secrets::random_bytes::<20>()?;
        let uid = session.staff.id;
        // Enrolling again would switch the factor off: not from a session alone.
        if staff::totp(&mut *self.db.read()?, uid)?.1 {
            return Err(ServiceError::Conflict("totp_enabled"));
        }
        let sealed = self.sealer.seal(&secret, &Self::totp_context(uid))?;
        self.db.write(|c| -> ServiceResult<()> {
            Ok(staff::set_totp(c, uid, Some(&sealed), false)?)
        })?;
        let b32 = totp::base32(&secret);
        let uri = format!(
            "otpauth://totp/Tipline:{}?secret={b32}&issuer=Tipline",
            session.staff.username
        );
        Ok((b32, uri))
    }

    /// Turns the second factor on once the user shows a code from their app.
    pub fn confirm_totp(&self, session: &StaffSession, code: &str) -> ServiceResult<()> {
        let uid = session.staff.id;
        if !self.check_totp(uid, &session.staff.username, code)? {
            return Err(ServiceError::field("code", "wrong_code"));
        }
        self.db.write(|c| -> ServiceResult<()> {
            let (sealed, _) = staff::totp(c, uid)?;
            staff::set_totp(c, uid, sealed.as_deref(), true)?;
            audit::append(
                self,
                c,
                &NewEntry {
                    actor: &session.staff.username,
                    action: "enable_totp",
                    ..NewEntry::default()
                },
            )?;
            Ok(())
        })
    }

    /// Removes sessions idle past the timeout or older than the absolute lifetime.
    pub fn purge_sessions(&self) -> ServiceResult<usize> {
        let now = self.now();
        let (idle, born) = (now - self.idle_timeout, now - self.absolute_timeout);
        self.db
            .write(|c| Ok(sessions::delete_expired(c, idle, born)?))
    }
}

/// Who an audit entry about sign-in attempts names: the typed username when it is a valid one,
/// never other text (a password typed into the wrong box must not land in the log).
fn sign_in_actor(typed: &str) -> String {
    if super::staff::valid_username(typed) {
        typed.to_owned()
    } else {
        "(not a username)".to_owned()
    }
}
