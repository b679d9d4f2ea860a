//! Key material and the primitives that protect a reporter: the identity seal (XChaCha20-Poly1305
//! under a key that is never in the database), the keyed slow hash of receipts (argon2id with the
//! installation's secret), staff password hashes, and the gate that keeps slow hashes from
//! taking every core.
//!
//! Keys come from the settings (64 hex digits) or are generated once into `data_dir/keys/` with
//! owner-only permissions. A short fingerprint of each key is kept in the database so a start
//! with the wrong key stops instead of writing tips nobody can open later.

use crate::config::Settings;
use crate::domain::receipt::Receipt;
use anyhow::{Context, bail};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

const NONCE_LEN: usize = 24;
/// A fixed salt: the receipt hash must be deterministic to be looked up; the secret key (not in
/// the database) is what makes it unguessable.
const RECEIPT_SALT: &[u8] = b"tipline-receipt-v1";

/// Random bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| anyhow::anyhow!("the system random source failed: {e}"))?;
    Ok(buf)
}

/// A fresh receipt from the CSPRNG.
pub fn new_receipt() -> anyhow::Result<Receipt> {
    let mut pool = [0u8; 64];
    let mut i = pool.len();
    let mut failed = None;
    let receipt = Receipt::from_random_bytes(|| {
        if i == pool.len() {
            if let Err(e) = getrandom::fill(&mut pool) {
                failed = Some(e);
            }
            i = 0;
        }
        i += 1;
        pool[i - 1]
    });
    match failed {
        Some(e) => bail!("the system random source failed: {e}"),
        None => Ok(receipt),
    }
}

#[derive(Clone)]
pub struct SecretKey(Arc<Zeroizing<Vec<u8>>>);

impl SecretKey {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// A sub-key for one purpose, so one secret serves several uses without reuse.
    pub fn derive(&self, purpose: &str) -> SecretKey {
        let mut h = Sha256::new();
        h.update(b"tipline derive v1\0");
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(self.bytes());
        SecretKey(Arc::new(Zeroizing::new(h.finalize().to_vec())))
    }

    /// A short, one-way fingerprint, stored in the database to detect a wrong key at start.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"tipline key fingerprint v1\0");
        h.update(self.bytes());
        hex::encode(&h.finalize()[..12])
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The installation's keys.
#[derive(Clone, Debug)]
pub struct Keys {
    pub identity: SecretKey,
    pub receipt: SecretKey,
    pub session: SecretKey,
}

impl Keys {
    pub fn load_or_generate(settings: &Settings) -> anyhow::Result<Keys> {
        let dir = settings.data_dir.join("keys");
        Ok(Keys {
            identity: key("identity_key", settings.identity_key.as_deref(), &dir, 32)?,
            receipt: key("receipt_key", settings.receipt_key.as_deref(), &dir, 32)?,
            session: key("session_key", settings.session_key.as_deref(), &dir, 64)?,
        })
    }

    /// Each key's name and fingerprint, for the database's key check.
    pub fn fingerprints(&self) -> [(&'static str, String); 3] {
        [
            ("identity_key", self.identity.fingerprint()),
            ("receipt_key", self.receipt.fingerprint()),
            ("session_key", self.session.fingerprint()),
        ]
    }
}

fn parse_hex_key(name: &str, text: &str, len: usize) -> anyhow::Result<SecretKey> {
    let bytes = Zeroizing::new(
        hex::decode(text.trim()).with_context(|| format!("{name} is not hexadecimal"))?,
    );
    if bytes.len() != len {
        bail!(
            "{name} must be {} hex digits ({len} bytes), found {} bytes",
            len * 2,
            bytes.len()
        );
    }
    Ok(SecretKey(Arc::new(bytes)))
}

fn key(name: &str, configured: Option<&str>, dir: &Path, len: usize) -> anyhow::Result<SecretKey> {
    if let Some(text) = configured {
        return parse_hex_key(name, text, len);
    }
    let path = dir.join(format!("{name}.hex"));
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_hex_key(&path.display().to_string(), &text, len),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_private_dir(dir)?;
            let mut bytes = Zeroizing::new(vec![0u8; len]);
            getrandom::fill(&mut bytes)
                .map_err(|e| anyhow::anyhow!("the system random source failed: {e}"))?;
            let text = Zeroizing::new(hex::encode(&*bytes));
            write_private_file(&path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            tracing::info!(key = name, path = %path.display(), "generated a new key");
            Ok(SecretKey(Arc::new(bytes)))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(())
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// Seals and opens personal data (identity, payee details) bound to the record it belongs to.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(key: &SecretKey) -> anyhow::Result<Self> {
        let cipher = XChaCha20Poly1305::new_from_slice(key.bytes())
            .map_err(|_| anyhow::anyhow!("identity_key must be 32 bytes"))?;
        Ok(Sealer { cipher })
    }

    /// `context` (e.g. the case number) is authenticated, so a sealed blob copied to another
    /// record does not open there.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> anyhow::Result<Vec<u8>> {
        let nonce_bytes = random_bytes::<NONCE_LEN>()?;
        let nonce = XNonce::from(nonce_bytes);
        let ct = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> anyhow::Result<Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN {
            bail!("sealed data is truncated");
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| anyhow::anyhow!("sealed data does not open with this key"))
    }
}

/// The keyed argon2id hash of receipts and the password hasher, behind a cap on how many run
/// at once (each takes a core and ~19 MiB for ~15 ms).
#[derive(Clone)]
pub struct Hasher {
    receipt_key: SecretKey,
    params: Params,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Hasher {
    pub fn new(receipt_key: SecretKey, settings: &Settings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.hashing.memory_kib,
            settings.hashing.iterations,
            1,
            Some(32),
        )
        .map_err(|e| anyhow::anyhow!("hashing parameters: {e}"))?;
        Ok(Hasher {
            receipt_key,
            params,
            gate: Arc::new(tokio::sync::Semaphore::new(settings.hash_concurrency())),
        })
    }

