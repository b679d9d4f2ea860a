//! One case: everything about it, the time limits with the days left, messages with the
//! reporter, the history, and one form per action this staff member may take now (the flags come
//! from the services, which ask the one workflow function). Also the forms that act on it:
//! actions, messages and the identity reveal; a refused form comes back with what was typed.

use crate::domain::tip::ReporterIdentity;
use crate::domain::workflow::Action;
use crate::services::auth::StaffSession;
use crate::services::cases::{ActionInput, CaseView};
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::{Staff, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Choice, Names, Page, PageResult, Target, TargetForm, mend, see_other};
use crate::web::render::local_datetime;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{FixedOffset, NaiveDate};
use serde::Deserialize;
use serde_json::{Value, json};
use tera::Context;

/// The publication form of the exposure list, shown on the case page (its handlers are in
/// `exposure.rs`).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ExposureForm {
    pub enterprise: String,
    pub location: String,
    pub finding: String,
    pub reason: String,
}

/// What a case page may carry besides the case: a refused action with its typed values, a
/// revealed identity, a typed message.
#[derive(Default)]
pub struct CaseExtras {
    pub status: Option<StatusCode>,
    pub banner: String,
    pub notice: String,
    pub failed: String,
    pub form_errors: Vec<String>,
    pub values: ActionInput,
    pub identity: Option<ReporterIdentity>,
    pub message_value: String,
    pub reward_errors: Vec<String>,
    /// The proposal form as typed, and what it would come to (the preview).
    pub proposal: super::rewards::RewardForm,
    pub reward_preview: String,
    pub exposure_errors: Vec<String>,
    pub exposure_values: ExposureForm,
    /// The "create enterprise from this tip" form, refused, as typed.
    pub enterprise_errors: Option<super::enterprises::FormErrors>,
    pub enterprise_values: Option<super::enterprises::EnterpriseForm>,
}

/// Which form on the case page was refused, with what was typed in it.
pub enum Refused {
    Action(ActionInput),
    /// A message to the reporter.
    Message(String),
    /// The identity reveal: its refusal is the banner.
    Reveal,
    /// A step on a reward (sign-off, correction, withdrawal).
    Reward,
    /// The reward proposal, with what was typed.
    Proposal(super::rewards::RewardForm),
    /// A publication on the exposure list or its withdrawal.
    Exposure(ExposureForm),
    /// The enterprise recorded from the tip.
    Enterprise(super::enterprises::EnterpriseForm),
}

impl CaseExtras {
    /// The refusal's `text` beside the form that was refused, with what was typed in it.
    /// `fields`: the field messages of a refused enterprise form.
    fn refused(
        status: StatusCode,
        text: String,
        form: Refused,
        fields: Option<super::enterprises::FormErrors>,
    ) -> Self {
        let mut x = CaseExtras {
            status: Some(status),
            ..CaseExtras::default()
        };
        match form {
            Refused::Action(input) => {
                x.failed = input.action.clone();
                x.form_errors = vec![text];
                x.values = input;
            }
            Refused::Message(body) => {
                x.banner = text;
                x.message_value = body;
            }
            Refused::Reveal => x.banner = text,
            Refused::Reward => x.reward_errors = vec![text],
            Refused::Proposal(form) => {
                x.reward_errors = vec![text];
                x.proposal = form;
            }
            Refused::Exposure(form) => {
                x.exposure_errors = vec![text];
                x.exposure_values = form;
            }
            Refused::Enterprise(form) => {
                let mut errors = fields.unwrap_or_default();
                if errors.fields.is_empty() {
                    errors.form = text;
                }
                x.enterprise_errors = Some(errors);
                x.enterprise_values = Some(form);
            }
        }
        x
    }
}

