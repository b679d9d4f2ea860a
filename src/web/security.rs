//! What protects the service and its users at the HTTP edge: the client address (believing
//! `X-Forwarded-For` only from trusted proxies), rate limits kept in memory only, and an access
//! log that records method, path, status and time, never a query string, a body or an address.

use super::error::ApiError;
use super::i18n::Lang;
use crate::config::{Quota as QuotaSetting, Settings, SigninSettings};
use crate::secrets::{self, MacKey, SecretKey};
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{NotUntil, Quota, RateLimiter};
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The address a request came from: the peer, or, when the peer is a trusted proxy, the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy. An entry that
/// cannot be read stops the walk (nothing to its left can be believed) and the peer is used.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_canonical())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(&peer) {
        return peer;
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in entries.iter().rev() {
        match forwarded_address(entry) {
            Some(ip) if trusted.contains(&ip) => continue,
            Some(ip) => return ip,
            None => return peer,
        }
    }
    peer
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Some(rest) = e.strip_prefix('[') {
        return rest
            .split(']')
            .next()?
            .parse::<IpAddr>()
            .ok()
            .map(|ip| ip.to_canonical());
    }
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let (host, port) = e.rsplit_once(':')?;
    (!port.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
        .then(|| host.parse::<Ipv4Addr>().ok().map(IpAddr::V4))
        .flatten()
}

/// The rate-limit key of an address: IPv4 as it is, IPv6 by its /64 (one subscriber's network),
/// so a single host cannot take a fresh key per address.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(std::net::Ipv6Addr::from(seg))
        }
        v4 => v4,
    }
}

type Keyed<K> = RateLimiter<K, governor::state::keyed::DefaultKeyedStateStore<K>, DefaultClock>;

fn quota(q: QuotaSetting) -> Quota {
    let one = NonZeroU32::MIN;
    let period = Duration::from_secs(q.per_seconds) / q.count.max(1);
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(one))
        .allow_burst(NonZeroU32::new(q.burst).unwrap_or(one))
}

/// How many whole seconds a refused request must wait (rounded up).
fn seconds(refused: NotUntil<<DefaultClock as Clock>::Instant>) -> u64 {
    whole_seconds(refused.wait_time_from(DefaultClock::default().now()))
}

fn forget_replenished<K: Hash + Eq + Clone>(limiter: &Keyed<K>) {
    limiter.retain_recent();
    limiter.shrink_to_fit();
}

/// Which limit a request counts against through [`Limiters::check`].
#[derive(Debug, Clone, Copy)]
pub enum Bucket {
    /// Receipt look-ups and reporter messages, per address.
    Lookup,
}

/// A rate that can give back what it counted (the generic cell rate algorithm: each key holds
/// the time its counts are paid off; `burst` counts may be owed at once, one more is paid off
/// every `interval`). Tip submissions use it so that a refused form does not count.
struct Rate<K> {
    interval: Duration,
    /// How far ahead of now a key may owe before it waits: `burst − 1` intervals.
    tolerance: Duration,
    owed: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> Rate<K> {
    fn new(q: QuotaSetting) -> Self {
        let interval =
            (Duration::from_secs(q.per_seconds) / q.count.max(1)).max(Duration::from_nanos(1));
        Rate {
            interval,
            tolerance: interval * q.burst.max(1).saturating_sub(1),
            owed: Mutex::new(HashMap::new()),
        }
    }

    /// How long `key` must wait before one more count, `None` when it need not.
    fn wait(&self, key: &K) -> Option<Duration> {
        let now = Instant::now();
        let paid_off = lock(&self.owed).get(key).copied()?.max(now);
        (paid_off - now)
            .checked_sub(self.tolerance)
            .filter(|w| !w.is_zero())
    }

    /// Counts one for `key`, or says how long it must wait first.
    fn take(&self, key: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut owed = lock(&self.owed);
        let paid_off = owed.get(key).copied().unwrap_or(now).max(now);
        if let Some(wait) = (paid_off - now).checked_sub(self.tolerance)
            && !wait.is_zero()
        {
            return Err(wait);
        }
        owed.insert(key.clone(), paid_off + self.interval);
        Ok(())
    }

    /// Gives back one count of `key`.
    fn give_back(&self, key: &K) {
        let now = Instant::now();
        let mut owed = lock(&self.owed);
        if let Some(at) = owed.get_mut(key) {
            match at.checked_sub(self.interval).filter(|t| *t > now) {
                Some(earlier) => *at = earlier,
                None => {
                    owed.remove(key);
                }
            }
        }
    }

    /// Forgets the keys that owe nothing any more.
    fn prune(&self) {
        let now = Instant::now();
        lock(&self.owed).retain(|_, at| *at > now);
    }

    fn len(&self) -> usize {
        lock(&self.owed).len()
    }
}

/// Whole seconds of a wait (rounded up, at least one).
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The limits of tip submissions: accepted ones per address and for the instance, and refused
/// ones per address in a looser bucket of their own (so a resident correcting mistakes is not
/// locked out, while a flood of invalid forms still is).
struct SubmissionLimits {
    accepted: Rate<IpAddr>,
    instance: Rate<()>,
    refused: Rate<IpAddr>,
}

/// Why a submission must wait, and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Whole seconds (the `Retry-After` header).
    pub seconds: u64,
    /// The address is past its burst of accepted submissions: a solved proof of work lets it
    /// submit now. Refused forms and the instance-wide limit cannot be passed that way.
    pub provable: bool,
}

