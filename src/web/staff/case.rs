//! One case: everything about it, the time limits with the days left, messages with the
//! reporter, the history, and one form per action this staff member may take now (the flags come
//! from the services, which ask the one workflow function). Also the forms that act on it:
//! actions, messages and the identity reveal; a refused form comes back with what was typed.

use crate::domain::deadlines::Limit;
use crate::domain::tip::ReporterIdentity;
use crate::domain::workflow::Action;
use crate::services::auth::StaffSession;
use crate::services::cases::{ActionInput, CaseView};
use crate::services::explanations::ExplanationView;
use crate::services::{ServiceError, ServiceResult};
use crate::web::extract::{Staff, can};
use crate::web::i18n::Lang;
use crate::web::pages::{Choice, Names, Page, PageResult, Target, TargetForm, mend, see_other};
use crate::web::render::local_datetime;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::FixedOffset;
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

/// What a case page may carry besides the case: one of these at a time.
#[derive(Default)]
pub enum CaseExtras {
    #[default]
    Nothing,
    /// What was just done, said at the top.
    Notice(String),
    /// An identified reporter's identity, opened with a reason.
    Identity(ReporterIdentity),
    /// What a reward proposal would come to, with the form as typed.
    Preview(super::rewards::RewardForm, String),
    /// A refused form: the answer's status, the refusal's text and what was typed.
    Refused(StatusCode, String, Refused),
}

/// A refused form's messages by field.
type FieldMessages = std::collections::BTreeMap<&'static str, Vec<String>>;

/// Which form on the case page was refused, with what was typed in it.
pub enum Refused {
    /// A workflow step, with everything typed in its form (boxed: it is the largest) and the
    /// messages of its fields (filled in by [`refused`]), shown beside them.
    Action(Box<ActionInput>, FieldMessages),
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
    /// The enterprise recorded from the tip, as typed, with its field messages (filled in by
    /// [`refused`]).
    Enterprise(
        super::enterprises::EnterpriseForm,
        Option<super::enterprises::FormErrors>,
    ),
}

impl CaseExtras {
    fn status(&self) -> StatusCode {
        match self {
            CaseExtras::Refused(status, ..) => *status,
            _ => StatusCode::OK,
        }
    }

    /// The refusal's text beside the form `of` picks (none for the other forms).
    fn errors(&self, of: fn(&Refused) -> bool) -> Vec<String> {
        match self {
            CaseExtras::Refused(_, text, form) if of(form) => vec![text.clone()],
            _ => Vec::new(),
        }
    }

