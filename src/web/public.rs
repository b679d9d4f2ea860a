//! The reporter's pages: landing, report form, receipt, follow-up (API.md, "HTTP: pages").
//! They work without JavaScript, in Chinese by default and in English, and a refused form
//! always comes back with what was typed.

use super::AppState;
use super::cache::{Fresh, Key};
use super::form::{self, ReadError, ReportForm};
use super::i18n::Lang;
use super::pages::{Choice, Names, Page, Prefill};
use super::render::Caching;
use super::security::{Bucket, Refusal, client_ip, proven_slot};
use crate::domain::FieldError;
use crate::domain::photo::{CleanPhoto, MAX_PHOTOS};
use crate::domain::tip::{Channel, NewTip};
use crate::services::ServiceError;
use crate::services::intake::SubmissionKey;
use crate::services::intake::Submitted;
use crate::services::proof::Challenge;
use crate::services::track::TrackedTip;
use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;
use std::sync::Arc;

/// How long the kept statistics and exposure pages may lag a change made elsewhere (another
/// instance on the same database; this instance's own changes to the exposure list show at
/// once). See `web::cache`.
const PUBLIC_DATA_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The kept rendering of a public page in a language (`variant` tells renderings apart).
fn key(page: &'static str, lang: Lang, variant: &'static str) -> Key {
    Key {
        page,
        lang,
        variant,
    }
}

pub async fn index(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    let key = (key("/", lang, ""), Fresh::Forever);
    state.pages.cached(&req, key, &[], || {
        let mut ctx = state.pages.context(lang, Some("/"));
        ctx.insert("description", "meta-index");
        ("public/index.html", ctx, Caching::Revalidate)
    })
}

/// `?urgent=1` puts the emergency numbers first. Read by hand: a malformed query string must
/// not turn the page into a JSON error.
fn is_urgent(req: &HttpRequest) -> bool {
    req.query_string()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .any(|(k, v)| k == "urgent" && !v.is_empty() && v != "0")
}

/// What a poster's link fills in (`?sector=…&street=…&enterprise=…`): known codes only; a link
/// that does not parse fills in nothing rather than failing the form.
fn prefill(state: &AppState, req: &HttpRequest) -> Prefill {
    match req.query_string() {
        "" => Prefill::default(),
        query => serde_urlencoded::from_str::<Prefill>(query)
            .unwrap_or_default()
            .known(&state.services.catalog),
    }
}

pub async fn report_form(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    let given = prefill(&state, &req);
    let prefilled = [&given.sector, &given.street, &given.enterprise]
        .iter()
        .any(|v| !v.is_empty());
    if prefilled || past_burst(&state, &req) {
        // A poster's link (one of many combinations), or an address that gets a challenge
        // with its form: rendered each time rather than kept.
        let Prefill {
            sector,
            street,
            enterprise,
        } = given;
        let form = ReportForm {
            sector,
            street,
            enterprise,
            ..ReportForm::blank()
        };
        let view = ReportView::new(&req, form, FormErrors::default(), 0);
        return render_report(&state, &req, lang, &view, StatusCode::OK);
    }
    // The blank form is kept; its submission id and the latest time it accepts are spliced in.
    const SUBMISSION: &str = "tipline-splice-submission-id";
    const NOW: &str = "tipline-splice-now-local";
    let urgent = is_urgent(&req);
    let variant = if urgent { "urgent" } else { "" };
    let (id, now) = (form::new_submission_id(), now_local(&state));
    let splices = [(SUBMISSION, id.as_str()), (NOW, now.as_str())];
    let key = (key("/report", lang, variant), Fresh::Forever);
    state.pages.cached(&req, key, &splices, || {
        let form = ReportForm {
            submission_id: SUBMISSION.to_owned(),
            ..ReportForm::blank()
        };
        let view = ReportView::new(&req, form, FormErrors::default(), 0);
        let mut ctx = report_context(&state, lang, &view);
        ctx.insert("now_local", NOW);
        ("public/report.html", ctx, Caching::NoStore)
    })
}