impl Wait {
    fn hard(wait: Duration) -> Wait {
        Wait {
            seconds: whole_seconds(wait),
            provable: false,
        }
    }
}

/// A submission let through: counted against the accepted limits until it ends. Unless
/// [`Slot::accepted`] is called (the tip was stored), dropping it gives the counts back and
/// counts a refused form instead.
pub struct Slot {
    held: Option<(Arc<SubmissionLimits>, IpAddr, bool)>,
}

impl Slot {
    /// The tip was stored: the counts stay.
    pub fn accepted(mut self) {
        self.held = None;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((limits, key, by_address)) = self.held.take() {
            if by_address {
                limits.accepted.give_back(&key);
            }
            limits.instance.give_back(&());
            let _ = limits.refused.take(&key);
        }
    }
}

/// The instance's rate limiters. Counters are in memory only (nothing about a reporter's
/// address is written anywhere) and pruned every minute.
pub struct Limiters {
    enabled: bool,
    submission: Arc<SubmissionLimits>,
    lookup: Keyed<IpAddr>,
    pub signin_address: Keyed<IpAddr>,
    signin: SigninGuard,
}

impl Limiters {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let q = &settings.quotas;
        Ok(Limiters {
            enabled: settings.rate_limits,
            submission: Arc::new(SubmissionLimits {
                accepted: Rate::new(q.submission),
                instance: Rate::new(q.submission_instance),
                refused: Rate::new(q.submission_refused),
            }),
            lookup: RateLimiter::keyed(quota(q.lookup)),
            signin_address: RateLimiter::keyed(quota(q.signin_address)),
            signin: SigninGuard::new(settings.signin.clone(), settings.crypto_suite)?,
        })
    }

    /// Counts a request; `Err(seconds)` when it must wait.
    pub fn check(&self, bucket: Bucket, ip: IpAddr) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let ip = limit_key(ip);
        match bucket {
            Bucket::Lookup => self.lookup.check_key(&ip).map_err(seconds),
        }
    }

    /// Like [`Limiters::check`], as the API's 429.
    pub fn check_api(
        &self,
        bucket: Bucket,
        req: &HttpRequest,
        trusted: &[IpAddr],
        lang: Lang,
    ) -> Result<(), ApiError> {
        self.check(bucket, client_ip(req, trusted))
            .map_err(|s| ApiError::rate_limited(lang, s))
    }

    /// Lets a tip submission from `ip` through (a [`Slot`], counted as accepted until it is
    /// dropped unaccepted), or says how long it must wait: while the address has used up its
    /// refused forms, its accepted submissions, or the instance its own.
    pub fn submission(&self, ip: IpAddr) -> Result<Slot, Wait> {
        self.submit(ip, false)
    }

    /// A submission from an address past its burst that solved a proof of work: only its
    /// refused forms and the instance-wide limit count.
    pub fn proven_submission(&self, ip: IpAddr) -> Result<Slot, Wait> {
        self.submit(ip, true)
    }

    fn submit(&self, ip: IpAddr, proven: bool) -> Result<Slot, Wait> {
        if !self.enabled {
            return Ok(Slot { held: None });
        }
        let key = limit_key(ip);
        let limits = &self.submission;
        if let Some(wait) = limits.refused.wait(&key) {
            return Err(Wait::hard(wait));
        }
        let by_address = match proven {
            true => false,
            false => {
                limits.accepted.take(&key).map_err(|wait| Wait {
                    seconds: whole_seconds(wait),
                    provable: true,
                })?;
                true
            }
        };
        if let Err(wait) = limits.instance.take(&()) {
            if by_address {
                limits.accepted.give_back(&key);
            }
            return Err(Wait::hard(wait));
        }
        Ok(Slot {
            held: Some((limits.clone(), key, by_address)),
        })
    }

    /// Whether `ip` is past its burst of accepted submissions now (its next form needs a proof
    /// of work to go through at once).
    pub fn past_submission_burst(&self, ip: IpAddr) -> bool {
        self.enabled && self.submission.accepted.wait(&limit_key(ip)).is_some()
    }

    /// Counts a staff sign-in against its address (`Err(seconds)` when that address must wait),
    /// then says how long the attempt waits for the username tried: nothing from an address
    /// that signed in to that account before, or while the username is not under pressure;
    /// otherwise a wait that grows with each attempt. A username is never refused, so nobody
    /// can lock an account out by failing on purpose.
    pub fn check_signin(&self, ip: IpAddr, username: &str) -> Result<SigninAttempt, u64> {
        if !self.enabled {
            return Ok(SigninAttempt::untracked());
        }
        self.signin_address
            .check_key(&limit_key(ip))
            .map_err(seconds)?;
        Ok(self.signin.begin(ip, username))
    }

    /// Counts how an attempt ended; `Some` the first time in its window that the username's
    /// failures reach the limit, for the audit log.
    pub fn finish_signin(&self, attempt: &SigninAttempt, outcome: Outcome) -> Option<Pressure> {
        self.signin.finish(attempt, outcome)
    }

    /// Forgets addresses whose limits have fully replenished, and usernames whose window ended.
    pub fn prune(&self) {
        for by_address in [&self.lookup, &self.signin_address] {
            forget_replenished(by_address);
        }
        let limits = &self.submission;
        limits.accepted.prune();
        limits.refused.prune();
        limits.instance.prune();
        self.signin.prune();
    }

    /// Number of addresses and usernames currently remembered (for tests and metrics).
    pub fn tracked_keys(&self) -> usize {
        self.submission.accepted.len()
            + self.submission.refused.len()
            + self.lookup.len()
            + self.signin_address.len()
            + self.signin.tracked()
    }
}