/// What the reporter gave and where the case stands, in words.
fn case_json(names: Names, offset: FixedOffset, v: &CaseView) -> Value {
    let (t, f, lang) = (v, &v.rectification, names.lang);
    let co: Vec<String> = v.co_departments.iter().map(|u| names.unit(u)).collect();
    let sector = |code: &str| names.known_sector(code);
    json!({
        "case_number": t.case_number,
        "status": t.status,
        "status_label": lang.t(&format!("status-{}", t.status)),
        "overdue": v.overdue,
        "sector": sector(&t.sector),
        "suggested": t.suggested_sector.as_deref().map(sector).unwrap_or_default(),
        "address": t.address,
        "enterprise": t.enterprise.clone().unwrap_or_default(),
        "severity": lang.t(&format!("severity-{}", t.severity)),
        "observed": t.observed_at.map(|o| local_datetime(o.and_utc(), offset, lang)).unwrap_or_default(),
        "submitted": local_datetime(t.submitted_at.and_utc(), offset, lang),
        "channel": lang.try_t(&format!("history-channel-{}", t.channel.as_str())).unwrap_or_else(|| t.channel.as_str().to_owned()),
        "source_note": t.source_note.clone().unwrap_or_default(),
        "reporter": lang.t(if t.anonymous { "reporter-anonymous" } else { "reporter-identified" }),
        "wants_reward": t.wants_reward,
        "description": t.description,
        "department": names.unit(&t.department),
        "co_departments": co.join("、"),
        "street": t.street.as_deref().map(|x| names.unit(x)).unwrap_or_default(),
        "duplicate_of": t.duplicate_of.clone().unwrap_or_default(),
        "duplicates": t.duplicates, "suggested_duplicates": t.suggested_duplicates,
        "reject_reason": t.reject_reason.clone().unwrap_or_default(),
        "responsible_party": f.responsible_party.clone().unwrap_or_default(),
        "measures": f.measures.clone().unwrap_or_default(),
        "suspend": f.suspend_operations,
        "delay_explanation": f.delay_explanation.clone().unwrap_or_default(),
    })
}

/// The time limits; the one that runs now says how many days are left or over.
fn deadlines_json(lang: Lang, v: &CaseView, today: NaiveDate) -> Vec<Value> {
    let current = v.deadlines.current(v.status).map(|(l, _)| l);
    let d = &v.deadlines;
    let limits = [
        ("acceptance", d.acceptance),
        ("verification", d.verification),
        ("feedback", d.feedback),
        ("rectification", d.rectification),
    ];
    limits
        .into_iter()
        .filter_map(|(k, d)| d.map(|d| (k, d)))
        .map(|(k, d)| {
            let is_current = current.is_some_and(|l| l.as_str() == k);
            let days = (d - today).num_days();
            let left = match (is_current, days) {
                (false, _) => String::new(),
                (true, 1..) => lang.t_args("staff-days-left", &[("days", days)]),
                (true, 0) => lang.t("staff-due-today"),
                (true, _) => lang.t_args("staff-days-over", &[("days", -days)]),
            };
            json!({ "label": lang.t(&format!("limit-{k}")), "date": d.to_string(), "left": left, "overdue": is_current && days < 0 })
        })
        .collect()
}

/// A history note in words: the intake's channel and routing are recorded as codes.
fn history_note(names: Names, action: &str, note: &str) -> String {
    let lang = names.lang;
    let unit = |key: &str, code: &str| lang.t_str(key, &[("unit", &names.unit(code))]);
    let street_key = match note.contains("(co-handler)") {
        true => "history-route-street-co",
        false => "history-route-street",
    };
    let route_part = |part: &str| {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "lead" => Some(unit("history-route-lead", value)),
            "co" => {
                let units: Vec<String> = value.split(',').map(|u| names.unit(u)).collect();
                Some(lang.t_str("history-route-co", &[("units", &units.join("、"))]))
            }
            "street" => Some(unit(street_key, value)),
            "(co-handler)" => None,
            "triage" => Some(lang.t("history-route-triage")),
            "suggested" => {
                let sector = names.sector(value);
                Some(lang.t_str("history-route-suggested", &[("sector", &sector)]))
            }
            _ => Some(part.to_owned()),
        }
    };
    match action {
        "submit" => lang
            .try_t(&format!("history-channel-{note}"))
            .unwrap_or_else(|| note.to_owned()),
        "route" => {
            let parts: Vec<String> = note.split(' ').filter_map(route_part).collect();
            parts.join("；")
        }
        // "from → to: reason", with codes: in words.
        "transfer" | "reclassify" | "set_street" => {
            let Some((moved, reason)) = note.split_once(": ") else {
                return note.to_owned();
            };
            let Some((from, to)) = moved.split_once(" → ") else {
                return note.to_owned();
            };
            let name = |code: &str| match (action, code) {
                (_, "-") => lang.t("history-none"),
                ("reclassify", c) => names.sector(c),
                ("set_street", c) => names.street(c),
                (_, c) => names.unit(c),
            };
            format!("{} → {}：{reason}", name(from), name(to))
        }
        _ => note.to_owned(),
    }
}