/// The deployment's local time now, to the minute, as a `datetime-local` value.
fn now_local(state: &AppState) -> String {
    use chrono::{Datelike, Timelike};
    let t = state
        .services
        .clock
        .now()
        .with_timezone(&state.services.offset);
    // `%Y-%m-%dT%H:%M` without reading a format string on every blank form.
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The address's submission slot, or its wait; and whether a proof of work may still let a
/// request over the limit through.
fn admission(
    state: &AppState,
    ip: std::net::IpAddr,
) -> (
    Result<crate::web::security::Slot, crate::web::security::Wait>,
    bool,
) {
    let first = state.limiters.submission(ip);
    let provable = first.as_ref().err().is_some_and(|w| w.provable);
    (first, provable && state.services.proofs.settings.enabled)
}

pub async fn report_submit(page: Page, payload: web::Payload) -> HttpResponse {
    let (state, req, lang) = (&page.state, &page.req, page.lang);
    // Counted before anything is stored: a limited request keeps its text, and its photos only
    // when a proof of work may still let it through (the page's script answers it at once).
    let ip = client_ip(req, &state.trusted_proxies);
    let (first, provable) = admission(state, ip);
    // Forms with photos are read a bounded batch at a time (each may hold 60 MB in memory), and
    // a body that arrives too slowly is dropped, so slow clients cannot hold the slots.
    let how = (state.multipart_limit, &state.uploads);
    let read = form::read_report(req, payload, how, first.is_ok() || provable).await;
    let mut up = match read {
        Ok(up) => up,
        Err(e) => return unreadable(state, req, lang, e),
    };
    let key = SubmissionKey::parse("submission_id", &up.form.submission_id).ok();
    let answer = std::mem::take(&mut up.form.proof_of_work);
    let slot = match first {
        Ok(slot) => slot,
        Err(wait) => match proven_slot(state, ip, wait, Some(&answer)).await {
            Ok(slot) => slot,
            Err(refused) => return limited(state, req, lang, up, key, refused).await,
        },
    };
    let mut errors = FormErrors::default();
    let previous = Some(up.form.photo_draft.trim().to_owned()).filter(|t| !t.is_empty());
    let photos = gather_photos(state, lang, &mut up, previous.clone(), &mut errors).await;
    let draft = (photos.clone(), previous.clone());
    let status = match submit_form(state, lang, &up, (draft, key), &mut errors).await {
        Ok(done) => {
            slot.accepted();
            return render_receipt(state, req, lang, &done, done.photos);
        }
        Err(status) => status,
    };
    drop(slot);
    let kept = keep_refused_photos(state, lang, &mut up.form, previous, photos, &mut errors).await;
    let view = ReportView::new(req, up.form, errors, kept);
    render_report(state, req, lang, &view, status)
}

/// The answer to a form over the limit: the same receipt when it is a reload of one already
/// sent, else the form as typed with the wait (429, `Retry-After` in seconds) and, when one
/// would help, a challenge the page's script answers and sends the form with (its photos kept
/// for it under a draft token).
async fn limited(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    mut up: form::Upload,
    key: Option<SubmissionKey>,
    refused: Refusal,
) -> HttpResponse {
    // A reload of the receipt page sends the form again: past the limit too it shows the same
    // receipt (under the limit, storing it answers the replay).
    if let Some(key) = key {
        let input = up.form.to_input(state.services.offset);
        if let Ok(Some(done)) = state.services.replayed(key, input).await {
            return render_receipt(state, req, lang, &done, done.photos);
        }
    }
    let mut errors = FormErrors::default();
    let mut kept = 0;
    if refused.challenge.is_some() {
        let previous = Some(up.form.photo_draft.trim().to_owned()).filter(|t| !t.is_empty());
        let photos = gather_photos(state, lang, &mut up, previous.clone(), &mut errors).await;
        kept = keep_refused_photos(state, lang, &mut up.form, previous, photos, &mut errors).await;
    }
    errors.banner = lang.rate_limited(refused.wait.seconds);
    let mut view = ReportView::new(req, up.form, errors, kept);
    view.challenge = refused.challenge;
    view.send_when_solved = view.challenge.is_some();
    let mut resp = render_report(state, req, lang, &view, StatusCode::TOO_MANY_REQUESTS);
    resp.headers_mut()
        .insert(RETRY_AFTER, refused.wait.seconds.into());
    resp
}

/// The answer to a form that could not be read at all.
fn unreadable(state: &AppState, req: &HttpRequest, lang: Lang, e: ReadError) -> HttpResponse {
    let (status, title, text) = match e {
        ReadError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "page-too-large-title",
            lang.t("page-too-large"),
        ),
        ReadError::Malformed => (
            StatusCode::BAD_REQUEST,
            "page-internal-title",
            lang.t("error-bad_request"),
        ),
        ReadError::TimedOut => (
            StatusCode::REQUEST_TIMEOUT,
            "page-slow-title",
            lang.t("page-slow"),
        ),
        ReadError::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "page-busy-title",
            lang.t("page-busy"),
        ),
    };
    state.pages.error(req, lang, status, title, &text)
}