/// A tip submission that must wait: how long, and the challenge that would let it through now
/// (when the address is past its burst and proofs of work are on).
pub struct Refusal {
    pub wait: Wait,
    pub challenge: Option<crate::services::proof::Challenge>,
}

impl Refusal {
    /// The API's 429, with the challenge in its body.
    pub fn api(self, lang: Lang) -> ApiError {
        ApiError {
            proof_of_work: self.challenge,
            ..ApiError::rate_limited(lang, self.wait.seconds)
        }
    }
}

/// Lets a tip submission from `ip` through: under the limits, or past its address's burst with
/// an answered challenge (`answer`, spent here). Otherwise the wait, with a fresh challenge when
/// one would help.
pub async fn submission_slot(
    state: &super::AppState,
    ip: IpAddr,
    answer: Option<&str>,
) -> Result<Slot, Refusal> {
    match state.limiters.submission(ip) {
        Ok(slot) => Ok(slot),
        Err(wait) => proven_slot(state, ip, wait, answer).await,
    }
}

/// A submission that had to `wait`: let through by an answered challenge when the wait is the
/// address's burst, else refused with a fresh challenge when one would help.
pub async fn proven_slot(
    state: &super::AppState,
    ip: IpAddr,
    wait: Wait,
    answer: Option<&str>,
) -> Result<Slot, Refusal> {
    let services = &state.services;
    if !wait.provable || !services.proofs.settings.enabled {
        return Err(Refusal {
            wait,
            challenge: None,
        });
    }
    if let Some(answer) = answer.filter(|a| !a.trim().is_empty()) {
        match services.redeem_proof(answer).await {
            Ok(()) => {
                return state
                    .limiters
                    .proven_submission(ip)
                    .map_err(|wait| Refusal {
                        wait,
                        challenge: None,
                    });
            }
            Err(e) => tracing::debug!(error = ?e, "a proof of work was refused"),
        }
    }
    let challenge = services.offer_challenge();
    Err(Refusal { wait, challenge })
}

