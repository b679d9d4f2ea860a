//! The case page's account of a case in the staff member's language: what the reporter gave
//! and where the case stands, the time limits with the days left, the history (its notes, which
//! record codes, in words) and the messages with the reporter. The page adds its forms.

use super::cases::CaseView;
use super::names::Names;
use crate::i18n::{Lang, local_datetime};
use chrono::{FixedOffset, NaiveDate};
use serde_json::{Value, json};

/// A case in words, as the case page shows it.
pub struct CaseInWords {
    pub case: Value,
    pub deadlines: Vec<Value>,
    pub history: Vec<Value>,
    pub messages: Vec<Value>,
}

impl CaseView {
    pub fn in_words(&self, names: Names, offset: FixedOffset, today: NaiveDate) -> CaseInWords {
        let (history, messages) = conversation(names, offset, self);
        CaseInWords {
            case: case_json(names, offset, self, today),
            deadlines: deadlines_json(names.lang, self, today),
            history,
            messages,
        }
    }
}

/// What the reporter gave and where the case stands, in words.
fn case_json(names: Names, offset: FixedOffset, v: &CaseView, today: NaiveDate) -> Value {
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
        "content_erased": t.content_erased,
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
        "hazard": v.hazard.as_ref().map(|h| json!({"id": h.id.0, "number": h.number, "supervised": h.supervised})),
        "listed": v.listed_supervision.as_ref().map(|l| listed_json(l, today)),
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

/// The routing recorded with a tip (`lead=fire co=emergency street=jiangtou (co-handler)`) in
/// words.
pub(super) fn route_in_words(names: Names, note: &str) -> String {
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
    let parts: Vec<String> = note.split(' ').filter_map(route_part).collect();
    parts.join("；")
}

/// A history note in words: the intake's channel and routing are recorded as codes.
fn history_note(names: Names, action: &str, note: &str) -> String {
    let lang = names.lang;
    match action {
        "submit" => lang
            .try_t(&format!("history-channel-{note}"))
            .unwrap_or_else(|| note.to_owned()),
        "route" => route_in_words(names, note),
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
        "explain_delay" | "acknowledge_explanation" => {
            super::explanations::note_in_words(lang, action, note)
                .unwrap_or_else(|| note.to_owned())
        }
        _ => note.to_owned(),
    }
}

/// The history and the messages with the reporter.
fn conversation(names: Names, offset: FixedOffset, v: &CaseView) -> (Vec<Value>, Vec<Value>) {
    let lang = names.lang;
    let at = |t: chrono::NaiveDateTime| local_datetime(t.and_utc(), offset, lang);
    let person = |username: &str| {
        v.people
            .get(username)
            .cloned()
            .unwrap_or_else(|| username.to_owned())
    };
    let history = v.history.iter().map(|h| {
        let action = super::audit_words::action_in_words(lang, &h.action);
        let note = history_note(names, &h.action, h.note.as_deref().unwrap_or_default());
        json!({ "at": at(h.at), "action": action, "by": h.actor.as_deref().map(person).unwrap_or_default(), "note": note })
    });
    let messages = v.messages.iter().map(|m| {
        let staff_side = m.from_staff;
        let who = if staff_side {
            m.author
                .as_deref()
                .map(person)
                .unwrap_or_else(|| lang.t("track-from-staff"))
        } else {
            lang.t("staff-reporter")
        };
        let body = super::audit_words::message_in_words(lang, &m.body);
        json!({ "from_staff": staff_side, "who": who, "body": body, "at": at(m.at) })
    });
    (history.collect(), messages.collect())
}

/// A listing in force (挂牌督办) as pages show it: reason, due date, who listed it, and whether
/// its due date has passed.
pub fn listed_json(l: &super::listing::ListedSupervision, today: NaiveDate) -> Value {
    json!({"reason": l.reason, "due": l.due.to_string(), "by": l.by_name, "overdue": l.due < today})
}