    /// The refusal said at the top of the page (a message or the identity reveal).
    fn banner(&self) -> &str {
        match self {
            CaseExtras::Refused(_, text, Refused::Message(_) | Refused::Reveal) => text,
            _ => "",
        }
    }
}

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
                "steps": r.steps,
            })
        })
        .collect();
    let (proposal, preview) = match x {
        CaseExtras::Preview(form, text) => (Some(form), text.as_str()),
        CaseExtras::Refused(_, _, Refused::Proposal(form)) => (Some(form), ""),
        _ => (None, ""),
    };
    ctx.insert("rewards", &rewards);
    ctx.insert(
        "reward_errors",
        &x.errors(|f| matches!(f, Refused::Reward | Refused::Proposal(_))),
    );
    ctx.insert("proposal", &proposal.cloned().unwrap_or_default());
    ctx.insert("reward_preview", preview);
    ctx.insert("may_propose", &v.may_propose_reward);
    ctx.insert("may_expose", &v.may_expose);
    let person = |u: &String| v.people.get(u).unwrap_or(u).clone();
    let exposure = v.exposure.as_ref().map(|e| {
        json!({
            "published": e.withdrawn_at.is_none(),
            "enterprise": e.enterprise, "location": e.location, "finding": e.finding,
            "published_at": at(e.published_at), "published_by": person(&e.published_by),
            "withdrawn_at": e.withdrawn_at.map(at).unwrap_or_default(),
            "withdrawn_by": e.withdrawn_by.as_ref().map(person).unwrap_or_default(),
            "withdraw_reason": e.withdraw_reason.clone().unwrap_or_default(),
        })
    });
    ctx.insert("exposure", &exposure);
    let (ev, exposure_errors) = match x {
        CaseExtras::Refused(_, text, Refused::Exposure(form)) => (form, vec![text.clone()]),
        _ => (&ExposureForm::default(), Vec::new()),
    };
    ctx.insert("exposure_errors", &exposure_errors);
    // A first publication starts from the business as reported; the rest is written anew.
    let enterprise = if ev.enterprise.is_empty() && exposure_errors.is_empty() {
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
    // Linking an enterprise has its own form, beside the tip's business; deciding on an
    // explanation has one beside each explanation.
    let actions: Vec<Value> = v
        .actions
        .iter()
        .filter(|a| !matches!(a, Action::LinkEnterprise | Action::AcknowledgeExplanation))
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
    let (i, form_errors) = match x {
        CaseExtras::Refused(_, text, Refused::Action(input, _)) => (&**input, vec![text.clone()]),
        _ => (&ActionInput::default(), Vec::new()),
    };
    let none = FieldMessages::new();
    let field_errors = match x {
        CaseExtras::Refused(_, _, Refused::Action(_, fields)) => fields,
        _ => &none,
    };
    ctx.insert("failed", &i.action);
    ctx.insert("field_errors", field_errors);
    ctx.insert("form_errors", &form_errors);
    ctx.insert(
        "values",
        &json!({
            "reason": i.reason, "note": i.note, "duplicate_of": i.duplicate_of,
            "deadline": i.deadline, "responsible_party": i.responsible_party,
            "measures": i.measures, "explanation": i.explanation,
            "sector": i.sector, "street": i.street, "due": i.due,
            "limit": i.limit, "new_date": i.new_date, "explanation_id": i.explanation_id,
            "finding": i.finding,
        }),
    );
    let limit = |l: &Limit| lang.t(&format!("limit-{l}"));
    let missed: Vec<Choice> = v
        .missed
        .iter()
        .map(|l| Choice {
            code: l.as_str().to_owned(),
            name: limit(l),
        })
        .collect();
    let requested: Vec<String> = v.unexplained.iter().map(limit).collect();
    ctx.insert("missed", &missed);
    ctx.insert("requested", &requested.join("、"));
    ctx.insert(
        "may_acknowledge",
        &v.actions.contains(&Action::AcknowledgeExplanation),
    );
    ctx.insert("may_message", &v.may_message);
    ctx.insert("may_reveal", &v.may_reveal);
    enterprise_forms(ctx, v, x);
}

/// The tip's enterprise: the linked record, or the records its business may be with a link
/// form each, and the form that records it from the tip (filled from the tip, or as typed).
fn enterprise_forms(ctx: &mut Context, v: &CaseView, x: &CaseExtras) {
    let may_link = v.actions.contains(&Action::LinkEnterprise);
    let record = |e: &crate::services::hazards::EnterpriseRef| json!({ "id": e.id, "name": e.name, "credit_code": e.credit_code.clone().unwrap_or_default() });
    let matches: Vec<Value> = v.enterprise_matches.iter().map(record).collect();
    let from_tip = super::enterprises::EnterpriseForm {
        name: v.enterprise.clone().unwrap_or_default(),
        credit_code: String::new(),
        address: v.address.clone(),
        street: v.street.clone().unwrap_or_default(),
        sector: v.sector.clone(),
    };
    let (typed, errors) = match x {
        CaseExtras::Refused(_, text, Refused::Enterprise(form, fields)) => {
            let mut errors = fields.clone().unwrap_or_default();
            if errors.fields.is_empty() {
                errors.form = text.clone();
            }
            (Some(form), Some(errors))
        }
        _ => (None, None),
    };
    ctx.insert("may_link", &may_link);
    ctx.insert(
        "linked_enterprise",
        &v.linked_enterprise.as_ref().map(record),
    );
    ctx.insert("enterprise_matches", &matches);
    ctx.insert("new_enterprise", typed.unwrap_or(&from_tip));
    ctx.insert("link_open", &errors.is_some());
    ctx.insert("enterprise_errors", &errors.unwrap_or_default());
}

