//! Tips taken by staff (`/staff/tips/new`): a clerk registers what came by the 12345 or 12350
//! hotline, a letter, a visit, the media, a leader's instruction or a referral, with when it was
//! received (time limits count from it) and where it came from. The answer is the printable
//! 受理回执 slip: case number, receipt (shown this once, to read back or hand over), acceptance
//! deadline and how to follow up. The same over JSON is `POST /api/v1/staff/tips`.

use crate::domain::tip::{Channel, ReporterInput, TipInput};
use crate::services::ServiceError;
use crate::services::intake::{Submitted, TakenTip};
use crate::web::extract::{Staff, StaffForm, can};
use crate::web::pages::{Choice, Page, PageResult, mend};
use crate::web::render::local_datetime;
use actix_web::http::StatusCode;
use chrono::{NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

/// The intake form as typed (shown again with what was wrong).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct IntakeForm {
    channel: String,
    /// `YYYY-MM-DDTHH:MM` in the deployment's local time (an `<input type="datetime-local">`).
    received_at: String,
    source_note: String,
    sector: String,
    street: String,
    address: String,
    enterprise: String,
    description: String,
    severity: String,
    /// `anonymous` or `named`.
    caller: String,
    reporter_name: String,
    reporter_phone: String,
    reporter_email: String,
    wants_reward: String,
    employee: String,
    supervision_staff: String,
}

impl IntakeForm {
    fn split(&self, offset: chrono::FixedOffset) -> (TipInput, TakenTip) {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let on = |s: &str| Some(matches!(s, "on" | "true" | "1"));
        let named = self.caller == "named";
        let received_at = NaiveDateTime::parse_from_str(self.received_at.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| offset.from_local_datetime(&t).single())
            .map(|t| t.to_rfc3339())
            // A value that is not a local date and time is passed on as typed, to be refused.
            .or_else(|| opt(&self.received_at));
        let tip = TipInput {
            sector: opt(&self.sector),
            street: opt(&self.street),
            address: opt(&self.address),
            enterprise: opt(&self.enterprise),
            description: opt(&self.description),
            severity: opt(&self.severity),
            observed_at: None,
            anonymous: Some(!named),
            reporter: named.then(|| ReporterInput {
                name: opt(&self.reporter_name),
                phone: opt(&self.reporter_phone),
                email: opt(&self.reporter_email),
            }),
            wants_reward: on(&self.wants_reward),
            employee: on(&self.employee),
            supervision_staff: on(&self.supervision_staff),
        };
        let taken = TakenTip {
            channel: self.channel.clone(),
            received_at,
            source_note: opt(&self.source_note),
        };
        (tip, taken)
    }
}

/// The form, blank or as typed, with what was wrong.
fn form_page(
    page: &Page,
    staff: &Staff<can::WorkCases>,
    form: &IntakeForm,
    errors: &[String],
    status: StatusCode,
) -> PageResult {
    let names = page.names();
    let lang = page.lang;
    let channels = Choice::labelled(
        lang,
        "history-channel",
        Channel::TAKEN_BY_STAFF.iter().map(|c| c.as_str()),
    );
    let mut ctx = page.context(&staff.session);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert("channels", &channels);
    ctx.insert("sectors", &names.sector_choices());
    ctx.insert("streets", &names.street_choices());
    Ok(page.render("staff/intake.html", &ctx, status))
}

pub async fn new_tip(page: Page, staff: Staff<can::WorkCases>) -> PageResult {
    let now = page
        .state
        .services
        .clock
        .now()
        .with_timezone(&page.state.services.offset);
    let form = IntakeForm {
        received_at: now.format("%Y-%m-%dT%H:%M").to_string(),
        severity: "general".into(),
        caller: "anonymous".into(),
        ..IntakeForm::default()
    };
    form_page(&page, &staff, &form, &[], StatusCode::OK)
}

/// The slip for the caller: the case number, the receipt to pass on, the department, when it
/// was received and by when it will be accepted, and where to follow it.
fn slip(
    page: &Page,
    staff: &Staff<can::WorkCases>,
    done: &Submitted,
    channel: &str,
) -> actix_web::HttpResponse {
    let (lang, names, services) = (page.lang, page.names(), &page.state.services);
    let site = services.public_url.trim_end_matches('/');
    let mut ctx = page.context(&staff.session);
    ctx.insert("case_number", done.case_number.as_str());
    ctx.insert("receipt", &done.receipt.grouped());
    ctx.insert("department", &names.unit(&done.routing.lead));
    ctx.insert(
        "received",
        &local_datetime(done.received.at.and_utc(), services.offset, lang),
    );
    ctx.insert("due", &done.received.acceptance_due.to_string());
    ctx.insert("channel", &lang.t(&format!("history-channel-{channel}")));
    ctx.insert("track_url", &format!("{site}/track"));
    page.render("staff/intake_slip.html", &ctx, StatusCode::CREATED)
}

pub async fn take_tip(page: Page, sent: StaffForm<can::WorkCases, IntakeForm>) -> PageResult {
    let (staff, form) = (sent.staff, sent.form);
    let services = &page.state.services;
    let (input, taken) = form.split(services.offset);
    let channel = taken.channel.clone();
    match services.take_tip(staff.member(), input, taken).await {
        Ok(done) => Ok(slip(&page, &staff, &done, &channel)),
        Err(ServiceError::Validation(fields)) => {
            let lang = page.lang;
            let errors: Vec<String> = fields
                .iter()
                .map(|f| {
                    let label = lang
                        .try_t(&format!("intake-{}", f.field.replace('.', "-")))
                        .unwrap_or_else(|| f.field.to_owned());
                    format!("{label}：{}", lang.field(f.key, &f.args))
                })
                .collect();
            form_page(
                &page,
                &staff,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => {
            let (status, text) = mend(page.lang, e)?;
            form_page(&page, &staff, &form, &[text], status)
        }
    }
}
