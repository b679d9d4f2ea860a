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
//! too (brotli and gzip) and carry an `ETag`, so a revalidation is a 304.
//!
//! Spliced pages are kept compressed as well ([`Packed`]): each piece of text between two markers
//! is compressed on its own, and each value travels *uncompressed* between them, inside the
//! compressed stream: a stored block of deflate (gzip) or an uncompressed meta-block of brotli.
//! The pieces after the first are compressed so that they never refer back to what came before
//! them (deflate: a fresh compressor, ended by a sync flush; brotli: a "catable" stream, whose
//! first two bytes are stored so that its literal contexts never depend on the spliced value),
//! so every piece stays right whatever the value. A request then costs a copy of the pieces and
//! the values, plus the gzip trailer's CRC-32, combined from the pieces' kept CRCs (the marker's
//! value must have the length it had when the page was kept, which the id and the time do;
//! anything else is compressed by the `Compress` middleware on the way out). Concatenating
//! whole gzip members or whole brotli files instead would not do: several gzip members are legal
//! but not read by every client, and brotli files are not concatenable in general.

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
use std::sync::{Arc, Mutex, RwLock};
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
        /// The `ETag` of each encoding (plain, gzip, brotli), made once.
        etags: [HeaderValue; 3],
    },
    /// Text around the markers; `slots[i]` is the marker that follows `parts[i]`.
    Spliced {
        parts: Vec<Bytes>,
        slots: Vec<&'static str>,
        /// The same pieces compressed, when packing them checked out (see [`Packed`]).
        packed: Option<Packed>,
    },
}

/// A spliced page kept compressed (see the module documentation): the answer is `br[0]`, the
/// value of `slots[0]`, `br[1]`, … (the same for gzip, then the trailer), valid while each value
/// is `lens[i]` bytes long.
struct Packed {
    lens: Vec<usize>,
    br: Vec<Bytes>,
    gzip: Vec<Bytes>,
    /// The CRC-32 of each text part, to make the gzip trailer's without reading the parts again.
    crcs: Vec<crc32fast::Hasher>,
    /// The parts' length in bytes.
    text_len: usize,
}

/// brotli's window (log2 of its bytes), the same for every piece.
const BROTLI_WINDOW: i32 = 22;

/// One text part as a brotli stream that ends byte aligned without closing the stream; the
/// first carries the window size, the later ones are catable (they refer to nothing before them
/// and store their first two bytes, so literal contexts never see the value before them).
fn brotli_piece(text: &[u8], first: bool) -> Option<Vec<u8>> {
    let mut params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: BROTLI_WINDOW,
        ..Default::default()
    };
    params.appendable = true;
    params.byte_align = true;
    params.bare_stream = true;
    if !first {
        params.catable = true;
        params.use_dictionary = false;
    }
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &text[..], &mut out, &params).ok()?;
    Some(out)
}

/// The header of a brotli meta-block that stores `len` bytes uncompressed (1 to 65,536): ISLAST
/// 0, four length nibbles (MNIBBLES 0), MLEN − 1, ISUNCOMPRESSED 1, zero bits to the byte.
fn brotli_stored_header(len: usize) -> Option<[u8; 3]> {
    let mlen = u32::try_from(len.checked_sub(1)?)
        .ok()
        .filter(|m| *m < 1 << 16)?;
    let bits = (mlen << 3) | (1 << 19);
    let [a, b, c, _] = bits.to_le_bytes();
    Some([a, b, c])
}

/// The closing empty meta-block of a brotli stream: ISLAST 1, ISLASTEMPTY 1.
const BROTLI_END: u8 = 0b11;

/// One text part as raw deflate blocks: ended by a sync flush (byte aligned, not final), or
/// finished (the final block) for the last part.
fn deflate_piece(text: &[u8], last: bool) -> Option<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(text.len() + 64);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let read = usize::try_from(c.total_in()).ok()?;
        out.reserve(text.len() + 64);
        let status = c.compress_vec(&text[read..], &mut out, flush).ok()?;
        let done = usize::try_from(c.total_in()).ok()? == text.len();
        match status {
            Status::StreamEnd => return Some(out),
            _ if done && !last && out.len() < out.capacity() => return Some(out),
            Status::Ok | Status::BufError => {}
        }
    }
}

