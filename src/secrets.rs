//! Key material and the primitives that protect a reporter: the identity seal (XChaCha20-Poly1305
//! under a key that is never in the database), the keyed slow hash of receipts (argon2id with the
//! installation's secret), staff password hashes, and the fixed pool of hashing threads that
//! keeps slow hashes from taking every core or holding more memory than the pool.
//!
//! Keys come from the settings (64 hex digits) or are generated once into `data_dir/keys/` with
//! owner-only permissions. A short fingerprint of each key is kept in the database so a start
//! with the wrong key stops instead of writing tips nobody can open later.
//!
//! Standard building blocks: sub-keys come from HKDF-SHA-256 ([`SecretKey::derive`]), keyed
//! hashes are HMAC-SHA-256 ([`MacKey`]), secrets are compared in constant time
//! ([`constant_time_eq`]). The first version hashed key‖message with plain SHA-256; what was
//! stored under it must still open or match, so the old constructions stay, named `v1`, only
//! where stored data depends on them:
//! - the identity seal and the receipts' argon2id hash use the configured keys directly, never a
//!   derived one, so they are untouched;
//! - the key fingerprints in the database stay SHA-256 of the key (a fingerprint, not a MAC;
//!   changing it would make every existing installation refuse to start);
//! - audit entries carry the version of their hash: old entries verify under v1, new ones are
//!   written under v2 (`services::audit`);
//! - keyed hashes of phone numbers and payee accounts are matched against stored ones for years,
//!   and the values behind them cannot be recomputed without opening every sealed record, so an
//!   installation that already stored some keeps v1 and one that has none takes v2; the choice
//!   is recorded in the database once ([`KeyedHasher`], `db::keyed_hash_scheme`);
//! - session hashes live for an idle timeout, so they simply switch to HMAC: upgrading signs
//!   staff out once.

use crate::config::Settings;
use crate::domain::receipt::Receipt;
use anyhow::{Context, bail};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
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
/// The salt of every HKDF extraction. Fixed, as RFC 5869 allows: the input keys are already
/// uniformly random, and the purpose goes into the `info`.
const HKDF_SALT: &[u8] = b"tipline hkdf v2";

type HmacSha256 = Hmac<Sha256>;

/// Whether two secrets (CSRF tokens, API keys) are equal, in time that depends only on their
/// lengths, so an attacker cannot find a token byte by byte from response times.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// Whether `sent` is one of `keys`; every key is compared, in constant time.
pub fn matches_any(keys: &[SecretString], sent: &str) -> bool {
    keys.iter().fold(false, |found, k| {
        found | constant_time_eq(k.expose_secret().as_bytes(), sent.as_bytes())
    })
}

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

    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: &[u8]) -> SecretKey {
        SecretKey(Arc::new(Zeroizing::new(bytes.to_vec())))
    }

    /// A 32-byte sub-key for one purpose (HKDF-SHA-256 with `purpose` as the info), so one
    /// secret serves several uses without reuse.
    pub fn derive(&self, purpose: &str) -> anyhow::Result<SecretKey> {
        let mut okm = Zeroizing::new(vec![0u8; 32]);
        Hkdf::<Sha256>::new(Some(HKDF_SALT), self.bytes())
            .expand(purpose.as_bytes(), &mut okm)
            .map_err(|e| anyhow::anyhow!("deriving the {purpose} key: {e}"))?;
        Ok(SecretKey(Arc::new(okm)))
    }

    /// A 32-byte key for one purpose from secret material the caller holds only for a moment
    /// (HKDF-SHA-256): e.g. the receipt of a replayed submission is sealed under a key derived
    /// from its submission key, which is never stored.
    pub fn from_material(material: &[u8], purpose: &str) -> anyhow::Result<SecretKey> {
        SecretKey(Arc::new(Zeroizing::new(material.to_vec()))).derive(purpose)
    }

    /// The first derivation: SHA-256 over a label, the purpose and the key. Kept only for what
    /// was stored under it (version 1 audit entries and keyed hashes); new uses take
    /// [`SecretKey::derive`].
    pub fn derive_v1(&self, purpose: &str) -> SecretKey {
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

/// An HMAC-SHA-256 key, prepared once (at start, where a failure may stop the program), so
/// computing a MAC on a request path cannot fail.
#[derive(Clone)]
pub struct MacKey(HmacSha256);

impl MacKey {
    pub fn new(key: &SecretKey) -> anyhow::Result<MacKey> {
        <HmacSha256 as hmac::KeyInit>::new_from_slice(key.bytes())
            .map(MacKey)
            .map_err(|e| anyhow::anyhow!("an HMAC key: {e}"))
    }

    /// The MAC (hex) of `parts`, each preceded by its length, so that no two different lists of
    /// parts feed the same bytes.
    pub fn tag_hex(&self, parts: &[&[u8]]) -> String {
        let mut m = self.0.clone();
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        hex::encode(m.finalize().into_bytes())
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(<redacted>)")
    }
}

/// Which keyed hash an installation uses for personal values it matches without storing them
/// (phone numbers, payee accounts). Decided once per database (`db::keyed_hash_scheme`): a
/// stored hash only matches one made the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyedHashScheme {
    /// SHA-256 over a per-purpose sub-key and the value: installations that stored such hashes
    /// before version 2.
    V1,
    /// HMAC-SHA-256 under an HKDF sub-key, over the purpose and the value.
    V2,
}