/// The history and the messages with the reporter.
fn conversation(names: Names, offset: FixedOffset, v: &CaseView) -> (Vec<Value>, Vec<Value>) {
    let lang = names.lang;
    let at = |t: chrono::NaiveDateTime| local_datetime(t.and_utc(), offset, lang);
    let history = v.history.iter().map(|h| {
        let action = lang.try_t(&format!("action-{}", h.action)).unwrap_or_else(|| h.action.clone());
        let note = history_note(names, &h.action, h.note.as_deref().unwrap_or_default());
        json!({ "at": at(h.at), "action": action, "by": h.actor.clone().unwrap_or_default(), "note": note })
    });
    let messages = v.messages.iter().map(|m| {
        let staff_side = m.from_staff;
        let who = if staff_side {
            m.author
                .clone()
                .unwrap_or_else(|| lang.t("track-from-staff"))
        } else {
            lang.t("staff-reporter")
        };
        json!({ "from_staff": staff_side, "who": who, "body": m.body, "at": at(m.at) })
    });
    (history.collect(), messages.collect())
}

/// The case's rewards and its entry on the exposure list with the publication form's values.
fn rewards_and_exposure(
    ctx: &mut Context,
    lang: Lang,
    offset: FixedOffset,
    v: &CaseView,
    x: &CaseExtras,
) {
    let at = |t: chrono::NaiveDateTime| local_datetime(t.and_utc(), offset, lang);
    let rewards: Vec<Value> = v
        .rewards
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "status": lang.t(&format!("reward-status-{}", r.status)),
                "status_code": r.status,
                "amount": r.amount.to_string(), "rule": r.rule,
                "signoff_note": r.signoff_note.clone().unwrap_or_default(),
                "basis": r.basis, "fine": r.fine.map(|f| f.to_string()).unwrap_or_default(),
                "penalty_decision": r.penalty_decision.clone().unwrap_or_default(),
                "deaths": r.deaths_concealed.map(|d| d.to_string()).unwrap_or_default(),
                "grade": r.accident_grade.clone().unwrap_or_default(),
                "note": r.note.clone().unwrap_or_default(),
                "may_sign_off": r.may_sign_off || r.may_return, "may_correct": r.may_correct,
                "may_withdraw": r.may_withdraw,
            })
        })
        .collect();
    ctx.insert("rewards", &rewards);
    ctx.insert("reward_errors", &x.reward_errors);
    ctx.insert("proposal", &x.proposal);
    ctx.insert("reward_preview", &x.reward_preview);
    ctx.insert("may_propose", &v.may_propose_reward);
    ctx.insert("may_expose", &v.may_expose);
    let exposure = v.exposure.as_ref().map(|e| {
        json!({
            "published": e.withdrawn_at.is_none(),
            "enterprise": e.enterprise, "location": e.location, "finding": e.finding,
            "published_at": at(e.published_at), "published_by": e.published_by,
            "withdrawn_at": e.withdrawn_at.map(at).unwrap_or_default(),
            "withdrawn_by": e.withdrawn_by.clone().unwrap_or_default(),
            "withdraw_reason": e.withdraw_reason.clone().unwrap_or_default(),
        })
    });
    ctx.insert("exposure", &exposure);
    ctx.insert("exposure_errors", &x.exposure_errors);
    let ev = &x.exposure_values;
    // A first publication starts from the business as reported; the rest is written anew.
    let enterprise = if ev.enterprise.is_empty() && x.exposure_errors.is_empty() {
        v.enterprise.clone().unwrap_or_default()
    } else {
        ev.enterprise.clone()
    };
    ctx.insert(
        "exposure_values",
        &json!({"enterprise": enterprise, "location": ev.location, "finding": ev.finding, "reason": ev.reason}),
    );
}