/// The header of a deflate stored block (not final) of `len` bytes: aligned, LEN, NLEN.
fn deflate_stored_header(len: usize) -> Option<[u8; 5]> {
    let len = u16::try_from(len).ok()?;
    let [l0, l1] = len.to_le_bytes();
    let [n0, n1] = (!len).to_le_bytes();
    Some([0, l0, l1, n0, n1])
}

/// The gzip header: deflate, no name, no time, unknown system.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

impl Packed {
    /// Packs the parts for values of these lengths, and checks the result by decompressing it
    /// with `sample` values; `None` (compress per request) if anything does not add up.
    fn new(parts: &[Bytes], lens: Vec<usize>, sample: &[&str]) -> Option<Packed> {
        let n = parts.len();
        if lens.len() + 1 != n || sample.iter().map(|v| v.len()).ne(lens.iter().copied()) {
            return None;
        }
        let (mut br, mut gzip, mut crcs) = (Vec::new(), Vec::new(), Vec::new());
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == n;
            let mut b = brotli_piece(part, i == 0)?;
            let mut g = if i == 0 {
                GZIP_HEADER.to_vec()
            } else {
                Vec::new()
            };
            g.extend(deflate_piece(part, last)?);
            match lens.get(i) {
                Some(len) => {
                    b.extend(brotli_stored_header(*len)?);
                    g.extend(deflate_stored_header(*len)?);
                }
                None => b.push(BROTLI_END),
            }
            let mut crc = crc32fast::Hasher::new();
            crc.update(part);
            br.push(Bytes::from(b));
            gzip.push(Bytes::from(g));
            crcs.push(crc);
        }
        let packed = Packed {
            lens,
            br,
            gzip,
            crcs,
            text_len: parts.iter().map(Bytes::len).sum(),
        };
        let plain = interleave(parts, sample);
        let mut unbr = Vec::new();
        brotli::BrotliDecompress(&mut &packed.brotli(sample)?[..], &mut unbr).ok()?;
        let mut ungz = Vec::new();
        let gzipped = packed.gzipped(sample)?;
        let mut decoder = flate2::read::GzDecoder::new(&gzipped[..]);
        std::io::Read::read_to_end(&mut decoder, &mut ungz).ok()?;
        (unbr == plain && ungz == plain).then_some(packed)
    }

    fn fits(&self, values: &[&str]) -> bool {
        values.iter().map(|v| v.len()).eq(self.lens.iter().copied())
    }

    /// The brotli answer for these values.
    fn brotli(&self, values: &[&str]) -> Option<Vec<u8>> {
        self.fits(values).then(|| interleave(&self.br, values))
    }

    /// The gzip answer for these values: the pieces, then the CRC-32 and length of the text.
    fn gzipped(&self, values: &[&str]) -> Option<Vec<u8>> {
        if !self.fits(values) {
            return None;
        }
        let mut out = interleave(&self.gzip, values);
        let mut crc = crc32fast::Hasher::new();
        for (i, part) in self.crcs.iter().enumerate() {
            crc.combine(part);
            if let Some(value) = values.get(i) {
                crc.update(value.as_bytes());
            }
        }
        // The length modulo 2³², as gzip's trailer wants it.
        let size = self.text_len + self.lens.iter().sum::<usize>();
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&(size as u32).to_le_bytes());
        Some(out)
    }
}

/// `pieces[0]`, `values[0]`, `pieces[1]`, …
fn interleave(pieces: &[Bytes], values: &[&str]) -> Vec<u8> {
    let size = pieces.iter().map(Bytes::len).sum::<usize>();
    let size = size + values.iter().map(|v| v.len()).sum::<usize>();
    let mut out = Vec::with_capacity(size + 8);
    for (i, piece) in pieces.iter().enumerate() {
        out.extend_from_slice(piece);
        if let Some(value) = values.get(i) {
            out.extend_from_slice(value.as_bytes());
        }
    }
    out
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
        self.same_version(fresh) && self.ttl.is_none_or(|ttl| self.made.elapsed() < ttl)
    }

    /// Whether the data it was rendered from is unchanged (its age aside).
    fn same_version(&self, fresh: Fresh) -> bool {
        let version = match fresh {
            Fresh::Version(v, _) => Some(v),
            _ => None,
        };
        self.version == version
    }
}