impl KeyedHashScheme {
    pub fn number(self) -> i32 {
        match self {
            KeyedHashScheme::V1 => 1,
            KeyedHashScheme::V2 => 2,
        }
    }

    pub fn from_number(n: i32) -> Option<Self> {
        match n {
            1 => Some(KeyedHashScheme::V1),
            2 => Some(KeyedHashScheme::V2),
            _ => None,
        }
    }
}

/// Keyed one-way hashes of personal values: the same value gives the same hash in this
/// installation only.
#[derive(Clone, Debug)]
pub enum KeyedHasher {
    /// The chain key of version 1 audit entries; each purpose derives its own sub-key from it.
    V1(SecretKey),
    V2(MacKey),
}

impl KeyedHasher {
    pub fn new(identity: &SecretKey, scheme: KeyedHashScheme) -> anyhow::Result<Self> {
        Ok(match scheme {
            KeyedHashScheme::V1 => KeyedHasher::V1(identity.derive_v1("tipline audit chain v1")),
            KeyedHashScheme::V2 => {
                KeyedHasher::V2(MacKey::new(&identity.derive("tipline keyed hash v2")?)?)
            }
        })
    }

    /// The hash (hex) of `value` (trimmed) for one purpose (`reporter`, `payee-phone`, …).
    pub fn hash(&self, purpose: &str, value: &str) -> String {
        let value = value.trim();
        match self {
            KeyedHasher::V1(key) => {
                let key = key.derive_v1(purpose);
                let mut h = Sha256::new();
                h.update(key.bytes());
                h.update(value.as_bytes());
                hex::encode(h.finalize())
            }
            KeyedHasher::V2(mac) => mac.tag_hex(&[purpose.as_bytes(), value.as_bytes()]),
        }
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
            identity: key("identity_key", configured(&settings.identity_key), &dir, 32)?,
            receipt: key("receipt_key", configured(&settings.receipt_key), &dir, 32)?,
            session: key("session_key", configured(&settings.session_key), &dir, 64)?,
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

fn configured(key: &Option<SecretString>) -> Option<&str> {
    key.as_ref().map(|k| k.expose_secret())
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

/// Files the service writes are its owner's alone (0600, directories 0700): from now on through the
/// process's umask (SQLite's database, journal and WAL files, the mail outbox's `.eml` files,
/// keys), and the ones an earlier version left readable (the SQLite files, `data_dir`, the
/// outbox folder) are restricted now.
pub fn make_files_private(data_dir: &Path, sqlite: Option<&Path>) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
        unsafe {
            libc::umask(0o077);
        }
        let restrict = |path: &Path, mode: u32| -> anyhow::Result<()> {
            match std::fs::metadata(path) {
                Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                        .with_context(|| format!("restricting {}", path.display()))
                }
                _ => Ok(()),
            }
        };
        restrict(data_dir, 0o700)?;
        restrict(&data_dir.join("outbox"), 0o700)?;
        if let Some(db) = sqlite {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = db.as_os_str().to_owned();
                name.push(suffix);
                restrict(Path::new(&name), 0o600)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (data_dir, sqlite);
    Ok(())
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

/// The keyed argon2id hash of receipts and the password hasher, on a fixed pool of hashing
/// threads (each hash takes a core and ~19 MiB for ~15 ms).
///
/// Each thread owns the argon2 memory of a receipt hash and reuses it, so the memory slow hashes
/// hold is the pool's size times 19 MiB, allocated once, whatever the load: on the runtime's
/// blocking pool every thread that ever ran a hash kept its own allocator arena of it (20
/// concurrent look-ups took a fresh instance from 78 to 196 MB resident, for good). Work
/// waits in the pool's queue (the "hashing gate"; `/metrics` shows its waiters) instead of
/// taking a blocking thread.
#[derive(Clone)]
pub struct Hasher {
    receipt_key: SecretKey,
    params: Params,
    pool: Arc<HashPool>,
}

/// A job for a hashing thread, given the thread's argon2 memory.
type HashJob = Box<dyn FnOnce(&mut [argon2::Block]) + Send>;

/// The hashing threads and their queue.
struct HashPool {
    queue: std::sync::mpsc::Sender<HashJob>,
}

impl HashPool {
    fn start(threads: usize, blocks: usize) -> anyhow::Result<HashPool> {
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("tipline-hash-{i}"))
                .spawn(move || {
                    let mut memory = vec![argon2::Block::new(); blocks];
                    loop {
                        // The lock is held only to take the next job; the queue ends when every
                        // Hasher is gone.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                })
                .context("starting a hashing thread")?;
        }
        Ok(HashPool { queue: tx })
    }
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
        let pool = HashPool::start(settings.hash_concurrency(), params.block_count())?;
        Ok(Hasher {
            receipt_key,
            params,
            pool: Arc::new(pool),
        })
    }

    fn receipt_argon(&self) -> anyhow::Result<Argon2<'_>> {
        Argon2::new_with_secret(
            self.receipt_key.bytes(),
            Algorithm::Argon2id,
            Version::V0x13,
            self.params.clone(),
        )
        .map_err(|e| anyhow::anyhow!("receipt hasher: {e}"))
    }

    /// The lookup key of a receipt (hex), in `memory` (at least the parameters' block count).
    fn receipt_hash_in(
        &self,
        receipt: &Receipt,
        memory: &mut [argon2::Block],
    ) -> anyhow::Result<String> {
        let mut out = [0u8; 32];
        let digits = Zeroizing::new(receipt.digits());
        let memory = memory
            .get_mut(..self.params.block_count())
            .context("the hashing memory is smaller than the parameters")?;
        self.receipt_argon()?
            .hash_password_into_with_memory(digits.as_bytes(), RECEIPT_SALT, &mut out, memory)
            .map_err(|e| anyhow::anyhow!("hashing a receipt: {e}"))?;
        Ok(hex::encode(out))
    }

    /// The lookup key of a receipt (hex), with memory of its own. Blocking, for the CLI and the
    /// demo: call [`Hasher::receipt_hash`] from async code.
    pub fn receipt_hash_blocking(&self, receipt: &Receipt) -> anyhow::Result<String> {
        let mut memory = vec![argon2::Block::new(); self.params.block_count()];
        self.receipt_hash_in(receipt, &mut memory)
    }

    /// Runs a slow hash on a hashing thread, with that thread's argon2 memory.
    async fn run_in<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut [argon2::Block]) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        use crate::metrics::METRICS;
        use std::sync::atomic::Ordering::Relaxed;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queued = std::time::Instant::now();
        METRICS.hash_waiting.fetch_add(1, Relaxed);
        let job: HashJob = Box::new(move |memory| {
            METRICS.hash_waiting.fetch_sub(1, Relaxed);
            METRICS.hash_wait.observe(queued.elapsed());
            METRICS.hash_running.fetch_add(1, Relaxed);
            // If the caller went away, the hash is still done (and its result dropped): the
            // thread is busy either way, so no more than the pool's size ever run.
            let _ = tx.send(f(memory));
            METRICS.hash_running.fetch_sub(1, Relaxed);
        });
        if self.pool.queue.send(job).is_err() {
            METRICS.hash_waiting.fetch_sub(1, Relaxed);
            bail!("the hashing threads are gone");
        }
        rx.await.context("a hashing task failed")
    }

