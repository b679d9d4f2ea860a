//! Rendered public pages, kept as bytes: a layer around rendering, not inside any template.
//!
//! A page is rendered once per language and variant (`?urgent=1`) and then served from its
//! bytes until its data changes:
//! - [`Fresh::Forever`]: texts and the catalog only (`/`, the blank `/track` and `/report`),
//!   which change only with a new binary or configuration, i.e. a restart;
//! - [`Fresh::Version`]: a data version the services bump when the page's data changes (the
//!   exposure list: a publication, a withdrawal, a case action), plus a time to live that bounds
//!   how long a change made by *another* instance on the same PostgreSQL stays unseen;
//! - [`Fresh::For`]: a time to live alone (the public statistics: monthly figures with small
//!   cells withheld, where a minute's lag misleads nobody, and re-counting every tip after each
//!   submission would put a whole-table aggregation behind every write).
//!
//! Values that must differ on every answer (the report form's `submission_id`, the latest time
//! its date field accepts) are rendered as markers and spliced into the kept bytes per request,
//! so the form never shows two readers the same submission id. Whole pages are kept compressed
//! too (brotli and gzip) and carry an `ETag`, so a revalidation is a 304; spliced pages are
//! compressed by the `Compress` middleware on the way out.

use super::i18n::Lang;
use super::render::Caching;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Which rendering of which page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub page: &'static str,
    pub lang: Lang,
    pub variant: &'static str,
}

/// How long kept bytes stay right (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fresh {
    Forever,
    Version(u64, Duration),
    For(Duration),
}

/// A value that differs on every answer: the marker rendered in its place, and the value.
pub type Splice<'a> = (&'static str, &'a str);

enum Body {
    /// The same bytes for everyone: kept compressed, with a validator.
    Whole {
        plain: Bytes,
        gzip: Bytes,
        br: Bytes,
        tag: String,
    },
    /// Text around the markers; `slots[i]` is the marker that follows `parts[i]`.
    Spliced {
        parts: Vec<Bytes>,
        slots: Vec<&'static str>,
    },
}

struct Entry {
    version: Option<u64>,
    made: Instant,
    ttl: Option<Duration>,
    caching: Caching,
    body: Body,
}

impl Entry {
    fn fresh(&self, fresh: Fresh) -> bool {
        let version = match fresh {
            Fresh::Version(v, _) => Some(v),
            _ => None,
        };
        self.version == version && self.ttl.is_none_or(|ttl| self.made.elapsed() < ttl)
    }
}

/// The kept pages. A handful of entries: pages × languages × variants.
#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<Key, Arc<Entry>>>,
}

/// What a client accepts, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

fn accepted(req: &HttpRequest) -> Encoding {
    let Some(header) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let (mut br, mut gzip) = (false, false);
    for item in header.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match name {
            "br" => br = !refused,
            "gzip" | "x-gzip" => gzip = !refused,
            _ => {}
        }
    }
    match (br, gzip) {
        (true, _) => Encoding::Brotli,
        (false, true) => Encoding::Gzip,
        _ => Encoding::Identity,
    }
}

/// Whether `If-None-Match` names this representation's tag (any encoding of it).
fn not_modified(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t.split('-').next() == Some(tag))
}

fn compressed(plain: &[u8]) -> (Bytes, Bytes) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gzip = gz
        .write_all(plain)
        .and_then(|()| gz.finish())
        .unwrap_or_default();
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    if brotli::BrotliCompress(&mut &plain[..], &mut br, &params).is_err() {
        br.clear();
    }
    (Bytes::from(gzip), Bytes::from(br))
}

/// Cuts a rendered page at its markers.
fn split(text: &str, markers: &[&'static str]) -> Body {
    let mut parts = Vec::new();
    let mut slots = Vec::new();
    let mut rest = text;
    while let Some((at, marker)) = markers
        .iter()
        .filter_map(|m| rest.find(m).map(|at| (at, *m)))
        .min_by_key(|(at, _)| *at)
    {
        parts.push(Bytes::copy_from_slice(&rest.as_bytes()[..at]));
        slots.push(marker);
        rest = &rest[at + marker.len()..];
    }
    parts.push(Bytes::copy_from_slice(rest.as_bytes()));
    Body::Spliced { parts, slots }
}

impl PageCache {
    fn get(&self, key: &Key, fresh: Fresh) -> Option<Arc<Entry>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|e| e.fresh(fresh)).cloned()
    }

    /// The kept page, if it is still fresh, answered through `builder` (the page's headers).
    pub fn serve(
        &self,
        req: &HttpRequest,
        key: &Key,
        fresh: Fresh,
        splices: &[Splice<'_>],
        builder: impl FnOnce(Caching) -> HttpResponseBuilder,
    ) -> Option<HttpResponse> {
        let entry = self.get(key, fresh)?;
        crate::metrics::METRICS
            .page_cache_hits
            .fetch_add(1, Relaxed);
        Some(answer(req, &entry, splices, builder))
    }

    /// Keeps a rendered page and answers with it.
    pub fn keep(
        &self,
        req: &HttpRequest,
        (key, fresh): (Key, Fresh),
        (text, caching): (String, Caching),
        splices: &[Splice<'_>],
        builder: impl FnOnce(Caching) -> HttpResponseBuilder,
    ) -> HttpResponse {
        crate::metrics::METRICS
            .page_cache_renders
            .fetch_add(1, Relaxed);
        let body = if splices.is_empty() {
            let (gzip, br) = compressed(text.as_bytes());
            let tag = hex::encode(&Sha256::digest(text.as_bytes())[..8]);
            Body::Whole {
                plain: Bytes::from(text),
                gzip,
                br,
                tag,
            }
        } else {
            let markers: Vec<&'static str> = splices.iter().map(|(m, _)| *m).collect();
            split(&text, &markers)
        };
        let (version, ttl) = match fresh {
            Fresh::Forever => (None, None),
            Fresh::Version(v, ttl) => (Some(v), Some(ttl)),
            Fresh::For(ttl) => (None, Some(ttl)),
        };
        let entry = Arc::new(Entry {
            version,
            made: Instant::now(),
            ttl,
            caching,
            body,
        });
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::clone(&entry));
        answer(req, &entry, splices, builder)
    }
}

