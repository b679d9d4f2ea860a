//! The audit log's hash chain: every entry carries the hash of the one before it and a hash of
//! its own content chained to that, so an edited entry (its hash no longer matches its content)
//! or a deleted one (the next entry's `prev_hash` no longer matches) is detected by [`verify`].
//! Entries are appended in the same transaction as what they record.
//!
//! Each entry records how its hash was made (`hash_version`). Version 1 was SHA-256 over the
//! key's length, the key and the content; version 2 is HMAC-SHA-256 under a key derived with
//! HKDF. Entries keep the version they were written with, so a chain that began under version 1
//! still verifies, and versions never go down along the chain (an entry claiming version 1
//! after a version 2 one is reported as broken).
//!
//! Under `crypto_suite = "sm"` every entry is version 3, HMAC-SM3 under an HKDF-SM3 sub-key;
//! such an installation knows no other version (its database was created with the suite), and a
//! standard one does not know version 3.

use super::{ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::{self, AuditFilter, AuditRow, NewEntry};
use crate::secrets::{CryptoSuite, MacKey, SecretKey};
use chrono::NaiveDateTime;
use diesel::QueryResult;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over key‖content: every entry written before version 2.
pub const V1: i32 = 1;
/// HMAC-SHA-256 under an HKDF-SHA-256 sub-key of the identity key: every new entry.
pub const V2: i32 = 2;
/// HMAC-SM3 under an HKDF-SM3 sub-key of the identity key: every entry under `sm`.
pub const V3: i32 = 3;

/// The chain's keys, one per version of the installation's suite; derived from the identity
/// key, never in the database. Someone who can write to the database cannot recompute a chain
/// after editing it.
#[derive(Clone, Debug)]
pub enum AuditKeys {
    Standard { v1: SecretKey, v2: MacKey },
    Sm { v3: MacKey },
}

impl AuditKeys {
    pub fn new(identity: &SecretKey) -> anyhow::Result<AuditKeys> {
        Ok(match identity.suite() {
            CryptoSuite::Standard => AuditKeys::Standard {
                v1: identity.derive_v1("tipline audit chain v1"),
                v2: MacKey::new(&identity.derive("tipline audit chain v2")?)?,
            },
            CryptoSuite::Sm => AuditKeys::Sm {
                v3: MacKey::new(&identity.derive("tipline audit chain v3 sm")?)?,
            },
        })
    }

    /// The version new entries are written with.
    fn current(&self) -> i32 {
        match self {
            AuditKeys::Standard { .. } => V2,
            AuditKeys::Sm { .. } => V3,
        }
    }
}

/// What an entry's hash covers, in order.
fn parts<'a>(prev: &'a str, at: &'a str, e: &NewEntry<'a>) -> [&'a str; 8] {
    [
        prev,
        at,
        e.actor,
        e.action,
        e.case_number.unwrap_or(""),
        e.reason.unwrap_or(""),
        e.detail.unwrap_or(""),
        e.address.unwrap_or(""),
    ]
}

/// An entry's hash under `version`; `None` for a version this program does not know.
fn entry_hash(
    keys: &AuditKeys,
    version: i32,
    prev: &str,
    at: NaiveDateTime,
    e: &NewEntry<'_>,
) -> Option<String> {
    match (version, keys) {
        (V1, AuditKeys::Standard { v1, .. }) => Some(hash_v1(v1, prev, at, e)),
        (V2, AuditKeys::Standard { v2, .. }) | (V3, AuditKeys::Sm { v3: v2 }) => {
            Some(hash_mac(v2, prev, at, e))
        }
        _ => None,
    }
}