/// The forms: the actions this staff member may take, what a refused one held, the departments a
/// case may go to.
fn forms(ctx: &mut Context, names: Names, v: &CaseView, x: &CaseExtras) {
    let lang = names.lang;
    // Linking an enterprise has its own form, beside the tip's business.
    let actions: Vec<Value> = v
        .actions
        .iter()
        .filter(|a| **a != Action::LinkEnterprise)
        .map(|a| json!({ "name": a.as_str(), "label": lang.t(&format!("action-{}", a.as_str())) }))
        .collect();
    let departments: Vec<Choice> = names
        .department_choices()
        .into_iter()
        .filter(|d| d.code != v.department)
        .collect();
    ctx.insert("actions", &actions);
    ctx.insert("departments", &departments);
    ctx.insert("sectors", &names.sector_choices());
    ctx.insert("streets", &names.street_choices());
    ctx.insert("failed", &x.failed);
    ctx.insert("form_errors", &x.form_errors);
    let i = &x.values;
    ctx.insert(
        "values",
        &json!({
            "reason": i.reason, "note": i.note, "duplicate_of": i.duplicate_of,
            "deadline": i.deadline, "responsible_party": i.responsible_party,
            "measures": i.measures, "explanation": i.explanation,
            "sector": i.sector, "street": i.street,
        }),
    );
    ctx.insert("may_message", &v.may_message);
    ctx.insert("may_reveal", &v.may_reveal);
    enterprise_forms(ctx, v, x);
}

/// The tip's enterprise: the linked record, or the records its business may be with a link
/// form each, and the form that records it from the tip (filled from the tip, or as typed).
fn enterprise_forms(ctx: &mut Context, v: &CaseView, x: &CaseExtras) {
    let may_link = v.actions.contains(&Action::LinkEnterprise);
    let linked = v.linked_enterprise.as_ref().map(|e| {
        json!({ "id": e.id, "name": e.name, "credit_code": e.credit_code.clone().unwrap_or_default() })
    });
    let matches: Vec<Value> = v
        .enterprise_matches
        .iter()
        .map(|e| json!({ "id": e.id, "name": e.name, "credit_code": e.credit_code.clone().unwrap_or_default() }))
        .collect();
    let from_tip = super::enterprises::EnterpriseForm {
        name: v.enterprise.clone().unwrap_or_default(),
        credit_code: String::new(),
        address: v.address.clone(),
        street: v.street.clone().unwrap_or_default(),
        sector: v.sector.clone(),
    };
    ctx.insert("may_link", &may_link);
    ctx.insert("linked_enterprise", &linked);
    ctx.insert("enterprise_matches", &matches);
    ctx.insert(
        "new_enterprise",
        x.enterprise_values.as_ref().unwrap_or(&from_tip),
    );
    let no_errors = super::enterprises::FormErrors::default();
    ctx.insert(
        "enterprise_errors",
        x.enterprise_errors.as_ref().unwrap_or(&no_errors),
    );
    ctx.insert("link_open", &x.enterprise_errors.is_some());
}

fn render_case(page: &Page, staff: &StaffSession, v: &CaseView, x: CaseExtras) -> HttpResponse {
    let (s, names, lang) = (&page.state.services, page.names(), page.lang);
    let today = s.today();
    let (history, messages) = conversation(names, s.offset, v);
    let photos: Vec<Value> = v
        .attachments
        .iter()
        .map(|a| json!({ "url": format!("/api/v1/staff/tips/{}/attachments/{}", v.case_number, a.id), "content_type": a.content_type, "bytes": a.bytes }))
        .collect();
    let mut ctx = page.context(staff);
    ctx.insert("c", &case_json(names, s.offset, v));
    ctx.insert("deadlines", &deadlines_json(lang, v, today));
    ctx.insert("history", &history);
    ctx.insert("messages", &messages);
    ctx.insert("photos", &photos);
    ctx.insert("today", &today.to_string());
    forms(&mut ctx, names, v, &x);
    rewards_and_exposure(&mut ctx, lang, s.offset, v, &x);
    let identity = x
        .identity
        .as_ref()
        .map(|i| json!({ "name": i.name, "phone": i.phone.as_str(), "email": i.email }));
    ctx.insert("identity", &identity);
    ctx.insert("message_value", &x.message_value);
    ctx.insert("banner", &x.banner);
    ctx.insert("notice", &x.notice);
    let status = x.status.unwrap_or(StatusCode::OK);
    page.render("staff/case.html", &ctx, status)
}

/// The case page with what `x` adds to it.
async fn show(page: &Page, staff: &StaffSession, case: &str, x: CaseExtras) -> PageResult {
    let c = case.to_owned();
    let v = page.run(staff, move |s, st| s.case(&st.staff, &c)).await?;
    Ok(render_case(page, staff, &v, x))
}

/// The case page with what a reward proposal would come to, and the form as typed.
pub async fn preview(to: &Target, form: super::rewards::RewardForm, text: String) -> PageResult {
    let x = CaseExtras {
        proposal: form,
        reward_preview: text,
        ..CaseExtras::default()
    };
    show(&to.page, &to.staff, &to.key, x).await
}