/// How long one request may take to render an expired page again while the others are
/// answered with the expired one; after that another request tries (a rendering that failed).
const REFRESH_CLAIM: Duration = Duration::from_secs(30);

/// The kept pages. A handful of entries: pages × languages × variants.
#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<Key, Arc<Entry>>>,
    /// The expired pages one request is rendering again, and since when.
    refreshing: Mutex<HashMap<Key, Instant>>,
    /// One lock a page, held while its data is read and it is rendered (see [`PageCache::turn`]).
    turns: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
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

/// Cuts a rendered page at its markers, and packs it compressed for values as long as these.
fn split(text: &str, splices: &[Splice<'_>]) -> Body {
    let markers: Vec<&'static str> = splices.iter().map(|(m, _)| *m).collect();
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
    let sample = values(&slots, splices);
    let lens = sample.iter().map(|v| v.len()).collect();
    let packed = Packed::new(&parts, lens, &sample);
    if packed.is_none() {
        tracing::warn!("a spliced page could not be kept compressed; it is compressed per request");
    }
    Body::Spliced {
        parts,
        slots,
        packed,
    }
}

/// The value for each slot, in order (empty for a marker without one).
fn values<'a>(slots: &[&'static str], splices: &[Splice<'a>]) -> Vec<&'a str> {
    slots
        .iter()
        .map(|marker| {
            splices
                .iter()
                .find(|(m, _)| m == marker)
                .map_or("", |(_, v)| *v)
        })
        .collect()
}

impl PageCache {
    /// The kept entry if it is fresh. One that merely outlived its time (its data unchanged)
    /// is still given while another request renders it again, so an expiry costs one
    /// rendering, not one per waiting request; the first request to find it expired gets
    /// `None` and renders.
    fn get(&self, key: &Key, fresh: Fresh) -> Option<Arc<Entry>> {
        let entry = self.entry(key, |e| e.same_version(fresh))?;
        if entry.fresh(fresh) {
            return Some(entry);
        }
        let mut refreshing = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        match refreshing.get(key) {
            Some(since) if since.elapsed() < REFRESH_CLAIM => Some(entry),
            _ => {
                refreshing.insert(key.clone(), Instant::now());
                None
            }
        }
    }

    /// Waits for the turn to render a page that was not kept: requests that find no kept
    /// bytes (after a start, or after its data changed) take turns, and one whose turn comes
    /// after another kept the page is answered with it (`Err`) instead of reading the data
    /// again (`/stats` reads every tip).
    ///
    /// A request that finds the turn taken while the page's old bytes (of unchanged data) are
    /// still there is answered with them instead of waiting (`Err`): a rendering slower than
    /// the claim of [`PageCache::get`] must not hold readers up.
    pub async fn turn(
        &self,
        req: &HttpRequest,
        key: &Key,
        fresh: Fresh,
        builder: impl FnOnce(Caching) -> HttpResponseBuilder,
    ) -> Result<tokio::sync::OwnedMutexGuard<()>, HttpResponse> {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(turns.entry(key.clone()).or_default())
        };
        let turn = match Arc::clone(&lock).try_lock_owned() {
            Ok(turn) => turn,
            Err(_) => {
                if let Some(old) = self.entry(key, |e| e.same_version(fresh)) {
                    return Err(answer(req, &old, &[], builder));
                }
                lock.lock_owned().await
            }
        };
        match self.entry(key, |e| e.fresh(fresh)) {
            Some(kept) => Err(answer(req, &kept, &[], builder)),
            None => Ok(turn),
        }
    }

    /// The kept entry of a page, if `fits` it.
    fn entry(&self, key: &Key, fits: impl Fn(&Entry) -> bool) -> Option<Arc<Entry>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|e| fits(e)).cloned()
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
            let etag = |suffix: &str| {
                // Hex and a quote: always a valid header value.
                HeaderValue::from_str(&format!("\"{tag}{suffix}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
            };
            let etags = [etag(""), etag("-gz"), etag("-br")];
            Body::Whole {
                plain: Bytes::from(text),
                gzip,
                br,
                tag,
                etags,
            }
        } else {
            split(&text, splices)
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
        self.refreshing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
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
            etags: [plain_tag, gzip_tag, br_tag],
        } => {
            let encoding = match accepted(req) {
                Encoding::Brotli if !br.is_empty() => Encoding::Brotli,
                Encoding::Brotli | Encoding::Gzip if !gzip.is_empty() => Encoding::Gzip,
                _ => Encoding::Identity,
            };
            let (bytes, etag, coding) = match encoding {
                Encoding::Brotli => (br, br_tag, Some("br")),
                Encoding::Gzip => (gzip, gzip_tag, Some("gzip")),
                Encoding::Identity => (plain, plain_tag, None),
            };
            let validated = entry.caching == Caching::Revalidate;
            if validated {
                resp.insert_header((header::ETAG, etag.clone()));
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
        Body::Spliced {
            parts,
            slots,
            packed,
        } => {
            let values = values(slots, splices);
            let packed = packed.as_ref().and_then(|p| match accepted(req) {
                Encoding::Brotli => Some(("br", p.brotli(&values)?)),
                Encoding::Gzip => Some(("gzip", p.gzipped(&values)?)),
                Encoding::Identity => None,
            });
            if let Some((coding, bytes)) = packed {
                // Already compressed: the Compress middleware leaves an encoded body alone.
                resp.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(coding)));
                return resp.body(bytes);
            }
            resp.body(interleave(parts, &values))
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
        let body = split("a<M1>b<M2>c<M1>", &[("<M1>", "1"), ("<M2>", "2")]);
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

    #[test]
    fn an_expired_page_is_rendered_again_by_one_request_while_the_others_get_it() {
        let cache = PageCache::default();
        let key = Key {
            page: "/stats",
            lang: Lang::Zh,
            variant: "",
        };
        let entry = |version| {
            Arc::new(Entry {
                version,
                made: Instant::now() - Duration::from_secs(10),
                ttl: Some(Duration::from_secs(5)),
                caching: Caching::Revalidate,
                body: split("old", &[]),
            })
        };
        let five = Duration::from_secs(5);
        cache
            .entries
            .write()
            .unwrap()
            .insert(key.clone(), entry(None));
        assert!(
            cache.get(&key, Fresh::For(five)).is_none(),
            "the first renders"
        );
        assert!(
            cache.get(&key, Fresh::For(five)).is_some(),
            "the next get the old"
        );
        assert!(cache.get(&key, Fresh::For(five)).is_some());
        // A claim left by a rendering that never finished lapses.
        cache
            .refreshing
            .lock()
            .unwrap()
            .insert(key.clone(), Instant::now() - REFRESH_CLAIM);
        assert!(cache.get(&key, Fresh::For(five)).is_none());
        // Changed data is never answered with the old page.
        cache
            .entries
            .write()
            .unwrap()
            .insert(key.clone(), entry(Some(1)));
        cache.refreshing.lock().unwrap().clear();
        assert!(cache.get(&key, Fresh::Version(2, five)).is_none());
        assert!(cache.get(&key, Fresh::Version(2, five)).is_none());
    }

    #[actix_web::test]
    async fn a_page_not_kept_is_rendered_by_one_request_at_a_time() {
        let cache = PageCache::default();
        let key = |page| Key {
            page,
            lang: Lang::Zh,
            variant: "",
        };
        let wait = Duration::from_millis(50);
        let req = TestRequest::default().to_http_request();
        let fresh = Fresh::For(Duration::from_secs(5));
        let (stats, exposures) = (key("/stats"), key("/exposures"));
        let turn = |k| cache.turn(&req, k, fresh, |_| HttpResponse::Ok());
        let first = turn(&stats).await.ok();
        assert!(first.is_some());
        assert!(
            tokio::time::timeout(wait, turn(&stats)).await.is_err(),
            "the second waits"
        );
        let other = tokio::time::timeout(wait, turn(&exposures)).await;
        assert!(other.is_ok_and(|t| t.is_ok()), "another page does not wait");
        // With old bytes of the same data kept, a request finding the turn taken gets them.
        cache.entries.write().unwrap().insert(
            key("/stats"),
            Arc::new(Entry {
                version: None,
                made: Instant::now() - Duration::from_secs(60),
                ttl: Some(Duration::from_secs(5)),
                caching: Caching::Revalidate,
                body: split("old", &[]),
            }),
        );
        let old = tokio::time::timeout(wait, turn(&stats)).await;
        assert!(old.is_ok_and(|t| t.is_err()), "answered with the old page");
        drop(first);
        let second = tokio::time::timeout(wait, turn(&stats)).await;
        assert!(
            second.is_ok_and(|t| t.is_ok()),
            "then the next has its turn"
        );
        // A turn that comes after another request kept the page fresh answers with it.
        cache.entries.write().unwrap().insert(
            key("/stats"),
            Arc::new(Entry {
                version: None,
                made: Instant::now(),
                ttl: Some(Duration::from_secs(5)),
                caching: Caching::Revalidate,
                body: split("new", &[]),
            }),
        );
        let kept = tokio::time::timeout(wait, turn(&stats)).await;
        assert!(
            kept.is_ok_and(|t| t.is_err()),
            "answered with the kept page"
        );
    }

    /// A page as the cache answers it for `encoding`, decompressed, with its Content-Encoding.
    fn answered(
        entry: &Entry,
        encoding: &str,
        splices: &[Splice<'_>],
    ) -> (Option<String>, Vec<u8>) {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, encoding))
            .to_http_request();
        let resp = answer(&req, entry, splices, |_| HttpResponse::Ok());
        let coding = resp
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = actix_web::body::to_bytes(resp.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut plain = Vec::new();
        match coding.as_deref() {
            Some("br") => brotli::BrotliDecompress(&mut &bytes[..], &mut plain).unwrap(),
            Some("gzip") => {
                let mut d = flate2::read::GzDecoder::new(&bytes[..]);
                std::io::Read::read_to_end(&mut d, &mut plain).unwrap();
            }
            _ => plain = bytes.to_vec(),
        };
        (coding, plain)
    }

    #[test]
    fn a_spliced_page_is_kept_compressed_and_decodes_with_any_value_of_its_length() {
        // A page like the form: repetitive markup, the values in the middle, one marker twice.
        let row = "<label for=\"f\">字段 field</label><input name=\"f\" value=\"\">\n";
        let text = format!(
            "<!doctype html>{}<input name=\"submission_id\" value=\"<ID>\">{}max=\"<NOW>\" {}<ID>",
            row.repeat(40),
            row.repeat(60),
            row.repeat(3)
        );
        let keep = [
            ("<ID>", "0123456789abcdef0123456789abcdef0123"),
            ("<NOW>", "2026-12-08T09:30"),
        ];
        let entry = Entry {
            version: None,
            made: Instant::now(),
            ttl: None,
            caching: Caching::NoStore,
            body: split(&text, &keep),
        };
        let Body::Spliced { packed, .. } = &entry.body else {
            panic!("not spliced")
        };
        let packed = packed.as_ref().expect("packed");
        assert!(packed.br.iter().map(Bytes::len).sum::<usize>() < text.len() / 5);
        let id = "ffffffffffffffffffffffffffffffff0000";
        let now = "2027-01-31T23:59";
        let expected = text.replace("<ID>", id).replace("<NOW>", now);
        for (asked, coding) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
            let (got, plain) = answered(&entry, asked, &[("<ID>", id), ("<NOW>", now)]);
            assert_eq!(got.as_deref(), Some(coding));
            assert_eq!(String::from_utf8(plain).unwrap(), expected);
        }
        // No compression asked, or a value of another length: the plain text, for the middleware.
        let (got, plain) = answered(&entry, "identity", &[("<ID>", id), ("<NOW>", now)]);
        assert_eq!((got, String::from_utf8(plain).unwrap()), (None, expected));
        let (got, plain) = answered(&entry, "br", &[("<ID>", "short"), ("<NOW>", now)]);
        let expected = text.replace("<ID>", "short").replace("<NOW>", now);
        assert_eq!((got, String::from_utf8(plain).unwrap()), (None, expected));
    }

    #[test]
    fn stored_block_headers_carry_the_length() {
        assert_eq!(deflate_stored_header(5), Some([0, 5, 0, 0xfa, 0xff]));
        assert_eq!(deflate_stored_header(70_000), None);
        // MLEN − 1 = 35 (0x23) from bit 3, ISUNCOMPRESSED at bit 19: 0x80118.
        assert_eq!(brotli_stored_header(36), Some([0x18, 0x01, 0x08]));
        assert_eq!(brotli_stored_header(0), None);
        assert_eq!(brotli_stored_header(65_537), None);
    }
}