/// How a sign-in attempt ended, as the sign-in limit counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    SignedIn,
    /// A wrong username, password or second factor.
    Failed,
    /// Anything else (the database failed): not counted.
    Other,
}

/// One sign-in attempt as the limit saw it: how long it waits before the password is checked.
#[derive(Debug)]
pub struct SigninAttempt {
    /// `None` when rate limits are off.
    tracked: Option<Tracked>,
    pub delay: Duration,
}

#[derive(Debug)]
struct Tracked {
    username: String,
    /// Keyed hashes of the address (its limit key) and of its /24 (IPv4) or /64 (IPv6).
    address: String,
    network: String,
    window: Instant,
}

impl SigninAttempt {
    fn untracked() -> SigninAttempt {
        SigninAttempt {
            tracked: None,
            delay: Duration::ZERO,
        }
    }

    /// The wait in whole milliseconds (the `X-Sign-In-Delay` header).
    pub fn delay_ms(&self) -> u64 {
        self.delay.as_millis() as u64
    }

    /// Waits without holding a worker.
    pub async fn wait(&self) {
        if !self.delay.is_zero() {
            actix_web::rt::time::sleep(self.delay).await;
        }
    }
}

/// A username under sign-in pressure, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pressure {
    pub username: String,
    pub failures: u32,
    pub addresses: usize,
    pub window_minutes: u64,
}

/// One username's attempts within its current window.
struct Window {
    started: Instant,
    failures: u32,
    /// Attempts that began and have not ended yet (so parallel attempts wait too).
    in_flight: u32,
    addresses: HashSet<String>,
    reported: bool,
}

impl Window {
    fn new(started: Instant) -> Window {
        Window {
            started,
            failures: 0,
            in_flight: 0,
            addresses: HashSet::new(),
            reported: false,
        }
    }
}

/// How many networks a username remembers as its usual ones.
const KNOWN_NETWORKS: usize = 8;
/// The longest username kept as a key.
const USERNAME_CHARS: usize = 64;

/// The per-username part of the sign-in limit, in memory only: the failures of each username
/// in its window, and, per account, the keyed hashes of the networks it signed in from lately
/// (never an address in clear; the key is random and lives as long as the process).
struct SigninGuard {
    key: MacKey,
    settings: SigninSettings,
    windows: Mutex<HashMap<String, Window>>,
    known: Mutex<HashMap<String, VecDeque<String>>>,
}

impl SigninGuard {
    fn new(settings: SigninSettings, suite: secrets::CryptoSuite) -> anyhow::Result<SigninGuard> {
        let material = zeroize::Zeroizing::new(secrets::random_bytes::<32>()?);
        let key = SecretKey::from_material(&*material, "sign-in networks", suite)?;
        Ok(SigninGuard {
            key: MacKey::new(&key)?,
            settings,
            windows: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
        })
    }

    fn window_length(&self) -> Duration {
        Duration::from_secs(self.settings.window_seconds)
    }

    fn begin(&self, ip: IpAddr, username: &str) -> SigninAttempt {
        let username: String = username
            .trim()
            .to_lowercase()
            .chars()
            .take(USERNAME_CHARS)
            .collect();
        let ip = limit_key(ip);
        let address = self.key.tag_hex(&[b"address", ip.to_string().as_bytes()]);
        let network = self.key.tag_hex(&[b"network", &network_prefix(ip)]);
        let usual = lock(&self.known)
            .get(&username)
            .is_some_and(|nets| nets.contains(&network));
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let length = self.window_length();
        let w = windows
            .entry(username.clone())
            .or_insert_with(|| Window::new(now));
        if now.duration_since(w.started) > length {
            *w = Window::new(now);
        }
        let delay = match usual {
            true => Duration::ZERO,
            false => {
                let n = w.failures + w.in_flight;
                w.in_flight += 1;
                delay_for(&self.settings, n)
            }
        };
        SigninAttempt {
            tracked: Some(Tracked {
                username,
                address,
                network,
                window: w.started,
            }),
            delay,
        }
    }