fn timestamp(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn hash_v1(key: &SecretKey, prev: &str, at: NaiveDateTime, e: &NewEntry<'_>) -> String {
    let at = timestamp(at);
    let mut h = Sha256::new();
    let key = key.bytes();
    h.update((key.len() as u64).to_be_bytes());
    h.update(key);
    for part in parts(prev, &at, e) {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Versions 2 and 3: the HMAC of the parts (SHA-256 or SM3, as the key is).
fn hash_mac(key: &MacKey, prev: &str, at: NaiveDateTime, e: &NewEntry<'_>) -> String {
    let at = timestamp(at);
    key.tag_hex(&parts(prev, &at, e).map(str::as_bytes))
}

/// Appends an entry inside the caller's transaction.
pub fn append(services: &Services, conn: &mut DbConn, e: &NewEntry<'_>) -> QueryResult<()> {
    audit::lock(conn)?;
    let prev = audit::last_hash(conn)?.unwrap_or_else(|| GENESIS.to_owned());
    let at = services.now();
    let keys = &services.audit_keys;
    let version = keys.current();
    let hash = entry_hash(keys, version, &prev, at, e).unwrap_or_default();
    let link = audit::Link {
        at,
        prev_hash: &prev,
        hash: &hash,
        hash_version: version,
    };
    audit::insert(conn, e, &link)
}

/// Checks the whole chain; `Err(seq)` names the first entry that does not verify.
pub fn verify(keys: &AuditKeys, rows: &[AuditRow]) -> Result<(), i64> {
    let mut prev = GENESIS.to_owned();
    let mut version = V1;
    for r in rows {
        if r.prev_hash != prev
            || r.hash_version < version
            || entry_hash(keys, r.hash_version, &prev, r.at, &r.entry()).as_deref() != Some(&r.hash)
        {
            return Err(r.seq);
        }
        prev = r.hash.clone();
        version = r.hash_version;
    }
    Ok(())
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: usize,
    /// The first entry that does not verify.
    pub broken_at: Option<i64>,
    /// The newest entry's hash: recorded outside the database (a daily report, a log), it shows
    /// whether entries were removed from the end.
    pub head: Option<String>,
}

impl Services {
    /// Checks the audit chain (blocking).
    pub fn verify_audit(&self) -> ServiceResult<ChainReport> {
        let mut conn = self.db.read()?;
        let rows = audit::all(&mut conn)?;
        Ok(ChainReport {
            entries: rows.len(),
            broken_at: verify(&self.audit_keys, &rows).err(),
            head: rows.last().map(|r| r.hash.clone()),
        })
    }
}

/// Who did something: a staff member (by username), the reporter, or the system (jobs).
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    Staff(&'a str),
    Reporter,
    System,
}

impl By<'_> {
    /// The name the audit log records.
    fn audit_name(&self) -> &str {
        match self {
            By::Staff(name) => name,
            By::Reporter => "reporter",
            By::System => "system",
        }
    }

    /// The name a case's history shows (only staff are named there).
    fn history_name(&self) -> Option<&str> {
        match self {
            By::Staff(name) => Some(name),
            By::Reporter | By::System => None,
        }
    }
}

/// Something that happened to a case: one row in its history (what staff read on the case page)
/// and one entry in the audit log, always written together.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub tip_id: crate::domain::tip::TipId,
    pub case_number: &'a str,
    pub action: &'a str,
    pub by: By<'a>,
    /// The history's note.
    pub note: Option<&'a str>,
    /// The audit entry's reason and detail.
    pub reason: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub at: NaiveDateTime,
}

impl<'a> Event<'a> {
    /// An event on a case: what, by whom and when, with no note, reason or detail yet (add
    /// them with [`Event::note`], [`Event::reason`] and [`Event::detail`]).
    pub fn new(
        (tip_id, case_number): (crate::domain::tip::TipId, &'a str),
        action: &'a str,
        by: By<'a>,
        at: NaiveDateTime,
    ) -> Event<'a> {
        Event {
            tip_id,
            case_number,
            action,
            by,
            note: None,
            reason: None,
            detail: None,
            at,
        }
    }

    /// The history's note.
    pub fn note(self, note: Option<&'a str>) -> Event<'a> {
        Event { note, ..self }
    }

    /// The audit entry's reason.
    pub fn reason(self, reason: Option<&'a str>) -> Event<'a> {
        Event { reason, ..self }
    }

    /// The audit entry's detail.
    pub fn detail(self, detail: &'a str) -> Event<'a> {
        Event {
            detail: Some(detail),
            ..self
        }
    }
}

impl Services {
    /// Writes an event's history row and audit entry in the caller's transaction.
    pub fn record(&self, conn: &mut DbConn, e: &Event<'_>) -> ServiceResult<()> {
        let by = e.by;
        crate::db::tips::insert_event(conn, e.tip_id, e.action, by.history_name(), e.note, e.at)?;
        let entry = NewEntry {
            actor: by.audit_name(),
            action: e.action,
            case_number: Some(e.case_number),
            reason: e.reason,
            detail: e.detail,
            ..NewEntry::default()
        };
        append(self, conn, &entry)?;
        Ok(())
    }
}

/// One entry of the audit log as staff read it (the API's answer too).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AuditEntryJson)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub action: String,
    #[schema(required)]
    pub case_number: Option<String>,
    #[schema(required)]
    pub reason: Option<String>,
    #[schema(required)]
    pub detail: Option<String>,
    /// A staff member's address, on sign-in entries only.
    #[schema(required)]
    pub address: Option<String>,
    pub hash: String,
}

/// A staff member as the audit log names them: username, display name.
pub type Person = (String, String);

/// A page of the audit log, newest first, and the chain's check when it was asked for.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub report: Option<ChainReport>,
    /// Staff usernames and display names, by display name (to name and choose people).
    pub people: Vec<Person>,
    /// The actions recorded in the log (to choose one).
    pub actions: Vec<String>,
}

/// What the audit log is asked for, as typed: a case number, a person (username), an action's
/// code, and the first and last local day (`YYYY-MM-DD`), each optional.
#[derive(Debug, Clone, Default)]
pub struct AuditAsk {
    /// Only this case's entries.
    pub case_number: Option<String>,
    /// Only this person's entries: a staff username, `reporter` or `system`.
    pub actor: Option<String>,
    /// Only this action (`sign_in`, `accept`, `export`…).
    pub action: Option<String>,
    /// From this day (`YYYY-MM-DD`, local time), included.
    pub from: Option<String>,
    /// To this day (`YYYY-MM-DD`, local time), included.
    pub to: Option<String>,
}

impl AuditAsk {
    /// The filter, with local days turned into UTC instants; a bad date or a period that ends
    /// before it starts is a field error.
    fn filter(&self, offset: chrono::FixedOffset) -> ServiceResult<AuditFilter> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let mut errors = Vec::new();
        let mut day = |field: &'static str, v: &Option<String>| {
            let text = given(v)?;
            super::hazards::date_field(field, Some(&text))
                .map_err(|e| errors.push(e))
                .ok()
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            errors.push(crate::domain::FieldError::new("to", "before_from"));
        }
        if !errors.is_empty() {
            return Err(super::ServiceError::Validation(errors));
        }
        let utc = |d: chrono::NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                - chrono::Duration::seconds(offset.local_minus_utc().into())
        };
        Ok(AuditFilter {
            case_number: given(&self.case_number),
            actor: given(&self.actor),
            action: given(&self.action),
            since: from.map(utc),
            before: to.map(|d| utc(d + chrono::Duration::days(1))),
        })
    }
}