/// Keeps the good photos of a refused form under a fresh token, so they need not be chosen
/// again; the number kept.
async fn keep_refused_photos(
    state: &AppState,
    lang: Lang,
    form: &mut ReportForm,
    previous: Option<String>,
    photos: Arc<Vec<CleanPhoto>>,
    errors: &mut FormErrors,
) -> usize {
    let kept = photos.len();
    form.discard_photos = false;
    form.photo_draft = match state.services.keep_photos(previous, photos).await {
        Ok(token) => token.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = ?e, "the photos of a refused form were not kept");
            if kept > 0 {
                errors.add("photos", lang.field("photos-expired", &[]));
            }
            String::new()
        }
    };
    if form.photo_draft.is_empty() { 0 } else { kept }
}

/// The photos of this submission: those kept from an earlier refusal first, then the new ones,
/// at most five; problems go into `errors`.
async fn gather_photos(
    state: &AppState,
    lang: Lang,
    up: &mut form::Upload,
    previous: Option<String>,
    errors: &mut FormErrors,
) -> Arc<Vec<CleanPhoto>> {
    let mut photos = Vec::new();
    if let Some(token) = previous.filter(|_| !up.form.discard_photos) {
        match state.services.draft_photos(token).await {
            Ok(kept) if kept.is_empty() => errors.add("photos", lang.field("photos-expired", &[])),
            Ok(kept) => photos = kept,
            Err(e) => tracing::error!(error = ?e, "reading kept photos failed"),
        }
    }
    photos.append(&mut up.photos);
    if photos.len() > MAX_PHOTOS {
        photos.truncate(MAX_PHOTOS);
        if !up.photo_errors.contains(&"photo_count") {
            up.photo_errors.push("photo_count");
        }
    }
    for key in &up.photo_errors {
        errors.add("photos", lang.field(key, &[]));
    }
    Arc::new(photos)
}

/// The photos of a form (new ones, and the token of those kept from a refusal).
type Photos = (Arc<Vec<CleanPhoto>>, Option<String>);

/// Stores the tip unless something is wrong; `Err` is the status of the re-shown form.
async fn submit_form(
    state: &AppState,
    lang: Lang,
    up: &form::Upload,
    ((photos, draft), key): (Photos, Option<SubmissionKey>),
    errors: &mut FormErrors,
) -> Result<Submitted, StatusCode> {
    let s = &state.services;
    let input = up.form.to_input(s.offset);
    if !errors.is_empty() {
        // Report every problem at once: the photos, and whatever else the form has.
        errors.extend(
            lang,
            NewTip::parse(&input, &s.catalog, s.clock.now())
                .err()
                .unwrap_or_default(),
        );
        return Err(if up.unsupported_type {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        });
    }
    let stored = s.submit_tip_once(input, Channel::Web, photos, draft, key);
    stored.await.map_err(|e| refused(lang, e, errors))
}

