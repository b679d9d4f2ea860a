//! The audit log's hash chain: every entry carries the hash of the one before it and a hash of
//! its own content chained to that, so an edited entry (its hash no longer matches its content)
//! or a deleted one (the next entry's `prev_hash` no longer matches) is detected by [`verify`].
//! Entries are appended in the same transaction as what they record.

use super::{ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::{self, AuditRow, NewEntry};
use chrono::NaiveDateTime;
use diesel::QueryResult;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn entry_hash(key: &[u8], prev: &str, at: NaiveDateTime, e: &NewEntry<'_>) -> String {
    let mut h = Sha256::new();
    // Keyed with a secret that is not in the database: someone who can write to the database
    // cannot recompute a chain after editing it.
    h.update((key.len() as u64).to_be_bytes());
    h.update(key);
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    for part in [
        prev,
        &at,
        e.actor,
        e.action,
        e.case_number.unwrap_or(""),
        e.reason.unwrap_or(""),
        e.detail.unwrap_or(""),
        e.address.unwrap_or(""),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry inside the caller's transaction.
pub fn append(services: &Services, conn: &mut DbConn, e: &NewEntry<'_>) -> QueryResult<()> {
    audit::lock(conn)?;
    let prev = audit::last_hash(conn)?.unwrap_or_else(|| GENESIS.to_owned());
    let at = services.now();
    let hash = entry_hash(services.audit_key.bytes(), &prev, at, e);
    audit::insert(conn, e, at, &prev, &hash)
}

/// Checks the whole chain; `Err(seq)` names the first entry that does not verify.
pub fn verify(key: &[u8], rows: &[AuditRow]) -> Result<(), i64> {
    let mut prev = GENESIS.to_owned();
    for r in rows {
        let e = NewEntry {
            actor: &r.actor,
            action: &r.action,
            case_number: r.case_number.as_deref(),
            reason: r.reason.as_deref(),
            detail: r.detail.as_deref(),
            address: r.address.as_deref(),
        };
        if r.prev_hash != prev || entry_hash(key, &prev, r.at, &e) != r.hash {
            return Err(r.seq);
        }
        prev = r.hash.clone();
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
            broken_at: verify(self.audit_key.bytes(), &rows).err(),
            head: rows.last().map(|r| r.hash.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, prev: &str, actor: &str) -> AuditRow {
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
            hash: entry_hash(b"k", prev, at, &e),
        }
    }

    #[test]
    fn a_chain_verifies_and_an_edit_or_deletion_is_found() {
        let a = row(1, GENESIS, "alice");
        let b = row(2, &a.hash, "bob");
        let c = row(3, &b.hash, "carol");
        assert_eq!(verify(b"k", &[a.clone(), b.clone(), c.clone()]), Ok(()));
        assert_eq!(
            verify(b"other key", &[a.clone(), b.clone(), c.clone()]),
            Err(1),
            "the key is part of the chain"
        );
        let mut edited = b.clone();
        edited.actor = "mallory".into();
        assert_eq!(verify(b"k", &[a.clone(), edited, c.clone()]), Err(2));
        assert_eq!(
            verify(b"k", &[a, c]),
            Err(3),
            "a deleted entry breaks the next link"
        );
    }
}
