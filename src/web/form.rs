//! Reading the report form: multipart (with photos) or URL-encoded, with the limits of API.md
//! (60 MB a body, 5 photos of 10 MB), so that a refused form can always be shown again with
//! everything that was typed.

use super::AppState;
use super::error::{ApiError, Code};
use super::i18n::Lang;
use crate::domain::photo::{self, CleanPhoto, PhotoError};
use crate::domain::tip::{ReporterInput, TipInput};
use actix_multipart::Multipart;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut, Payload};
use actix_web::{HttpMessage, HttpRequest, ResponseError};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest text field kept (far above every limit, so a longer one is still refused by the
/// length rules rather than cut silently).
const TEXT_FIELD_MAX: usize = 64 * 1024;

/// The report form as typed, echoed back on a refusal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub sector: String,
    pub street: String,
    pub address: String,
    pub enterprise: String,
    pub description: String,
    pub severity: String,
    pub observed_at: String,
    #[serde(deserialize_with = "checkbox")]
    pub anonymous: bool,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    #[serde(deserialize_with = "checkbox")]
    pub wants_reward: bool,
    /// "I work for the business I report."
    #[serde(deserialize_with = "checkbox")]
    pub employee: bool,
    /// "I have safety-supervision duties, or am a relative of someone who has."
    #[serde(deserialize_with = "checkbox")]
    pub supervision_staff: bool,
    /// The token of photos kept from an earlier refusal of this form.
    pub photo_draft: String,
    /// The reporter asked to drop the kept photos.
    #[serde(deserialize_with = "checkbox")]
    pub discard_photos: bool,
    /// Made by the page: the same form sent twice (a reload of the receipt, a double tap)
    /// stores one tip and shows the same receipt.
    pub submission_id: String,
    /// The answered proof of work (`<challenge>:<nonce>`), set by the page's script when the
    /// form carried a challenge; spent when sent, so never echoed back.
    #[serde(skip_serializing)]
    pub proof_of_work: String,
}

/// A fresh submission id for a form (random; empty only if the system has no randomness, and
/// then the form works as before, without replay).
pub fn new_submission_id() -> String {
    crate::services::intake::SubmissionKey::new_random()
        .map(|k| k.as_str().to_owned())
        .unwrap_or_default()
}

fn is_checked(value: &str) -> bool {
    matches!(value, "on" | "true" | "1" | "yes")
}

fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(is_checked(&String::deserialize(d)?))
}

impl ReportForm {
    /// The blank form: anonymous unless the reporter chooses otherwise.
    pub fn blank() -> Self {
        ReportForm {
            anonymous: true,
            severity: "general".into(),
            submission_id: new_submission_id(),
            ..ReportForm::default()
        }
    }

    fn set(&mut self, name: &str, value: String) {
        match name {
            "sector" => self.sector = value,
            "street" => self.street = value,
            "address" => self.address = value,
            "enterprise" => self.enterprise = value,
            "description" => self.description = value,
            "severity" => self.severity = value,
            "observed_at" => self.observed_at = value,
            "anonymous" => self.anonymous = is_checked(&value),
            "reporter_name" => self.reporter_name = value,
            "reporter_phone" => self.reporter_phone = value,
            "reporter_email" => self.reporter_email = value,
            "wants_reward" => self.wants_reward = is_checked(&value),
            "employee" => self.employee = is_checked(&value),
            "supervision_staff" => self.supervision_staff = is_checked(&value),
            "photo_draft" => self.photo_draft = value,
            "discard_photos" => self.discard_photos = is_checked(&value),
            "submission_id" => self.submission_id = value,
            "proof_of_work" => self.proof_of_work = value,
            _ => {}
        }
    }