    fn finish(&self, attempt: &SigninAttempt, outcome: Outcome) -> Option<Pressure> {
        let t = attempt.tracked.as_ref()?;
        if outcome == Outcome::SignedIn {
            self.remember(t);
        }
        let mut windows = lock(&self.windows);
        // The window may have ended (and been pruned, or another begun) while this one waited:
        // its failure then counts in the window there is now.
        let w = windows
            .entry(t.username.clone())
            .or_insert_with(|| Window::new(Instant::now()));
        if w.started == t.window {
            w.in_flight = w.in_flight.saturating_sub(1);
        }
        if outcome != Outcome::Failed {
            return None;
        }
        w.failures += 1;
        w.addresses.insert(t.address.clone());
        if w.reported || w.failures < self.settings.slow_after {
            return None;
        }
        w.reported = true;
        Some(Pressure {
            username: t.username.clone(),
            failures: w.failures,
            addresses: w.addresses.len(),
            window_minutes: self.settings.window_seconds.div_ceil(60),
        })
    }

    /// A successful sign-in makes its network a usual one for the account.
    fn remember(&self, t: &Tracked) {
        let mut known = lock(&self.known);
        let nets = known.entry(t.username.clone()).or_default();
        nets.retain(|n| n != &t.network);
        nets.push_front(t.network.clone());
        nets.truncate(KNOWN_NETWORKS);
    }

    fn prune(&self) {
        let length = self.window_length();
        // An attempt still waiting counts in the window there is when it ends; one whose client
        // went away never ends, so `in_flight` alone must not keep a window.
        lock(&self.windows).retain(|_, w| w.started.elapsed() <= length);
    }

    fn tracked(&self) -> usize {
        lock(&self.windows).len()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The network an address belongs to: its /24 (IPv4) or /64 (IPv6).
fn network_prefix(ip: IpAddr) -> Vec<u8> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.octets()[..3].to_vec(),
        IpAddr::V6(v6) => v6.octets()[..8].to_vec(),
    }
}

/// The wait of an attempt that comes after `n` others in the window: nothing up to the limit,
/// then the base, doubled for each further attempt, up to the most.
fn delay_for(s: &SigninSettings, n: u32) -> Duration {
    let Some(over) = n.checked_sub(s.slow_after) else {
        return Duration::ZERO;
    };
    let ms = s
        .delay_base_ms
        .saturating_mul(1u64 << over.min(32))
        .min(s.delay_max_ms);
    Duration::from_millis(ms)
}

/// The access log line: method, path without its query string, status, milliseconds.
pub fn log_access(method: &str, path: &str, status: u16, started: Instant) {
    tracing::info!(target: "tipline::access", method, path, status, ms = started.elapsed().as_millis() as u64, "request");
}