    /// Runs a slow hash (a password's) on a hashing thread.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        self.run_in(move |_| f()).await
    }

    pub async fn receipt_hash(&self, receipt: Receipt) -> anyhow::Result<String> {
        let me = self.clone();
        self.run_in(move |memory| me.receipt_hash_in(&receipt, memory))
            .await?
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
    fn constant_time_eq_is_plain_equality() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
        assert!(constant_time_eq(b"", b""));
        let keys = [SecretString::from("k-1"), SecretString::from("k-22")];
        assert!(matches_any(&keys, "k-22"));
        assert!(!matches_any(&keys, "k-2"));
        assert!(!matches_any(&[], "k-1"));
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_from_version_1() {
        let k = test_key(7, 32);
        let a = k.derive("a").unwrap();
        assert_eq!(a.bytes().len(), 32);
        assert_eq!(a.bytes(), k.derive("a").unwrap().bytes());
        assert_ne!(a.bytes(), k.derive("b").unwrap().bytes());
        assert_ne!(a.bytes(), k.derive_v1("a").bytes());
    }

    #[test]
    fn version_1_keyed_hashes_are_the_ones_stored_before_version_2() {
        // Computed with the version 1 code for identity key 07…07: existing installations keep
        // matching what they stored.
        let v1 = KeyedHasher::new(&test_key(7, 32), KeyedHashScheme::V1).unwrap();
        assert_eq!(
            v1.hash("reporter", " 13812345678 "),
            "3dd491f81c1943151aff4e8eda92e63c10c9aa4580d8c0f803921dc317fa2867"
        );
        assert_eq!(
            v1.hash("payee-phone", "13812345678"),
            "ea8906f22e1523c5b356571fe974aed887776a1d394f94e2bb1e6c944dd7169c"
        );
    }

    #[test]
    fn version_2_keyed_hashes_are_keyed_trimmed_and_separate_purposes() {
        let v2 = KeyedHasher::new(&test_key(7, 32), KeyedHashScheme::V2).unwrap();
        let other = KeyedHasher::new(&test_key(8, 32), KeyedHashScheme::V2).unwrap();
        let v1 = KeyedHasher::new(&test_key(7, 32), KeyedHashScheme::V1).unwrap();
        let h = v2.hash("payee-phone", "13812345678");
        assert_eq!(h.len(), 64);
        assert_eq!(h, v2.hash("payee-phone", " 13812345678\n"));
        assert_ne!(h, v2.hash("reporter", "13812345678"));
        assert_ne!(h, other.hash("payee-phone", "13812345678"));
        assert_ne!(h, v1.hash("payee-phone", "13812345678"));
        for n in [1, 2] {
            assert_eq!(KeyedHashScheme::from_number(n).map(|s| s.number()), Some(n));
        }
        assert_eq!(KeyedHashScheme::from_number(3), None);
    }

    #[test]
    fn hmac_is_hmac_sha256() {
        // RFC 4231, test case 2 (a single part is fed after its length, so compare through
        // the raw construction here).
        let mut m = <HmacSha256 as hmac::KeyInit>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let key = MacKey::new(&test_key(1, 64)).unwrap();
        assert_ne!(key.tag_hex(&[b"ab", b"c"]), key.tag_hex(&[b"a", b"bc"]));
        assert_eq!(format!("{key:?}"), "MacKey(<redacted>)");
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