fn render_case(page: &Page, staff: &StaffSession, v: &CaseView, x: CaseExtras) -> HttpResponse {
    let (s, names, lang) = (&page.state.services, page.names(), page.lang);
    let today = s.today();
    let words = v.in_words(names, s.offset, today);
    let photos: Vec<Value> = v
        .attachments
        .iter()
        .map(|a| {
            // A photo the reporter added later from /track says so, with the day.
            let later = (a.added_later).map(|at| {
                let day = crate::i18n::local_date(at.and_utc().with_timezone(&s.offset).date_naive(), lang);
                lang.t_str("staff-photo-added-later", &[("date", &day)])
            });
            json!({ "url": format!("/api/v1/staff/tips/{}/attachments/{}", v.case_number, a.id), "content_type": a.content_type, "bytes": a.bytes, "later": later })
        })
        .collect();
    let mut ctx = page.context(staff);
    ctx.insert("c", &words.case);
    ctx.insert("deadlines", &words.deadlines);
    ctx.insert("history", &words.history);
    ctx.insert("messages", &words.messages);
    ctx.insert("photos", &photos);
    ctx.insert(
        "explanations",
        &explanations_json(lang, s.offset, &v.explanations, &v.people),
    );
    ctx.insert("today", &today.to_string());
    forms(&mut ctx, names, v, &x);
    rewards_and_exposure(&mut ctx, lang, s.offset, v, &x);
    let (identity, message_value, notice) = match &x {
        CaseExtras::Identity(i) => (Some(i), "", ""),
        CaseExtras::Refused(_, _, Refused::Message(body)) => (None, body.as_str(), ""),
        CaseExtras::Notice(text) => (None, "", text.as_str()),
        _ => (None, "", ""),
    };
    let identity =
        identity.map(|i| json!({ "name": i.name, "phone": i.phone.as_str(), "email": i.email }));
    ctx.insert("identity", &identity);
    ctx.insert("message_value", message_value);
    ctx.insert("banner", x.banner());
    ctx.insert("notice", notice);
    page.render("staff/case.html", &ctx, x.status())
}