/// Back to the case page, saying what was `done`.
fn done(to: &Target, what: &str) -> HttpResponse {
    see_other(&format!("/staff/tips/{}?done={what}", to.key))
}

/// The case again with a refused form's message beside it and what was typed in it, or the error
/// page when nothing on the form can mend it.
pub async fn refused(to: &Target, e: ServiceError, form: Refused) -> PageResult {
    let fields = match (&form, &e) {
        (Refused::Enterprise(_), ServiceError::Validation(f)) => {
            Some(super::enterprises::FormErrors {
                fields: crate::web::error::ApiError::field_messages(to.page.lang, f),
                form: String::new(),
            })
        }
        _ => None,
    };
    let (status, text) = mend(to.page.lang, e)?;
    let x = CaseExtras::refused(status, text, form, fields);
    show(&to.page, &to.staff, &to.key, x).await
}

/// After a form on the case: back to its page saying what was `done`, or the refusal.
pub async fn answer<T>(
    to: &Target,
    outcome: ServiceResult<T>,
    what: &str,
    form: Refused,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(done(to, what)),
        Err(e) => refused(to, e, form).await,
    }
}

/// `?done=`: what a form just did, for the page's notice (the case page, the enterprise page).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub async fn case_page(
    page: Page,
    staff: Staff<can::ReadCases>,
    path: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let lang = page.lang;
    let notice = q.done.as_deref().map(|d| {
        let what = lang
            .try_t(&format!("action-{d}"))
            .unwrap_or_else(|| d.to_owned());
        lang.t_str("staff-done", &[("action", &what)])
    });
    let x = CaseExtras {
        notice: notice.unwrap_or_default(),
        ..CaseExtras::default()
    };
    show(&page, &staff.session, &path, x).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    note: String,
    reason: String,
    duplicate_of: String,
    deadline: String,
    responsible_party: String,
    measures: String,
    suspend_operations: String,
    explanation: String,
    department: String,
    sector: String,
    street: String,
    enterprise_id: String,
}

impl ActionForm {
    fn input(&self) -> ActionInput {
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        ActionInput {
            action: self.action.clone(),
            note: opt(&self.note),
            reason: opt(&self.reason),
            duplicate_of: opt(&self.duplicate_of),
            deadline: opt(&self.deadline),
            responsible_party: opt(&self.responsible_party),
            measures: opt(&self.measures),
            suspend_operations: Some(matches!(
                self.suspend_operations.as_str(),
                "true" | "on" | "1"
            )),
            explanation: opt(&self.explanation),
            department: opt(&self.department),
            sector: opt(&self.sector),
            street: opt(&self.street),
            enterprise_id: self.enterprise_id.trim().parse().ok(),
        }
    }
}

pub async fn act(sent: TargetForm<can::WorkCases, ActionForm>) -> PageResult {
    let (to, input) = (sent.to, sent.form.input());
    let i = input.clone();
    match to.run(move |s, st, case| s.act(&st.staff, case, &i)).await {
        // A case transferred away from the staff member's own unit is no longer theirs to see.
        Ok(v) if v.actions.is_empty() && input.action == "transfer" => Ok(see_other("/staff")),
        Ok(_) => Ok(done(&to, &input.action)),
        Err(e) => refused(&to, e, Refused::Action(input)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    body: String,
}

pub async fn message(sent: TargetForm<can::WorkCases, MessageForm>) -> PageResult {
    let (to, body) = (sent.to, sent.form.body);
    let b = body.clone();
    let outcome = to.run(move |s, st, case| s.staff_message(&st.staff, case, &b));
    answer(&to, outcome.await, "message", Refused::Message(body)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealForm {
    reason: String,
}

/// Opens an identified reporter's identity for the coordinator, with a reason (audited).
pub async fn reveal(sent: TargetForm<can::ReadCases, RevealForm>) -> PageResult {
    let (to, reason) = (sent.to, sent.form.reason);
    let outcome = to.run(move |s, st, case| s.reveal_identity(&st.staff, case, &reason));
    match outcome.await {
        Ok(identity) => {
            let x = CaseExtras {
                identity: Some(identity),
                ..CaseExtras::default()
            };
            show(&to.page, &to.staff, &to.key, x).await
        }
        // Refused (no reason, not allowed here): said beside the form, like every refusal.
        Err(e) => refused(&to, e, Refused::Reveal).await,
    }
}