    /// The tip as the intake rules read it. A `datetime-local` value is local time of the
    /// deployment; identity fields count only when something was typed in them.
    pub fn to_input(&self, offset: chrono::FixedOffset) -> TipInput {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        let identity_typed = [
            &self.reporter_name,
            &self.reporter_phone,
            &self.reporter_email,
        ]
        .iter()
        .any(|s| !s.trim().is_empty());
        TipInput {
            sector: opt(&self.sector),
            street: opt(&self.street),
            address: Some(self.address.clone()),
            enterprise: opt(&self.enterprise),
            description: Some(self.description.clone()),
            severity: opt(&self.severity),
            observed_at: opt(&self.observed_at).map(|s| local_to_rfc3339(&s, offset)),
            anonymous: Some(self.anonymous),
            reporter: identity_typed.then(|| ReporterInput {
                name: opt(&self.reporter_name),
                phone: opt(&self.reporter_phone),
                email: opt(&self.reporter_email),
            }),
            wants_reward: Some(self.wants_reward),
            employee: Some(self.employee),
            supervision_staff: Some(self.supervision_staff),
        }
    }
}

/// `2026-11-28T19:30` (a `datetime-local` value) in the given offset as RFC 3339; anything else
/// is passed on for the intake rules to judge.
fn local_to_rfc3339(s: &str, offset: chrono::FixedOffset) -> String {
    let s = s.trim();
    // Browsers without a date-time picker let people type a space instead of the `T`.
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(|t| t.and_local_timezone(offset).single())
    .map(|t| t.to_rfc3339())
    .unwrap_or_else(|| s.to_owned())
}

/// What a photo problem is called in the form's errors.
pub fn photo_error_key(e: PhotoError) -> &'static str {
    match e {
        PhotoError::UnsupportedType => "photo_type",
        PhotoError::Corrupt => "photo_corrupt",
        PhotoError::TooLarge => "photo_too_large",
    }
}

/// A read form: the typed values, the photos that passed, and the photo problems.
#[derive(Debug, Default)]
pub struct Upload {
    pub form: ReportForm,
    pub photos: Vec<CleanPhoto>,
    pub photo_errors: Vec<&'static str>,
    /// At least one photo was of a type that is not allowed (the answer is then 415).
    pub unsupported_type: bool,
    /// The upload slot taken when the first photo came (kept while the photos are in memory);
    /// a form without photos takes none.
    pub slot: Option<OwnedSemaphorePermit>,
}

#[derive(Debug)]
pub enum ReadError {
    /// The body is over the multipart limit.
    TooLarge,
    /// Not a form we can read.
    Malformed,
    /// The body stalled or took too long to arrive, and was dropped.
    TimedOut,
    /// No upload slot came free in time.
    Busy,
}

/// How slowly a client may send a body (API.md, "Security rules added in version 2").
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// The longest wait for the next bytes.
    pub stall: Duration,
    /// The longest time spent waiting for the body's bytes altogether.
    pub total: Duration,
}

impl Pace {
    pub fn new(stall_seconds: u64, total_seconds: u64) -> Pace {
        Pace {
            stall: Duration::from_secs(stall_seconds),
            total: Duration::from_secs(total_seconds),
        }
    }
}

/// A request body read at a [`Pace`]: when no bytes come for `stall`, or waiting for them has
/// taken `total` altogether, the stream ends with an error and `timed_out` is set. Only the time
/// spent waiting for the client counts (not a wait for an upload slot).
pub fn paced(
    payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    pace: Pace,
    timed_out: Rc<Cell<bool>>,
) -> Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> {
    let state = Some((payload, Duration::ZERO));
    let stream = futures_util::stream::unfold(state, move |state| {
        let timed_out = timed_out.clone();
        async move {
            let (mut payload, used) = state?;
            let wait = pace.stall.min(pace.total.saturating_sub(used));
            let started = Instant::now();
            match tokio::time::timeout(wait, payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some((payload, used + started.elapsed())))),
                Ok(None) => None,
                Err(_) => {
                    timed_out.set(true);
                    let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "body too slow");
                    Some((Err(PayloadError::Io(e)), None))
                }
            }
        }
    });
    Box::pin(stream.fuse())
}

/// Set on a request whose body [`pace_bodies`] dropped as too slow.
#[derive(Clone)]
struct SlowBody(Rc<Cell<bool>>);

/// Whether the request's body was dropped as too slow.
pub fn body_too_slow(req: &HttpRequest) -> bool {
    req.extensions()
        .get::<SlowBody>()
        .is_some_and(|s| s.0.get())
}

