//! Proof of work for tip submissions (issue 18): a client past its submission burst may still
//! send a tip at once by finding a nonce such that SHA-256(`challenge` ":" `nonce`) begins with
//! `difficulty_bits` zero bits. A challenge is `expires.bits.id.mac`: its expiry (Unix seconds),
//! its difficulty, 16 random bytes and an HMAC over the three under a key derived from the
//! session key, so every instance that shares the keys can check it without storing it. When it
//! is answered its id goes into `spent_challenges` in the same database, so it is used once.

use super::{ServiceError, ServiceResult, Services};
use crate::config::ProofOfWork;
use crate::db::challenges;
use crate::secrets::{self, MacKey, SecretKey};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The instance's proof-of-work settings and signing key.
#[derive(Clone, Debug)]
pub struct Proofs {
    pub settings: ProofOfWork,
    key: MacKey,
}

impl Proofs {
    pub fn new(settings: &ProofOfWork, session_key: &SecretKey) -> anyhow::Result<Proofs> {
        Ok(Proofs {
            settings: settings.clone(),
            key: MacKey::new(&session_key.derive("tipline proof of work v1")?)?,
        })
    }

    /// The challenge's MAC, cut to 128 bits (32 hex digits) so that a challenge with its nonce
    /// fits in two SHA-256 blocks, the first of which the solver computes once.
    fn mac(&self, expires: i64, bits: u8, id: &str) -> String {
        let (expires, bits) = (expires.to_string(), bits.to_string());
        let parts: [&[u8]; 4] = [
            b"challenge",
            expires.as_bytes(),
            bits.as_bytes(),
            id.as_bytes(),
        ];
        let mut tag = self.key.tag_hex(&parts);
        tag.truncate(32);
        tag
    }
}

/// A challenge to answer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Challenge {
    /// Send back as is, with the nonce found: `X-Proof-Of-Work: <challenge>:<nonce>`.
    pub challenge: String,
    /// SHA-256 of `<challenge>:<nonce>` must begin with this many zero bits.
    pub difficulty_bits: u8,
    /// It may be answered until then, once.
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub expires_at: DateTime<Utc>,
}

/// The number of leading zero bits of SHA-256(`challenge` ":" `nonce`).
pub fn zero_bits(challenge: &str, nonce: &str) -> u32 {
    let digest = Sha256::new()
        .chain_update(challenge.as_bytes())
        .chain_update(b":")
        .chain_update(nonce.as_bytes())
        .finalize();
    let mut bits = 0;
    for byte in digest.iter() {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

/// Finds a nonce for `challenge` (what the page's script does; for tests and measurements).
pub fn solve(challenge: &str, bits: u8) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| zero_bits(challenge, n) >= u32::from(bits))
        .unwrap_or_default()
}

impl Services {
    /// A fresh challenge, or `None` when the proof of work is switched off.
    pub fn challenge(&self) -> ServiceResult<Option<Challenge>> {
        let p = &self.proofs;
        if !p.settings.enabled {
            return Ok(None);
        }
        let expires_at =
            self.clock.now() + chrono::Duration::minutes(i64::from(p.settings.challenge_minutes));
        let id = hex::encode(secrets::random_bytes::<16>()?);
        let bits = p.settings.difficulty_bits;
        let mac = p.mac(expires_at.timestamp(), bits, &id);
        Ok(Some(Challenge {
            challenge: format!("{}.{bits}.{id}.{mac}", expires_at.timestamp()),
            difficulty_bits: bits,
            expires_at,
        }))
    }

    /// A fresh challenge to offer a client, `None` when proofs of work are off or when one could
    /// not be made (logged: the client then only waits, as without the proof of work).
    pub fn offer_challenge(&self) -> Option<Challenge> {
        self.challenge().unwrap_or_else(|e| {
            tracing::error!(error = ?e, "a proof-of-work challenge could not be made");
            None
        })
    }

    /// Checks an answered challenge (`<challenge>:<nonce>`) and spends it: a validation error on
    /// `proof_of_work` when it is not one of ours, has expired, was used, or the work is short.
    pub async fn redeem_proof(&self, answer: &str) -> ServiceResult<()> {
        let refuse = |key| ServiceError::field("proof_of_work", key);
        if !self.proofs.settings.enabled {
            return Err(refuse("proof_invalid"));
        }
        let (challenge, nonce) = answer
            .trim()
            .rsplit_once(':')
            .ok_or(refuse("proof_invalid"))?;
        let parts: Vec<&str> = challenge.split('.').collect();
        let [expires, bits, id, mac] = parts[..] else {
            return Err(refuse("proof_invalid"));
        };
        let (Ok(expires), Ok(bits)) = (expires.parse::<i64>(), bits.parse::<u8>()) else {
            return Err(refuse("proof_invalid"));
        };
        let signed = secrets::constant_time_eq(
            self.proofs.mac(expires, bits, id).as_bytes(),
            mac.as_bytes(),
        );
        let nonce_ok =
            (1..=32).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
        if !signed || !nonce_ok || zero_bits(challenge, nonce) < u32::from(bits) {
            return Err(refuse("proof_invalid"));
        }
        let expires_at = DateTime::from_timestamp(expires, 0).ok_or(refuse("proof_invalid"))?;
        if expires_at <= self.clock.now() {
            return Err(refuse("proof_expired"));
        }
        let id = id.to_owned();
        let at = crate::db::timestamp(expires_at);
        self.blocking(move |s| {
            let spent = s
                .db
                .write(|conn| -> ServiceResult<bool> { Ok(challenges::spend(conn, &id, at)?) })?;
            match spent {
                true => Ok(()),
                false => Err(refuse("proof_used")),
            }
        })
        .await
    }

    /// Forgets the spent challenges that have expired.
    pub fn purge_spent_challenges(&self) -> ServiceResult<usize> {
        let now = self.now();
        self.db
            .write(|conn| -> ServiceResult<usize> { Ok(challenges::purge(conn, now)?) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_found_has_the_zero_bits_asked_for() {
        let nonce = solve("1700000000.12.abc.def", 12);
        assert!(zero_bits("1700000000.12.abc.def", &nonce) >= 12);
        // The count is the zero bytes' bits plus the first non-zero byte's leading zeros.
        let d = Sha256::digest(b"x:0");
        let first = d.iter().position(|b| *b != 0).unwrap();
        assert_eq!(
            zero_bits("x", "0"),
            first as u32 * 8 + d[first].leading_zeros()
        );
    }
}