impl Services {
    /// What the audit log may be filtered by: the staff (username, display name; by display
    /// name) and the actions recorded.
    pub fn audit_choices(
        &self,
        staff: &super::auth::Staff,
    ) -> ServiceResult<(Vec<Person>, Vec<String>)> {
        if !staff.may(crate::domain::access::Permission::ReadAudit) {
            return Err(super::ServiceError::Forbidden);
        }
        let mut conn = self.db.read()?;
        let actions = audit::actions(&mut conn)?;
        let mut people = crate::db::staff::display_names(&mut conn)?;
        people.sort_by(|a, b| a.1.cmp(&b.1));
        Ok((people, actions))
    }

    /// A page of the audit log, filtered; verifying reads the whole log, so it happens only
    /// when asked.
    pub fn audit_log(
        &self,
        staff: &super::auth::Staff,
        ask: &AuditAsk,
        (offset, limit): (i64, i64),
        verify: bool,
    ) -> ServiceResult<AuditPage> {
        if !staff.may(crate::domain::access::Permission::ReadAudit) {
            return Err(super::ServiceError::Forbidden);
        }
        let filter = ask.filter(self.offset)?;
        let mut conn = self.db.read()?;
        let (rows, total) = audit::page(&mut conn, &filter, offset, limit)?;
        drop(conn);
        let (people, actions) = self.audit_choices(staff)?;
        let report = if verify {
            Some(self.verify_audit()?)
        } else {
            None
        };
        let entries = rows
            .into_iter()
            .map(|r| AuditEntry {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                case_number: r.case_number,
                reason: r.reason,
                detail: r.detail,
                address: r.address,
                hash: r.hash,
            })
            .collect();
        Ok(AuditPage {
            entries,
            total,
            report,
            people,
            actions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> AuditKeys {
        AuditKeys::new(&SecretKey::from_bytes(&[byte; 32])).unwrap()
    }

    fn row(keys: &AuditKeys, version: i32, seq: i64, prev: &str, actor: &str) -> AuditRow {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(12, 0, seq as u32)
            .unwrap();
        let e = NewEntry {
            actor,
            action: "accept",
            case_number: Some("HL-2026-000001"),
            ..NewEntry::default()
        };
        AuditRow {
            seq,
            at,
            actor: actor.into(),
            action: "accept".into(),
            case_number: Some("HL-2026-000001".into()),
            reason: None,
            detail: None,
            address: None,
            prev_hash: prev.into(),
            hash: entry_hash(keys, version, prev, at, &e).unwrap(),
            hash_version: version,
        }
    }

    /// Entries by alice, bob and carol, each chained to the one before, under these versions.
    fn chain(keys: &AuditKeys, [va, vb, vc]: [i32; 3]) -> [AuditRow; 3] {
        let a = row(keys, va, 1, GENESIS, "alice");
        let b = row(keys, vb, 2, &a.hash, "bob");
        let c = row(keys, vc, 3, &b.hash, "carol");
        [a, b, c]
    }

    #[test]
    fn a_chain_verifies_and_an_edit_or_deletion_is_found() {
        let k = keys(1);
        let all = chain(&k, [V2, V2, V2]);
        assert_eq!(verify(&k, &all), Ok(()));
        assert_eq!(
            verify(&keys(2), &all),
            Err(1),
            "the key is part of the chain"
        );
        let [a, b, c] = all;
        let mut edited = b.clone();
        edited.actor = "mallory".into();
        assert_eq!(verify(&k, &[a.clone(), edited, c.clone()]), Err(2));
        assert_eq!(
            verify(&k, &[a, c]),
            Err(3),
            "a deleted entry breaks the next link"
        );
    }

    #[test]
    fn under_sm_the_chain_is_hmac_sm3_and_knows_no_standard_version() {
        let sm = |byte: u8| {
            AuditKeys::new(&SecretKey::from_bytes_in(&[byte; 32], CryptoSuite::Sm)).unwrap()
        };
        let k = sm(1);
        assert_eq!(k.current(), V3);
        let all = chain(&k, [V3, V3, V3]);
        assert_eq!(verify(&k, &all), Ok(()));
        assert_eq!(verify(&sm(2), &all), Err(1), "the key is part of the chain");
        assert_eq!(
            verify(&keys(1), &all),
            Err(1),
            "a standard installation knows no version 3"
        );
        assert_eq!(verify(&k, &chain(&keys(1), [V2, V2, V2])), Err(1));
        // Version 3 is HMAC-SM3 under the HKDF-SM3 sub-key, over the parts.
        let mac = MacKey::new(
            &SecretKey::from_bytes_in(&[1; 32], CryptoSuite::Sm)
                .derive("tipline audit chain v3 sm")
                .unwrap(),
        )
        .unwrap();
        assert!(matches!(mac, MacKey::Sm3(_)));
        let [a, b, c] = all;
        let at = timestamp(a.at);
        let e = a.entry();
        assert_eq!(
            a.hash,
            mac.tag_hex(&parts(GENESIS, &at, &e).map(str::as_bytes))
        );
        let mut edited = b.clone();
        edited.actor = "mallory".into();
        assert_eq!(verify(&k, &[a.clone(), edited, c.clone()]), Err(2));
        assert_eq!(verify(&k, &[a, c]), Err(3));
    }

    #[test]
    fn a_chain_begun_under_version_1_verifies_and_continues_under_version_2() {
        let k = keys(1);
        let all = chain(&k, [V1, V1, V2]);
        assert_eq!(verify(&k, &all), Ok(()));
        let [a, b, c] = all;
        let mut edited = a.clone();
        edited.actor = "mallory".into();
        assert_eq!(verify(&k, &[edited, b.clone(), c.clone()]), Err(1));
        let mut relabelled = c.clone();
        relabelled.hash_version = V1;
        assert_eq!(
            verify(&k, &[a.clone(), b.clone(), relabelled]),
            Err(3),
            "a hash only verifies under the version it was made with"
        );
        let d = row(&k, V1, 4, &c.hash, "dave");
        assert_eq!(
            verify(&k, &[a.clone(), b.clone(), c.clone(), d]),
            Err(4),
            "versions never go down along the chain"
        );
        let mut unknown = c;
        unknown.hash_version = 9;
        assert_eq!(verify(&k, &[a, b, unknown]), Err(3));
    }

    #[test]
    fn version_1_hashes_are_the_ones_written_before_version_2() {
        // Computed with the version 1 code (SHA-256 over key‖content, the key derived with
        // SHA-256 over label‖purpose‖identity key), for identity key 01…01.
        let k = keys(1);
        let a = row(&k, V1, 1, GENESIS, "alice");
        assert_eq!(
            a.hash,
            "cd0e022d4eaabbe2d97d52aaa6776e56b8330e3b71b8d00f7a2252c1116e74d3"
        );
    }
}