/// Whether a request may carry a body: HTTP/1.1 announces one by its length or its chunks;
/// another version is taken to have one.
fn may_have_body(req: &ServiceRequest) -> bool {
    use actix_web::http::{Version, header};
    let headers = req.headers();
    req.version() > Version::HTTP_11
        || headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|n| n.as_bytes() != b"0")
}

/// Reads every request body at the deployment's [`Pace`] (outside every other reader, so that
/// no reader waits on a slow client), after the early refusals of Open311
/// ([`super::open311::refused_early`]). A body dropped as too slow that no handler answered
/// itself answers 408 with the localised page (400 in the API's shape).
pub async fn pace_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if let Some(answer) = super::open311::refused_early(req.request(), &state) {
        return Ok(req.into_response(answer));
    }
    if !may_have_body(&req) {
        // Nothing to pace (a page, a GET of the API): no timer, no flag to look at.
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let slow = Rc::new(Cell::new(false));
    let body = paced(req.take_payload(), state.upload_pace, slow.clone());
    req.set_payload(actix_web::dev::Payload::from(body));
    req.extensions_mut().insert(SlowBody(slow.clone()));
    // Kept before the call: the request itself is the inner service's from here on.
    let lang = Lang::from_request(req.request());
    let (path, api) = (req.path().to_owned(), super::is_api(req.request()));
    match next.call(req).await {
        Ok(res) => Ok(res.map_into_boxed_body()),
        Err(e) if slow.get() => {
            let answer = match api {
                true => ApiError::new(Code::BadRequest, lang).error_response(),
                false => {
                    let (status, title) = (StatusCode::REQUEST_TIMEOUT, "page-slow-title");
                    let text = lang.t("page-slow");
                    state.pages.error_at(&path, lang, status, title, &text)
                }
            };
            Err(actix_web::error::InternalError::from_response(e, answer).into())
        }
        Err(e) => Err(e),
    }
}

/// The slots for reading forms with photos (each may hold a whole body in memory).
pub struct Slots {
    pub semaphore: Arc<Semaphore>,
    /// The longest wait for a slot.
    pub wait: Duration,
}

impl Slots {
    pub fn new(count: usize) -> Slots {
        Slots {
            semaphore: Arc::new(Semaphore::new(count)),
            wait: Duration::from_secs(30),
        }
    }

    /// Waits (up to `wait`) for a slot.
    pub async fn take(&self) -> Result<OwnedSemaphorePermit, ReadError> {
        let acquire = self.semaphore.clone().acquire_owned();
        match tokio::time::timeout(self.wait, acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ReadError::Busy),
        }
    }
}

/// Reads a report form body, multipart or URL-encoded (at the pace [`pace_bodies`] keeps); a
/// slot of `slots` is taken only when a photo comes.
/// With `keep_photos` false (a rate-limited request) photos are read past, not kept.
pub async fn read_report(
    req: &HttpRequest,
    payload: Payload,
    (limit, slots): (usize, &Slots),
    keep_photos: bool,
) -> Result<Upload, ReadError> {
    let read = read_report_body(req, payload, (limit, slots), keep_photos).await;
    match read {
        Err(_) if body_too_slow(req) => Err(ReadError::TimedOut),
        other => other,
    }
}

async fn read_report_body(
    req: &HttpRequest,
    body: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    (limit, slots): (usize, &Slots),
    keep_photos: bool,
) -> Result<Upload, ReadError> {
    let content_type = req.content_type().to_ascii_lowercase();
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = read_all(body, 1 << 20).await?;
        let form: ReportForm =
            serde_urlencoded::from_bytes(&body).map_err(|_| ReadError::Malformed)?;
        return Ok(Upload {
            form,
            ..Upload::default()
        });
    }
    if !content_type.starts_with("multipart/form-data") {
        return Err(ReadError::Malformed);
    }
    let parts = Multipart::new(req.headers(), body);
    read_report_parts(parts, (limit, slots), keep_photos).await
}