/// Why the form's tip was not stored, onto the form; the page's status.
fn refused(lang: Lang, e: ServiceError, errors: &mut FormErrors) -> StatusCode {
    match e {
        ServiceError::Validation(fields)
            if fields.iter().any(|f| f.key == "idempotency_key_reused") =>
        {
            // Sent before with other words (back, edit, send): a new report needs a new form.
            errors.banner = lang.field("idempotency_key_reused", &[]);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Validation(fields) => {
            errors.extend(lang, fields);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        e => {
            tracing::error!(error = ?e, "storing a tip from the form failed");
            errors.banner = lang.t("error-internal");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Field errors of the report form, by the form's field ids, plus the summary at the top.
#[derive(Debug, Default, Serialize)]
pub struct FormErrors {
    #[serde(flatten)]
    by_field: BTreeMap<&'static str, Vec<String>>,
    #[serde(skip)]
    banner: String,
}

/// The form's fields in page order, with the label of each.
const FORM_FIELDS: &[(&str, &str)] = &[
    ("sector", "field-sector"),
    ("street", "field-street"),
    ("address", "field-address"),
    ("enterprise", "field-enterprise"),
    ("description", "field-description"),
    ("severity", "field-severity"),
    ("observed_at", "field-observed-at"),
    ("photos", "field-photos"),
    ("anonymous", "field-identity"),
    ("reporter_name", "field-reporter-name"),
    ("reporter_phone", "field-reporter-phone"),
    ("reporter_email", "field-reporter-email"),
];

impl FormErrors {
    fn from_fields(lang: Lang, fields: Vec<FieldError>) -> Self {
        let mut errors = FormErrors::default();
        for f in fields {
            let id = match f.field {
                "reporter" => "anonymous",
                "reporter.name" => "reporter_name",
                "reporter.phone" => "reporter_phone",
                "reporter.email" => "reporter_email",
                other => FORM_FIELDS
                    .iter()
                    .map(|(id, _)| *id)
                    .find(|id| *id == other)
                    .unwrap_or("description"),
            };
            errors.add(id, lang.field(f.key, &f.args));
        }
        errors
    }

    fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.banner.is_empty()
    }

    fn extend(&mut self, lang: Lang, fields: Vec<FieldError>) {
        let more = FormErrors::from_fields(lang, fields);
        for (id, msgs) in more.by_field {
            self.by_field.entry(id).or_default().extend(msgs);
        }
    }

    fn add(&mut self, id: &'static str, message: String) {
        self.by_field.entry(id).or_default().push(message);
    }

    fn summary(&self, lang: Lang) -> Vec<SummaryItem> {
        FORM_FIELDS
            .iter()
            .filter_map(|(id, label)| {
                let msgs = self.by_field.get(id)?;
                let sep = if lang == Lang::Zh { "：" } else { ": " };
                Some(SummaryItem {
                    id,
                    text: format!("{}{sep}{}", lang.t(label), msgs.join(" ")),
                })
            })
            .collect()
    }
}

#[derive(Serialize)]
struct SummaryItem {
    id: &'static str,
    text: String,
}

/// A sector on the report form, with the hint that says what belongs to it.
#[derive(Serialize)]
struct Hinted {
    #[serde(flatten)]
    choice: Choice,
    hint: String,
}

/// What the report form page shows.
struct ReportView {
    urgent: bool,
    form: ReportForm,
    errors: FormErrors,
    kept_photos: usize,
    /// A proof of work for the page's script to answer (the address is past its burst).
    challenge: Option<Challenge>,
    /// The script sends the form once the challenge is answered (a form refused by the limit).
    send_when_solved: bool,
}

impl ReportView {
    fn new(req: &HttpRequest, form: ReportForm, errors: FormErrors, kept_photos: usize) -> Self {
        ReportView {
            urgent: is_urgent(req),
            form,
            errors,
            kept_photos,
            challenge: None,
            send_when_solved: false,
        }
    }
}

fn render_report(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    view: &ReportView,
    status: StatusCode,
) -> HttpResponse {
    let mut ctx = report_context(state, lang, view);
    // An address already past its burst gets its challenge with the form, so the script has
    // answered it by the time the form is sent.
    if view.challenge.is_none() && past_burst(state, req) {
        ctx.insert("challenge", &state.services.offer_challenge());
    }
    state
        .pages
        .render(req, "public/report.html", &ctx, status, Caching::NoStore)
}

/// Whether the request's address is past its submission burst (its form carries a challenge,
/// so it is rendered for it rather than kept).
fn past_burst(state: &AppState, req: &HttpRequest) -> bool {
    let ip = client_ip(req, &state.trusted_proxies);
    state.limiters.past_submission_burst(ip)
}

/// What the report form's template reads.
fn report_context(state: &AppState, lang: Lang, view: &ReportView) -> tera::Context {
    let catalog = &state.services.catalog;
    let names = Names::new(catalog, lang);
    let sectors: Vec<Hinted> = (names.sector_choices().into_iter())
        .zip(catalog.sectors())
        .map(|(choice, s)| Hinted {
            choice,
            hint: lang.pick(&s.hint_zh, &s.hint_en),
        })
        .collect();
    let mut all_errors: BTreeMap<&str, Vec<String>> = FORM_FIELDS
        .iter()
        .map(|(id, _)| (*id, Vec::new()))
        .collect();
    for (id, msgs) in &view.errors.by_field {
        all_errors.insert(id, msgs.clone());
    }
    let now_local = now_local(state);
    let switch = if view.urgent {
        "/report?urgent=1"
    } else {
        "/report"
    };
    let mut ctx = state.pages.context(lang, Some(switch));
    ctx.insert("description", "meta-report");
    ctx.insert("urgent", &view.urgent);
    ctx.insert("form", &view.form);
    ctx.insert("errors", &all_errors);
    ctx.insert("summary", &view.errors.summary(lang));
    ctx.insert("banner", &view.errors.banner);
    ctx.insert("sectors", &sectors);
    ctx.insert("streets", &names.street_choices());
    ctx.insert("now_local", &now_local);
    ctx.insert("kept_photos", &view.kept_photos);
    ctx.insert(
        "kept_photos_text",
        &lang.field("photos-kept", &[("count", view.kept_photos as i64)]),
    );
    ctx.insert("challenge", &view.challenge);
    ctx.insert("send_when_solved", &view.send_when_solved);
    ctx
}

/// Percent-encodes text for a `data:` URL.
fn data_url(text: &str) -> String {
    let mut out = String::from("data:text/plain;charset=utf-8,");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn render_receipt(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    done: &Submitted,
    photos: usize,
) -> HttpResponse {
    let names = Names::new(&state.services.catalog, lang);
    let services = &state.services;
    let words = done.in_words(names, services.offset, &services.public_url);
    let mut ctx = state.pages.context(lang, None);
    ctx.insert("track_url", &words.track_url);
    ctx.insert("case_number", done.case_number.as_str());
    ctx.insert("receipt", &words.receipt);
    ctx.insert("submitted", &words.submitted);
    ctx.insert("department", &words.department);
    ctx.insert("street", &words.street);
    ctx.insert("photos", &photos);
    ctx.insert("acceptance_due", &words.acceptance_due);
    ctx.insert("download_href", &data_url(&words.file));
    ctx.insert(
        "download_name",
        &format!("receipt-{}.txt", done.case_number),
    );
    state.pages.render(
        req,
        "public/receipt.html",
        &ctx,
        StatusCode::OK,
        Caching::NoStore,
    )
}

/// The blank follow-up form: the same for everyone, so kept (and revalidated, not `no-store`:
/// it shows nothing of a case).
pub async fn track_form(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    let key = (key("/track", lang, ""), Fresh::Forever);
    state.pages.cached(&req, key, &[], || {
        let ctx = track_context(&state, lang, &TrackPage::default());
        ("public/track.html", ctx, Caching::Revalidate)
    })
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct TrackForm {
    receipt: String,
    action: String,
    body: String,
    payee_name: String,
    payee_account: String,
    phone: String,
    id_number: String,
    bank: String,
}

/// What the follow-up page shows.
#[derive(Default)]
struct TrackPage {
    tip: Option<TrackedTip>,
    receipt_value: String,
    receipt_error: String,
    banner: String,
    reply_value: String,
    reply_errors: Vec<String>,
    reply_ok: bool,
    claim_errors: Vec<String>,
    claim_ok: bool,
    /// A refused claim as typed, to fill the form again (the page is never cached).
    claim: Option<TrackForm>,
    /// What was wrong with photos sent later, and how many were stored.
    photo_errors: Vec<String>,
    photos_added: usize,
}

pub async fn track_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    payload: web::Payload,
) -> HttpResponse {
    let Ok(body) = form::read_all(payload, 64 * 1024).await else {
        let (title, text) = ("page-too-large-title", lang.t("error-too_large"));
        return state
            .pages
            .error(&req, lang, StatusCode::PAYLOAD_TOO_LARGE, title, &text);
    };
    let f: TrackForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut page = TrackPage {
        receipt_value: f.receipt.trim().to_owned(),
        ..TrackPage::default()
    };
    let ip = client_ip(&req, &state.trusted_proxies);
    if let Err(seconds) = state.limiters.check(Bucket::Lookup, ip) {
        page.banner = lang.rate_limited(seconds);
        page.reply_value = f.body;
        let mut resp = render_track(&state, &req, lang, &page, StatusCode::TOO_MANY_REQUESTS);
        resp.headers_mut().insert(RETRY_AFTER, seconds.into());
        return resp;
    }
    let s = &state.services;
    match f.action.as_str() {
        "reply" => reply(s, lang, &f, &mut page).await,
        "claim" => claim(s, lang, &f, &mut page).await,
        _ => {}
    }
    let status = look_up(s, lang, &f.receipt, &mut page).await;
    render_track(&state, &req, lang, &page, status)
}

/// The case behind a receipt, onto the page; the page's status.
async fn look_up(
    s: &crate::services::Services,
    lang: Lang,
    receipt: &str,
    page: &mut TrackPage,
) -> StatusCode {
    match s.track(receipt).await {
        Ok(tip) => {
            page.tip = Some(tip);
            let refused = [&page.claim_errors, &page.reply_errors, &page.photo_errors];
            if refused.iter().all(|e| e.is_empty()) {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
        Err(ServiceError::NotFound) => {
            page.receipt_error = lang.t("error-receipt_not_found");
            StatusCode::NOT_FOUND
        }
        Err(e) => {
            tracing::error!(error = ?e, "looking up a receipt failed");
            page.banner = lang.t("error-internal");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Stores the photos a reporter adds later; what went wrong goes onto the page (an unknown
/// receipt is said by the look-up that follows).
async fn store_photos(
    s: &crate::services::Services,
    lang: Lang,
    receipt: &str,
    photos: Vec<crate::domain::photo::CleanPhoto>,
    tp: &mut TrackPage,
) {
    match s.reporter_photos(receipt, photos).await {
        Ok(n) => tp.photos_added = n,
        Err(ServiceError::Validation(errors)) => {
            tp.photo_errors = errors.iter().map(|e| lang.field(e.key, &e.args)).collect()
        }
        Err(ServiceError::NotFound) => {}
        Err(e) => {
            tracing::error!(error = ?e, "storing a reporter's photos failed");
            tp.banner = lang.t("error-internal");
        }
    }
}

/// Photos added later from the follow-up page (a multipart form that works without
/// JavaScript): counted against the look-up limit like the page's other forms; a refusal
/// shows the case again with the problem beside the photo field and the receipt kept.
pub async fn track_photos(page: Page, payload: web::Payload) -> HttpResponse {
    let Page { state, req, lang } = &page;
    let lang = *lang;
    let ip = client_ip(req, &state.trusted_proxies);
    let limited = state.limiters.check(Bucket::Lookup, ip).err();
    let how = (state.multipart_limit, &state.uploads);
    let read = form::read_later_photos(req, payload, how, limited.is_none()).await;
    let (receipt, up) = match read {
        Ok(Some(got)) => got,
        Ok(None) => (String::new(), form::Upload::default()),
        Err(e) => return unreadable(state, req, lang, e),
    };
    let mut tp = TrackPage {
        receipt_value: receipt.trim().to_owned(),
        ..TrackPage::default()
    };
    if let Some(seconds) = limited {
        tp.banner = lang.rate_limited(seconds);
        let mut resp = render_track(state, req, lang, &tp, StatusCode::TOO_MANY_REQUESTS);
        resp.headers_mut().insert(RETRY_AFTER, seconds.into());
        return resp;
    }
    let s = &state.services;
    tp.photo_errors = up.photo_errors.iter().map(|k| lang.field(k, &[])).collect();
    if tp.photo_errors.is_empty() {
        store_photos(s, lang, &receipt, up.photos, &mut tp).await;
    }
    let status = match look_up(s, lang, &receipt, &mut tp).await {
        StatusCode::UNPROCESSABLE_ENTITY if up.unsupported_type => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        other => other,
    };
    render_track(state, req, lang, &tp, status)
}

/// A reporter's reply from the follow-up page; problems go onto the page.
async fn reply(s: &crate::services::Services, lang: Lang, f: &TrackForm, page: &mut TrackPage) {
    match s.reporter_message(&f.receipt, &f.body).await {
        Ok(()) => page.reply_ok = true,
        Err(ServiceError::Validation(errors)) => {
            page.reply_value = f.body.clone();
            page.reply_errors = errors.iter().map(|e| lang.field(e.key, &e.args)).collect();
        }
        Err(ServiceError::NotFound) => {}
        Err(e) => {
            tracing::error!(error = ?e, "storing a reporter's reply failed");
            page.reply_value = f.body.clone();
            page.banner = lang.t("error-internal");
        }
    }
}

/// A reward claim from the follow-up page; problems go onto the page.
async fn claim(s: &crate::services::Services, lang: Lang, f: &TrackForm, page: &mut TrackPage) {
    let payee = crate::services::rewards::Payee {
        name: f.payee_name.clone(),
        account: f.payee_account.clone(),
        phone: f.phone.clone(),
        id_number: f.id_number.clone(),
        bank: Some(f.bank.clone()),
    };
    match s.claim_reward(&f.receipt, payee).await {
        Ok(()) => page.claim_ok = true,
        Err(ServiceError::NotFound) => {}
        Err(ServiceError::Validation(errors)) => {
            page.claim = Some(f.clone());
            page.claim_errors = errors.iter().map(|e| lang.field(e.key, &e.args)).collect();
        }
        Err(ServiceError::Conflict(k)) => {
            page.claim_errors = vec![
                lang.try_t(&format!("conflict-{k}"))
                    .unwrap_or_else(|| lang.t("error-conflict")),
            ];
        }
        Err(e) => {
            tracing::error!(error = ?e, "a reward claim failed");
            page.banner = lang.t("error-internal");
        }
    }
}

fn render_track(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    page: &TrackPage,
    status: StatusCode,
) -> HttpResponse {
    let ctx = track_context(state, lang, page);
    state
        .pages
        .render(req, "public/track.html", &ctx, status, Caching::NoStore)
}

/// What the follow-up page's template reads.
fn track_context(state: &AppState, lang: Lang, page: &TrackPage) -> tera::Context {
    let names = Names::new(&state.services.catalog, lang);
    let tip = (page.tip.as_ref()).map(|t| t.in_words(names, state.services.offset));
    // A found case keeps no language link: leaving would mean typing the receipt again.
    let mut ctx = state
        .pages
        .context(lang, if tip.is_some() { None } else { Some("/track") });
    ctx.insert("description", "meta-track");
    ctx.insert("tip", &tip);
    ctx.insert("receipt_value", &page.receipt_value);
    ctx.insert("receipt_error", &page.receipt_error);
    ctx.insert("banner", &page.banner);
    ctx.insert("reply_value", &page.reply_value);
    ctx.insert("reply_errors", &page.reply_errors);
    ctx.insert("reply_ok", &page.reply_ok);
    ctx.insert("claim_ok", &page.claim_ok);
    ctx.insert("claim_errors", &page.claim_errors);
    ctx.insert("claim", &page.claim);
    ctx.insert("photo_errors", &page.photo_errors);
    ctx.insert("photos_added", &page.photos_added);
    ctx.insert(
        "photos_added_text",
        &lang.t_args("track-photos-added", &[("count", page.photos_added as i64)]),
    );
    ctx
}

pub async fn stats(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    let key = (key("/stats", lang, ""), Fresh::For(PUBLIC_DATA_TTL));
    let _turn = match state.pages.kept_or_turn(&req, &key.0, key.1).await {
        Ok(kept) => return kept,
        Err(turn) => turn,
    };
    let (min, months) = (state.stats.min_cell, state.stats.months);
    let got = state
        .services
        .blocking(move |s| s.public_stats(min, months))
        .await;
    let stats = match got {
        Ok(s) => s.in_words(Names::new(&state.services.catalog, lang)),
        Err(e) => return internal_error(&state, &req, lang, "public statistics", &e),
    };
    let mut ctx = state.pages.context(lang, Some("/stats"));
    ctx.insert("description", "meta-stats");
    ctx.insert("totals", &stats.totals);
    ctx.insert("rewards_paid", &stats.rewards_paid);
    ctx.insert("rewards_yuan", &stats.rewards_yuan);
    ctx.insert("tables", &stats.tables);
    ctx.insert("suppressed_note", &stats.suppressed_note);
    let page = ("public/stats.html", &ctx, Caching::Revalidate);
    state.pages.keep(&req, key, page, &[])
}

/// A public page that failed: logged, and a 500 page in the reader's language.
fn internal_error(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    what: &str,
    e: &crate::services::ServiceError,
) -> HttpResponse {
    tracing::error!(error = ?e, "{what} failed");
    state.pages.error(
        req,
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        "page-internal-title",
        &lang.t("error-internal"),
    )
}

/// The public exposure list (公开曝光): what the coordinator published, newest first, and
/// whether each hazard was rectified.
pub async fn exposures(state: web::Data<AppState>, req: HttpRequest, lang: Lang) -> HttpResponse {
    // The version is read before the list: a change committed meanwhile renders it again.
    let version = state.services.public_version();
    let key = (
        key("/exposures", lang, ""),
        Fresh::Version(version, PUBLIC_DATA_TTL),
    );
    let _turn = match state.pages.kept_or_turn(&req, &key.0, key.1).await {
        Ok(kept) => return kept,
        Err(turn) => turn,
    };
    let list = state
        .services
        .blocking(move |s| s.public_exposures(lang))
        .await;
    let items = match list {
        Ok(l) => l,
        Err(e) => return internal_error(&state, &req, lang, "the exposure list", &e),
    };
    let mut ctx = state.pages.context(lang, Some("/exposures"));
    ctx.insert("description", "meta-exposures");
    ctx.insert("items", &items);
    let page = ("public/exposures.html", &ctx, Caching::Revalidate);
    state.pages.keep(&req, key, page, &[])
}