/// Refuses a NUL character in any text a request carries (the path, the query, a JSON or form
/// body) with 422 before a handler sees it: PostgreSQL cannot store one, and no person types one.
/// Multipart bodies (photos) are left to their own checks. A JSON or form body over the JSON limit
/// answers 413 here, as its extractor would.
pub async fn reject_nul(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::StatusCode;
    let uri = req.uri();
    let mut refused = has_encoded_nul(uri.path().as_bytes())
        || uri.query().is_some_and(|q| has_encoded_nul(q.as_bytes()));
    let mut fields = Vec::new();
    let kind = body_kind(req.headers());
    if !refused && kind != BodyKind::Other {
        let limit = req
            .app_data::<actix_web::web::Data<super::AppState>>()
            .map_or(1 << 20, |s| s.json_limit);
        let mut payload = actix_web::HttpMessage::take_payload(&mut req);
        let mut body = actix_web::web::BytesMut::new();
        while let Some(chunk) = futures_util::StreamExt::next(&mut payload).await {
            body.extend_from_slice(&chunk?);
            if body.len() > limit {
                return Ok(refuse(req, StatusCode::PAYLOAD_TOO_LARGE));
            }
        }
        refused = match kind {
            BodyKind::Json => {
                fields = json_fields_with_nul(&body);
                !fields.is_empty()
            }
            _ => has_encoded_nul(&body),
        };
        req.set_payload(actix_web::dev::Payload::from(body.freeze()));
    }
    if refused {
        let res = refuse(req, StatusCode::UNPROCESSABLE_ENTITY);
        return Ok(with_field_errors(res, &fields));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(headers: &actix_web::http::header::HeaderMap) -> BodyKind {
    let ct = headers
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/json") {
        BodyKind::Json
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

/// `%00` (percent-encoded NUL) or a raw NUL byte.
fn has_encoded_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w == b"%00")
}

/// The fields of a JSON body that hold a NUL, named as the services name theirs (`note`,
/// `narrative.problems`; an array by its own name); a body that is not JSON is left to the
/// extractor, which answers 400.
fn json_fields_with_nul(body: &[u8]) -> Vec<String> {
    fn has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(has_nul),
            serde_json::Value::Object(map) => {
                map.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
            }
            _ => false,
        }
    }
    fn walk(path: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => out.push(path.to_owned()),
            serde_json::Value::Array(items) if items.iter().any(has_nul) => {
                out.push(path.to_owned())
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let name = k.replace('\0', "");
                    let name = match path.is_empty() {
                        true => name,
                        false => format!("{path}.{name}"),
                    };
                    if k.contains('\0') {
                        out.push(name);
                    } else {
                        walk(&name, v, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        walk("", &v, &mut out);
    }
    out
}

/// An API refusal names each field that held a NUL, as the services name theirs.
fn with_field_errors(
    res: actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
    fields: &[String],
) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
    let api = super::is_api(res.request());
    let named: Vec<&String> = fields.iter().filter(|f| !f.is_empty()).collect();
    if !api || named.is_empty() {
        return res;
    }
    let lang = Lang::from_request(res.request());
    let said = lang.field("nul_character", &[]);
    let body = serde_json::json!({
        "error": "validation",
        "message": lang.t("error-nul_character"),
        "fields": named
            .into_iter()
            .map(|f| (f.clone(), serde_json::json!([said])))
            .collect::<serde_json::Map<_, _>>(),
    });
    res.map_body(|_, _| actix_web::body::BoxBody::new(body.to_string()))
}

/// The refusal, in the API's JSON or as the error page.
fn refuse(
    req: actix_web::dev::ServiceRequest,
    status: actix_web::http::StatusCode,
) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
    use super::error::Code;
    use actix_web::ResponseError;
    let (req, _) = req.into_parts();
    let lang = Lang::from_request(&req);
    let (code, key) = match status {
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE => (Code::TooLarge, "error-too_large"),
        _ => (Code::Validation, "error-nul_character"),
    };
    let api = super::is_api(&req);
    let res = match (api, req.app_data::<actix_web::web::Data<super::AppState>>()) {
        (false, Some(state)) => {
            state
                .pages
                .error(&req, lang, status, "page-bad-input-title", &lang.t(key))
        }
        _ => ApiError::new(code, lang).with_message(key).error_response(),
    };
    actix_web::dev::ServiceResponse::new(req, res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let (by_proxy, by_nobody): (&[IpAddr], &[IpAddr]) = (&[proxy], &[]);
        // The peer, its X-Forwarded-For, the trusted proxies, and the client address believed.
        let cases = [
            ("10.0.0.5:4000", "1.2.3.4, 10.0.0.5", by_proxy, "1.2.3.4"),
            ("10.0.0.5:4000", "1.2.3.4, 10.0.0.5", by_nobody, "10.0.0.5"),
            (
                "10.0.0.5:4000",
                "9.9.9.9, 203.0.113.9:51234",
                by_proxy,
                "203.0.113.9",
            ),
            // Nothing left of an unreadable entry is believed.
            ("10.0.0.5:4000", "9.9.9.9, unknown", by_proxy, "10.0.0.5"),
            (
                "[::ffff:10.0.0.5]:4000",
                "[2001:db8::7]:443",
                by_proxy,
                "2001:db8::7",
            ),
            ("10.0.0.5:4000", "9.9.9.9, 1.2.3.4", by_proxy, "1.2.3.4"),
        ];
        for (peer, forwarded, trusted, believed) in cases {
            let req = TestRequest::default()
                .peer_addr(peer.parse().unwrap())
                .insert_header(("X-Forwarded-For", forwarded))
                .to_http_request();
            let believed: IpAddr = believed.parse().unwrap();
            assert_eq!(client_ip(&req, trusted), believed, "{peer} {forwarded}");
        }
    }

    /// Whether a submission from `ip` passes now (and is accepted).
    fn passes(limiters: &Limiters, ip: &str) -> bool {
        limiters
            .submission(ip.parse().unwrap())
            .map(Slot::accepted)
            .is_ok()
    }

    #[test]
    fn the_sixth_quick_submission_waits_and_others_do_not() {
        let limiters = Limiters::new(&Settings::default()).unwrap();
        for _ in 0..5 {
            assert!(passes(&limiters, "1.1.1.1"));
        }
        let wait = limiters
            .submission("1.1.1.1".parse().unwrap())
            .err()
            .unwrap();
        assert!((300..=360).contains(&wait.seconds), "{wait:?}");
        assert!(wait.provable);
        assert!(limiters.past_submission_burst("1.1.1.1".parse().unwrap()));
        assert!(passes(&limiters, "2.2.2.2"));
        // A proof of work passes the address's limit, not its refused forms.
        let proven = limiters.proven_submission("1.1.1.1".parse().unwrap());
        proven.map(Slot::accepted).unwrap();
    }

    #[test]
    fn refused_forms_do_not_use_up_the_limit_but_a_flood_of_them_is_limited() {
        let limiters = Limiters::new(&Settings::default()).unwrap();
        let ip: IpAddr = "3.3.3.3".parse().unwrap();
        let refused = Settings::default().quotas.submission_refused.burst;
        for _ in 0..refused {
            drop(limiters.submission(ip).unwrap());
        }
        let wait = limiters.submission(ip).err().unwrap();
        assert!(
            !wait.provable,
            "a flood of refused forms is not passed by a proof"
        );
        assert!(!limiters.past_submission_burst(ip));
        // Another address still has its whole burst.
        for _ in 0..5 {
            assert!(passes(&limiters, "4.4.4.4"));
        }
    }

    #[test]
    fn an_ipv6_network_shares_one_limit() {
        let limiters = Limiters::new(&Settings::default()).unwrap();
        for i in 1..=5 {
            let ip = format!("2001:db8:1:2::{i}");
            assert!(passes(&limiters, &ip));
        }
        assert!(!passes(&limiters, "2001:db8:1:2:ffff::9"));
        assert!(passes(&limiters, "2001:db8:1:3::1"));
    }

    #[test]
    fn a_username_under_pressure_waits_longer_and_is_never_refused() {
        let limiters = Limiters::new(&Settings::default()).unwrap();
        let guard = &limiters.signin;
        let (home, attacker) = (
            "192.0.2.10".parse().unwrap(),
            "198.51.100.7".parse().unwrap(),
        );
        let done = guard.begin(home, "Coord");
        assert_eq!(guard.finish(&done, Outcome::SignedIn), None);
        let mut waits = Vec::new();
        let mut reports = Vec::new();
        for _ in 0..12 {
            let a = guard.begin(attacker, " coord ");
            waits.push(a.delay_ms());
            reports.extend(guard.finish(&a, Outcome::Failed));
        }
        assert_eq!(
            waits,
            [0, 0, 0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]
        );
        assert_eq!(
            reports,
            [Pressure {
                username: "coord".into(),
                failures: 5,
                addresses: 1,
                window_minutes: 15,
            }]
        );
        // The usual network (another host of its /24) does not wait.
        let usual = guard.begin("192.0.2.200".parse().unwrap(), "coord");
        assert_eq!(usual.delay, Duration::ZERO);
        // Attempts still running count: a second one at once waits longer than the first.
        for _ in 0..5 {
            let a = guard.begin(attacker, "fresh");
            guard.finish(&a, Outcome::Failed);
        }
        let (a, b) = (
            guard.begin(attacker, "fresh"),
            guard.begin(attacker, "fresh"),
        );
        assert_eq!((a.delay_ms(), b.delay_ms()), (250, 500));
        // Another username is not slowed.
        assert_eq!(guard.begin(attacker, "other").delay, Duration::ZERO);
    }

    #[test]
    fn the_wait_doubles_up_to_the_most() {
        let s = SigninSettings::default();
        let ms = |n| delay_for(&s, n).as_millis() as u64;
        assert_eq!(
            (ms(0), ms(4), ms(5), ms(6), ms(9), ms(10)),
            (0, 0, 250, 500, 4000, 8000)
        );
        assert_eq!(ms(u32::MAX), 8000);
    }

    #[test]
    fn rate_limits_off_lets_everything_through() {
        let settings = Settings {
            rate_limits: false,
            ..Settings::default()
        };
        let limiters = Limiters::new(&settings).unwrap();
        for _ in 0..50 {
            assert!(
                limiters
                    .check(Bucket::Lookup, "1.1.1.1".parse().unwrap())
                    .is_ok()
            );
            assert!(passes(&limiters, "1.1.1.1"));
        }
    }
}