fn answer(
    req: &HttpRequest,
    entry: &Entry,
    splices: &[Splice<'_>],
    builder: impl FnOnce(Caching) -> HttpResponseBuilder,
) -> HttpResponse {
    let mut resp = builder(entry.caching);
    match &entry.body {
        Body::Whole {
            plain,
            gzip,
            br,
            tag,
        } => {
            let encoding = match accepted(req) {
                Encoding::Brotli if !br.is_empty() => Encoding::Brotli,
                Encoding::Brotli | Encoding::Gzip if !gzip.is_empty() => Encoding::Gzip,
                _ => Encoding::Identity,
            };
            let (bytes, etag, coding) = match encoding {
                Encoding::Brotli => (br, format!("\"{tag}-br\""), Some("br")),
                Encoding::Gzip => (gzip, format!("\"{tag}-gz\""), Some("gzip")),
                Encoding::Identity => (plain, format!("\"{tag}\""), None),
            };
            let validated = entry.caching == Caching::Revalidate;
            if validated {
                resp.insert_header((header::ETAG, etag));
            }
            if validated && not_modified(req, tag) {
                return resp.status(StatusCode::NOT_MODIFIED).finish();
            }
            if let Some(coding) = coding {
                // Already compressed: the Compress middleware leaves an encoded body alone.
                resp.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(coding)));
            }
            resp.body(bytes.clone())
        }
        Body::Spliced { parts, slots } => {
            let size = parts.iter().map(Bytes::len).sum::<usize>() + 64 * slots.len();
            let mut out = Vec::with_capacity(size);
            for (i, part) in parts.iter().enumerate() {
                out.extend_from_slice(part);
                if let Some(marker) = slots.get(i) {
                    let value = splices.iter().find(|(m, _)| m == marker).map(|(_, v)| *v);
                    out.extend_from_slice(value.unwrap_or_default().as_bytes());
                }
            }
            resp.body(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_best_accepted_encoding_is_chosen_and_q_zero_refuses() {
        let with = |v: &str| {
            accepted(
                &TestRequest::default()
                    .insert_header((header::ACCEPT_ENCODING, v))
                    .to_http_request(),
            )
        };
        assert_eq!(with("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(with("gzip"), Encoding::Gzip);
        assert_eq!(with("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(with("identity"), Encoding::Identity);
        assert_eq!(
            accepted(&TestRequest::default().to_http_request()),
            Encoding::Identity
        );
    }

    #[test]
    fn splices_fill_every_marker_in_order() {
        let body = split("a<M1>b<M2>c<M1>", &["<M1>", "<M2>"]);
        let entry = Entry {
            version: None,
            made: Instant::now(),
            ttl: None,
            caching: Caching::NoStore,
            body,
        };
        let req = TestRequest::default().to_http_request();
        let resp = answer(&req, &entry, &[("<M1>", "x"), ("<M2>", "y")], |_| {
            HttpResponse::Ok()
        });
        let bytes = actix_web::body::to_bytes(resp.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .and_then(Result::ok)
            .unwrap_or_default();
        assert_eq!(&bytes[..], b"axbycx");
    }

    #[test]
    fn a_version_change_or_an_expired_ttl_makes_an_entry_stale() {
        let entry = |version, ttl| Entry {
            version,
            made: Instant::now() - Duration::from_secs(10),
            ttl,
            caching: Caching::Revalidate,
            body: split("", &[]),
        };
        let minute = Duration::from_secs(60);
        assert!(entry(Some(3), Some(minute)).fresh(Fresh::Version(3, minute)));
        assert!(!entry(Some(3), Some(minute)).fresh(Fresh::Version(4, minute)));
        assert!(!entry(None, Some(Duration::from_secs(5))).fresh(Fresh::For(minute)));
        assert!(entry(None, None).fresh(Fresh::Forever));
    }
}