/// Written explanations as the case and hazard pages list them: the limit, where each stands
/// and who decided, in words.
pub fn explanations_json(
    lang: Lang,
    offset: FixedOffset,
    list: &[ExplanationView],
    people: &std::collections::HashMap<String, String>,
) -> Vec<Value> {
    let at = |t: chrono::NaiveDateTime| local_datetime(t.and_utc(), offset, lang);
    let person = |u: &Option<String>| u.as_ref().map(|u| people.get(u).unwrap_or(u).clone());
    list.iter()
        .map(|e| {
            json!({
                "id": e.id,
                "limit": lang.t(&format!("limit-{}", e.limit)),
                "text": e.text,
                "new_date": e.new_date.map(|d| d.to_string()).unwrap_or_default(),
                "by": person(&e.by).unwrap_or_else(|| "—".into()),
                "at": at(e.at),
                "standing": lang.t(&format!("explanation-{}", e.standing())),
                "awaiting": e.decision.is_none(),
                "decided_by": person(&e.decided_by).unwrap_or_default(),
                "decided_at": e.decided_at.map(at).unwrap_or_default(),
                "note": e.decision_note.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// The case page with what `x` adds to it.
async fn show(page: &Page, staff: &StaffSession, case: &str, x: CaseExtras) -> PageResult {
    let c = case.to_owned();
    let v = page.run(staff, move |s, st| s.case(&st.staff, &c)).await?;
    Ok(render_case(page, staff, &v, x))
}

/// The case page with what a reward proposal would come to, and the form as typed.
pub async fn preview(to: &Target, form: super::rewards::RewardForm, text: String) -> PageResult {
    let x = CaseExtras::Preview(form, text);
    show(&to.page, &to.staff, &to.key, x).await
}

/// Back to the case page, saying what was `done`.
fn done(to: &Target, what: &str) -> HttpResponse {
    see_other(&format!("/staff/tips/{}?done={what}", to.key))
}

/// The case again with a refused form's message beside it and what was typed in it, or the error
/// page when nothing on the form can mend it.
pub async fn refused(to: &Target, e: ServiceError, form: Refused) -> PageResult {
    let form = match (form, &e) {
        (Refused::Enterprise(typed, _), ServiceError::Validation(f)) => {
            let fields = super::enterprises::FormErrors {
                fields: crate::web::error::ApiError::field_messages(to.page.lang, f),
                form: String::new(),
            };
            Refused::Enterprise(typed, Some(fields))
        }
        (Refused::Action(typed, _), ServiceError::Validation(f)) => Refused::Action(
            typed,
            crate::web::error::ApiError::field_messages(to.page.lang, f),
        ),
        (form, _) => form,
    };
    let (status, text) = mend(to.page.lang, e)?;
    let x = CaseExtras::Refused(status, text, form);
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

impl DoneQuery {
    /// "Done: …" naming what was done: the message `{prefix}-{done}`, or `fallback(done)` when
    /// there is none.
    pub fn notice(
        &self,
        lang: Lang,
        prefix: &str,
        fallback: impl FnOnce(&str) -> String,
    ) -> Option<String> {
        self.done.as_deref().map(|d| {
            let what = lang
                .try_t(&format!("{prefix}-{d}"))
                .unwrap_or_else(|| fallback(d));
            lang.t_str("staff-done", &[("action", &what)])
        })
    }
}

pub async fn case_page(
    page: Page,
    staff: Staff<can::ReadCases>,
    path: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let notice = q.notice(page.lang, "action", str::to_owned);
    let x = notice.map_or(CaseExtras::Nothing, CaseExtras::Notice);
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
    limit: String,
    new_date: String,
    explanation_id: String,
    decision: String,
    department: String,
    sector: String,
    street: String,
    enterprise_id: String,
    due: String,
    finding: String,
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
            limit: opt(&self.limit),
            new_date: opt(&self.new_date),
            explanation_id: self.explanation_id.trim().parse().ok(),
            decision: opt(&self.decision),
            department: opt(&self.department),
            sector: opt(&self.sector),
            street: opt(&self.street),
            enterprise_id: self.enterprise_id.trim().parse().ok(),
            due: opt(&self.due),
            finding: opt(&self.finding),
        }
    }
}

/// Readers may ask: `workflow::decide` lets an inspector take `supervise` and nothing else.
pub async fn act(sent: TargetForm<can::ReadCases, ActionForm>) -> PageResult {
    let (to, input) = (sent.to, sent.form.input());
    let i = input.clone();
    match to.run(move |s, st, case| s.act(&st.staff, case, &i)).await {
        // A case transferred away from the staff member's own unit is no longer theirs to see.
        Ok(v) if v.actions.is_empty() && input.action == "transfer" => Ok(see_other("/staff")),
        Ok(_) => Ok(done(&to, &input.action)),
        Err(e) => {
            let form = Refused::Action(Box::new(input), FieldMessages::new());
            refused(&to, e, form).await
        }
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
            let x = CaseExtras::Identity(identity);
            show(&to.page, &to.staff, &to.key, x).await
        }
        // Refused (no reason, not allowed here): said beside the form, like every refusal.
        Err(e) => refused(&to, e, Refused::Reveal).await,
    }
}