    /// The lookup key of a receipt (hex). Blocking: call [`Hasher::receipt_hash`] from async code.
    pub fn receipt_hash_blocking(&self, receipt: &Receipt) -> anyhow::Result<String> {
        let argon = Argon2::new_with_secret(
            self.receipt_key.bytes(),
            Algorithm::Argon2id,
            Version::V0x13,
            self.params.clone(),
        )
        .map_err(|e| anyhow::anyhow!("receipt hasher: {e}"))?;
        let mut out = [0u8; 32];
        let digits = Zeroizing::new(receipt.digits());
        argon
            .hash_password_into(digits.as_bytes(), RECEIPT_SALT, &mut out)
            .map_err(|e| anyhow::anyhow!("hashing a receipt: {e}"))?;
        Ok(hex::encode(out))
    }

    /// Runs a slow hash on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        // The permit travels with the work: if the caller goes away, the hash still holds its
        // slot until it is done, so no more than `concurrency` ever run.
        let permit = self
            .gate
            .clone()
            .acquire_owned()
            .await
            .context("the hashing gate is closed")?;
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .context("a hashing task failed")
    }

    pub async fn receipt_hash(&self, receipt: Receipt) -> anyhow::Result<String> {
        let me = self.clone();
        self.run(move || me.receipt_hash_blocking(&receipt)).await?
    }
}

/// A PHC-format argon2id hash of a staff password (OWASP parameters, random salt).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::PasswordHasher;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored hash; `None` (unknown user) still does the same work
/// against a dummy hash, so the answer takes as long either way.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    use argon2::password_hash::PasswordVerifier;
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let target = stored.unwrap_or(dummy);
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), target)
        .is_ok();
    ok && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_key(byte: u8, len: usize) -> SecretKey {
        SecretKey(Arc::new(Zeroizing::new(vec![byte; len])))
    }

    #[test]
    fn a_sealed_identity_opens_only_with_its_key_and_record() {
        let s = Sealer::new(&test_key(7, 32)).unwrap();
        let blob = s
            .seal("王师傅 13812345678".as_bytes(), "HL-2026-000001")
            .unwrap();
        assert!(!blob.windows(3).any(|w| w == "王".as_bytes()));
        assert_eq!(
            &*s.open(&blob, "HL-2026-000001").unwrap(),
            "王师傅 13812345678".as_bytes()
        );
        assert!(s.open(&blob, "HL-2026-000002").is_err());
        assert!(
            Sealer::new(&test_key(8, 32))
                .unwrap()
                .open(&blob, "HL-2026-000001")
                .is_err()
        );
    }

    #[test]
    fn receipt_hashes_are_deterministic_and_keyed() {
        let settings = Settings::default();
        let r = Receipt::parse("1234 5678 9012 3456").unwrap();
        let a = Hasher::new(test_key(1, 32), &settings).unwrap();
        let b = Hasher::new(test_key(2, 32), &settings).unwrap();
        assert_eq!(
            a.receipt_hash_blocking(&r).unwrap(),
            a.receipt_hash_blocking(&r).unwrap()
        );
        assert_ne!(
            a.receipt_hash_blocking(&r).unwrap(),
            b.receipt_hash_blocking(&r).unwrap()
        );
        assert_eq!(a.receipt_hash_blocking(&r).unwrap().len(), 64);
    }

    #[test]
    fn passwords_verify_and_unknown_users_never_do() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(!verify_password("dummy password for timing", None));
    }

    #[test]
    fn configured_keys_must_be_the_right_length() {
        assert!(parse_hex_key("k", &"ab".repeat(32), 32).is_ok());
        assert!(parse_hex_key("k", &"ab".repeat(31), 32).is_err());
        assert!(parse_hex_key("k", "zz", 1).is_err());
    }

    #[test]
    fn generated_keys_are_owner_only_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = key("identity_key", None, &dir.path().join("keys"), 32).unwrap();
        let b = key("identity_key", None, &dir.path().join("keys"), 32).unwrap();
        assert_eq!(a.bytes(), b.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys/identity_key.hex"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
    }
}