/// The report form's multipart body: its text fields, and its photos cleaned of metadata when
/// `keep_photos` (the upload slot taken when the first chosen photo comes).
async fn read_report_parts(
    parts: Multipart,
    (limit, slots): (usize, &Slots),
    keep_photos: bool,
) -> Result<Upload, ReadError> {
    let mut up = Upload::default();
    let mut raw_photos: Vec<Vec<u8>> = Vec::new();
    let cap = |name: &str| match name {
        "photos" if keep_photos => photo::MAX_BYTES + 1,
        "photos" => 0,
        _ => TEXT_FIELD_MAX,
    };
    // Only a photo is held in memory at length: a form without one needs no slot.
    let hold = keep_photos.then_some((slots, &mut up.slot));
    let (form, errors) = (&mut up.form, &mut up.photo_errors);
    read_parts(parts, limit, cap, hold, |part| {
        if part.name == "photos" {
            // A file input left empty still sends an empty part.
            if !part.bytes.is_empty() && keep_photos {
                take_photo(&mut raw_photos, errors, &part.bytes, part.over);
            }
        } else if part.file_name.is_none() {
            form.set(
                &part.name,
                String::from_utf8_lossy(&part.bytes).into_owned(),
            );
        }
        Ok(())
    })
    .await?;
    if !keep_photos {
        return Ok(up);
    }
    clean_photos(raw_photos, &mut up).await?;
    Ok(up)
}

/// The API's answer to a body that could not be read.
pub fn read_error(e: ReadError, lang: Lang) -> ApiError {
    match e {
        ReadError::TooLarge => ApiError::new(Code::TooLarge, lang),
        ReadError::Malformed | ReadError::TimedOut => ApiError::new(Code::BadRequest, lang),
        // Every upload slot is taken: try again shortly.
        ReadError::Busy => ApiError::rate_limited(lang, 30),
    }
}

/// Reads a photos-later form (`POST /api/v1/track/attachments` and the /track page's photo
/// form): the `receipt` and one to five photos in `photo` (or `photos`), stripped of their
/// metadata like the report form's. The upload slot is taken first: this form is all photos.
/// With `keep_photos` false (a rate-limited request) the photos are read past, not kept, and
/// no slot is taken. `None` when the body is not multipart at all.
pub async fn read_later_photos(
    req: &HttpRequest,
    payload: Payload,
    (limit, slots): (usize, &Slots),
    keep_photos: bool,
) -> Result<Option<(String, Upload)>, ReadError> {
    if !is_multipart(req) {
        return Ok(None);
    }
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge);
    }
    let mut up = Upload {
        slot: match keep_photos {
            true => Some(slots.take().await?),
            false => None,
        },
        ..Upload::default()
    };
    let (mut receipt, mut raw_photos) = (String::new(), Vec::new());
    let is_photo = |name: &str| matches!(name, "photo" | "photos");
    let cap = |name: &str| match (is_photo(name), keep_photos) {
        (true, true) => photo::MAX_BYTES + 1,
        (true, false) => 0,
        (false, _) => TEXT_FIELD_MAX,
    };
    let errors = &mut up.photo_errors;
    let parts = Multipart::new(req.headers(), payload);
    let read = read_parts(parts, limit, cap, None, |part| {
        // A file input left empty still sends an empty part.
        if is_photo(&part.name) && !part.bytes.is_empty() && keep_photos {
            take_photo(&mut raw_photos, errors, &part.bytes, part.over);
        } else if part.name == "receipt" && part.file_name.is_none() {
            receipt = String::from_utf8_lossy(&part.bytes).into_owned();
        }
        Ok(())
    })
    .await;
    match read {
        Err(_) if body_too_slow(req) => return Err(ReadError::TimedOut),
        other => other?,
    }
    clean_photos(raw_photos, &mut up).await?;
    Ok(Some((receipt, up)))
}

/// One part of a multipart body, as [`read_parts`] read it.
pub struct Part {
    pub name: String,
    /// The file name a file input sent (empty when none was chosen); `None` for a text field.
    pub file_name: Option<String>,
    /// At most the part's cap.
    pub bytes: BytesMut,
    /// The part was longer than its cap (the rest was read and dropped).
    pub over: bool,
}

