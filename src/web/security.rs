//! What protects the service and its users at the HTTP edge: the client address (believing
//! `X-Forwarded-For` only from trusted proxies), rate limits kept in memory only, and an access
//! log that records method, path, status and time, never a query string, a body or an address.

use super::error::ApiError;
use super::i18n::Lang;
use crate::config::{Quota as QuotaSetting, Settings};
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
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
type Direct = RateLimiter<governor::state::NotKeyed, governor::state::InMemoryState, DefaultClock>;

fn quota(q: QuotaSetting) -> Quota {
    let one = NonZeroU32::MIN;
    let period = Duration::from_secs(q.per_seconds) / q.count.max(1);
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(one))
        .allow_burst(NonZeroU32::new(q.burst).unwrap_or(one))
}

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy)]
pub enum Bucket {
    /// Tip submissions: per address, then for the whole instance.
    Submission,
    /// Receipt look-ups and reporter messages, per address.
    Lookup,
}

/// The instance's rate limiters. Counters are in memory only (nothing about a reporter's
/// address is written anywhere) and pruned every minute.
pub struct Limiters {
    enabled: bool,
    submission: Keyed<IpAddr>,
    submission_instance: Direct,
    lookup: Keyed<IpAddr>,
    pub signin_address: Keyed<IpAddr>,
    pub signin_username: Keyed<String>,
}

impl Limiters {
    pub fn new(settings: &Settings) -> Self {
        let q = &settings.quotas;
        Limiters {
            enabled: settings.rate_limits,
            submission: RateLimiter::keyed(quota(q.submission)),
            submission_instance: RateLimiter::direct(quota(q.submission_instance)),
            lookup: RateLimiter::keyed(quota(q.lookup)),
            signin_address: RateLimiter::keyed(quota(q.signin_address)),
            signin_username: RateLimiter::keyed(quota(q.signin_username)),
        }
    }

    /// Counts a request; `Err(seconds)` when it must wait.
    pub fn check(&self, bucket: Bucket, ip: IpAddr) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let ip = limit_key(ip);
        let clock = DefaultClock::default();
        let wait = |d: Duration| d.as_secs() + u64::from(d.subsec_nanos() > 0);
        match bucket {
            Bucket::Submission => {
                self.submission
                    .check_key(&ip)
                    .map_err(|n| wait(n.wait_time_from(clock.now())))?;
                self.submission_instance
                    .check()
                    .map_err(|n| wait(n.wait_time_from(clock.now())))
            }
            Bucket::Lookup => self
                .lookup
                .check_key(&ip)
                .map_err(|n| wait(n.wait_time_from(clock.now()))),
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

    /// Counts a staff sign-in against its address and against the username tried, so neither
    /// many passwords from one place nor one account from many places can be tried quickly.
    pub fn check_signin(&self, ip: IpAddr, username: &str) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let clock = DefaultClock::default();
        let wait = |d: Duration| d.as_secs() + u64::from(d.subsec_nanos() > 0);
        self.signin_address
            .check_key(&limit_key(ip))
            .map_err(|n| wait(n.wait_time_from(clock.now())))?;
        self.signin_username
            .check_key(&username.trim().to_lowercase())
            .map_err(|n| wait(n.wait_time_from(clock.now())))
    }

    /// Forgets addresses whose limits have fully replenished.
    pub fn prune(&self) {
        self.submission.retain_recent();
        self.submission.shrink_to_fit();
        self.lookup.retain_recent();
        self.lookup.shrink_to_fit();
        self.signin_address.retain_recent();
        self.signin_address.shrink_to_fit();
        self.signin_username.retain_recent();
        self.signin_username.shrink_to_fit();
    }

    /// Number of addresses and usernames currently remembered (for tests and metrics).
    pub fn tracked_keys(&self) -> usize {
        self.submission.len()
            + self.lookup.len()
            + self.signin_address.len()
            + self.signin_username.len()
    }
}

/// The access log line: method, path without its query string, status, milliseconds.
pub fn log_access(method: &str, path: &str, status: u16, started: Instant) {
    tracing::info!(target: "tipline::access", method, path, status, ms = started.elapsed().as_millis() as u64, "request");
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "1.2.3.4, 10.0.0.5"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, &[proxy]),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(&req, &[]), proxy);

        let ported = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "9.9.9.9, 203.0.113.9:51234"))
            .to_http_request();
        assert_eq!(
            client_ip(&ported, &[proxy]),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let garbage = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "9.9.9.9, unknown"))
            .to_http_request();
        assert_eq!(
            client_ip(&garbage, &[proxy]),
            proxy,
            "nothing left of an unreadable entry is believed"
        );
        let mapped = TestRequest::default()
            .peer_addr("[::ffff:10.0.0.5]:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "[2001:db8::7]:443"))
            .to_http_request();
        assert_eq!(
            client_ip(&mapped, &[proxy]),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );

        let spoofed = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "9.9.9.9, 1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_ip(&spoofed, &[proxy]),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_sixth_quick_submission_waits_and_others_do_not() {
        let limiters = Limiters::new(&Settings::default());
        let a: IpAddr = "1.1.1.1".parse().unwrap();
        for _ in 0..5 {
            assert!(limiters.check(Bucket::Submission, a).is_ok());
        }
        let wait = limiters.check(Bucket::Submission, a).unwrap_err();
        assert!((300..=360).contains(&wait), "{wait}");
        assert!(
            limiters
                .check(Bucket::Submission, "2.2.2.2".parse().unwrap())
                .is_ok()
        );
    }

    #[test]
    fn an_ipv6_network_shares_one_limit() {
        let limiters = Limiters::new(&Settings::default());
        for i in 1..=5 {
            assert!(
                limiters
                    .check(
                        Bucket::Submission,
                        format!("2001:db8:1:2::{i}").parse().unwrap()
                    )
                    .is_ok()
            );
        }
        assert!(
            limiters
                .check(Bucket::Submission, "2001:db8:1:2:ffff::9".parse().unwrap())
                .is_err()
        );
        assert!(
            limiters
                .check(Bucket::Submission, "2001:db8:1:3::1".parse().unwrap())
                .is_ok()
        );
    }

    #[test]
    fn rate_limits_off_lets_everything_through() {
        let settings = Settings {
            rate_limits: false,
            ..Settings::default()
        };
        let limiters = Limiters::new(&settings);
        for _ in 0..50 {
            assert!(
                limiters
                    .check(Bucket::Lookup, "1.1.1.1".parse().unwrap())
                    .is_ok()
            );
        }
    }
}
