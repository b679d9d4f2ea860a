//! What protects the service and its users at the HTTP edge: the client address (believing
//! `X-Forwarded-For` only from trusted proxies), rate limits kept in memory only, and an access
//! log that records method, path, status and time, never a query string, a body or an address.

use super::error::ApiError;
use super::i18n::Lang;
use crate::config::{Quota as QuotaSetting, Settings};
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{NotUntil, Quota, RateLimiter};
use std::hash::Hash;
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

/// How many whole seconds a refused request must wait (rounded up).
fn seconds(refused: NotUntil<<DefaultClock as Clock>::Instant>) -> u64 {
    let wait = refused.wait_time_from(DefaultClock::default().now());
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

fn forget_replenished<K: Hash + Eq + Clone>(limiter: &Keyed<K>) {
    limiter.retain_recent();
    limiter.shrink_to_fit();
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
        match bucket {
            Bucket::Submission => {
                self.submission.check_key(&ip).map_err(seconds)?;
                self.submission_instance.check().map_err(seconds)
            }
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

    /// Counts a staff sign-in against its address and against the username tried, so neither
    /// many passwords from one place nor one account from many places can be tried quickly.
    pub fn check_signin(&self, ip: IpAddr, username: &str) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let username = username.trim().to_lowercase();
        self.signin_address
            .check_key(&limit_key(ip))
            .map_err(seconds)?;
        self.signin_username.check_key(&username).map_err(seconds)
    }

    /// Forgets addresses whose limits have fully replenished.
    pub fn prune(&self) {
        for by_address in [&self.submission, &self.lookup, &self.signin_address] {
            forget_replenished(by_address);
        }
        forget_replenished(&self.signin_username);
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
    let path = res.request().path();
    let api = path.starts_with("/api/") || path.starts_with("/open311/");
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
    let api = req.path().starts_with("/api/") || req.path().starts_with("/open311/");
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

    /// Whether a request from `ip` passes the limit of `bucket` now.
    fn passes(limiters: &Limiters, bucket: Bucket, ip: &str) -> bool {
        limiters.check(bucket, ip.parse().unwrap()).is_ok()
    }

    #[test]
    fn the_sixth_quick_submission_waits_and_others_do_not() {
        let limiters = Limiters::new(&Settings::default());
        for _ in 0..5 {
            assert!(passes(&limiters, Bucket::Submission, "1.1.1.1"));
        }
        let wait = limiters
            .check(Bucket::Submission, "1.1.1.1".parse().unwrap())
            .unwrap_err();
        assert!((300..=360).contains(&wait), "{wait}");
        assert!(passes(&limiters, Bucket::Submission, "2.2.2.2"));
    }

    #[test]
    fn an_ipv6_network_shares_one_limit() {
        let limiters = Limiters::new(&Settings::default());
        for i in 1..=5 {
            let ip = format!("2001:db8:1:2::{i}");
            assert!(passes(&limiters, Bucket::Submission, &ip));
        }
        assert!(!passes(
            &limiters,
            Bucket::Submission,
            "2001:db8:1:2:ffff::9"
        ));
        assert!(passes(&limiters, Bucket::Submission, "2001:db8:1:3::1"));
    }

    #[test]
    fn rate_limits_off_lets_everything_through() {
        let settings = Settings {
            rate_limits: false,
            ..Settings::default()
        };
        let limiters = Limiters::new(&settings);
        for _ in 0..50 {
            assert!(passes(&limiters, Bucket::Lookup, "1.1.1.1"));
        }
    }
}