/// Reads every part of a multipart body in turn: each kept up to the bytes `cap` allows its
/// name, the whole body at most `limit` bytes, and handed to `each` (whose error ends the
/// reading). With `hold`, an upload slot is taken into its place before the first chosen file
/// that is kept at more than a text field's length (a body without one needs no slot).
pub async fn read_parts(
    mut parts: Multipart,
    limit: usize,
    cap: impl Fn(&str) -> usize,
    mut hold: Option<(&Slots, &mut Option<OwnedSemaphorePermit>)>,
    mut each: impl FnMut(Part) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut total = 0usize;
    while let Some(field) = parts.next().await {
        let mut field = field.map_err(|_| ReadError::Malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let chosen = file_name.as_deref().is_some_and(|f| !f.is_empty());
        if let Some((slots, slot)) = &mut hold
            && slot.is_none()
            && chosen
            && cap(&name) > TEXT_FIELD_MAX
        {
            **slot = Some(slots.take().await?);
        }
        let (bytes, over) = read_field(&mut field, cap(&name), (&mut total, limit)).await?;
        each(Part {
            name,
            file_name,
            bytes,
            over,
        })?;
    }
    Ok(())
}

/// One part of a multipart body, at most `cap` bytes kept (the rest read and dropped; `true`
/// in the second place says so), the whole body's bytes counted against its limit.
async fn read_field(
    field: &mut actix_multipart::Field,
    cap: usize,
    (total, limit): (&mut usize, usize),
) -> Result<(BytesMut, bool), ReadError> {
    let mut buf = BytesMut::new();
    let mut over = false;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| ReadError::Malformed)?;
        *total += chunk.len();
        if *total > limit {
            return Err(ReadError::TooLarge);
        }
        if buf.len() + chunk.len() > cap {
            over = true;
            let room = cap.saturating_sub(buf.len());
            buf.extend_from_slice(&chunk[..room.min(chunk.len())]);
        } else {
            buf.extend_from_slice(&chunk);
        }
    }
    Ok((buf, over))
}

/// Strips the photos' metadata (off the async workers: it walks every byte); the refused ones
/// leave their reason in the upload.
async fn clean_photos(raw_photos: Vec<Vec<u8>>, up: &mut Upload) -> Result<(), ReadError> {
    let cleaned = actix_web::web::block(move || {
        raw_photos
            .iter()
            .map(|raw| photo::clean(raw))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|_| ReadError::Malformed)?;
    for result in cleaned {
        match result {
            Ok(p) => up.photos.push(p),
            Err(e) => {
                up.unsupported_type |= e == PhotoError::UnsupportedType;
                push_once(&mut up.photo_errors, photo_error_key(e));
            }
        }
    }
    Ok(())
}

/// A photo part: kept (up to the number allowed), or its problem noted once.
fn take_photo(raw: &mut Vec<Vec<u8>>, errors: &mut Vec<&'static str>, bytes: &[u8], over: bool) {
    if over {
        push_once(errors, "photo_too_large");
    } else if raw.len() >= photo::MAX_PHOTOS {
        push_once(errors, "photo_count");
    } else {
        raw.push(bytes.to_vec());
    }
}

fn push_once(v: &mut Vec<&'static str>, key: &'static str) {
    if !v.contains(&key) {
        v.push(key);
    }
}

/// The body length a request declares, if it declares one that is a number.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Whether the request says its body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.content_type()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// Reads a whole (small) body.
pub async fn read_all(
    mut payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ReadError::Malformed)?;
        if buf.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_values_are_read_in_the_deployments_offset() {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(
            local_to_rfc3339("2026-11-28T19:30", cst),
            "2026-11-28T19:30:00+08:00"
        );
        assert_eq!(
            local_to_rfc3339("2026-11-28T19:30:15", cst),
            "2026-11-28T19:30:15+08:00"
        );
        assert_eq!(local_to_rfc3339("yesterday", cst), "yesterday");
    }

    #[test]
    fn identity_counts_only_when_typed() {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let mut f = ReportForm::blank();
        assert!(f.to_input(cst).reporter.is_none());
        f.reporter_phone = "13900001234".into();
        assert!(f.to_input(cst).reporter.is_some());
    }
}
