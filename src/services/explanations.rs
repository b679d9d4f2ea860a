//! Written explanations (书面说明) of missed time limits, shared by cases and hazards: the fields
//! of `explain_delay` and of `acknowledge_explanation`, the list as staff read it, 区安委办's
//! decision, and whether a missed limit stands explained (`domain::explanation`'s rule). The
//! case and hazard actions call these inside their own transactions, with their own history
//! row and audit entry.

use super::hazards::{Fields, date_field, optional_field};
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::explanations::{self, ExplanationRow, Owner};
use crate::domain::deadlines::Limit;
use crate::domain::explanation::{self, Decision, Standing};
use crate::domain::tip::text_field;
use crate::i18n::Lang;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// An explanation as staff read it (the case's and the hazard's JSON, their pages, the report).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Explanation)]
pub struct ExplanationView {
    pub id: i64,
    /// The limit it explains (a hazard's is always `rectification`).
    pub limit: Limit,
    pub text: String,
    /// The day the unit now expects to meet the limit, if it gave one.
    #[schema(required, value_type = Option<String>)]
    pub new_date: Option<NaiveDate>,
    /// Who wrote it (a username; none only for an explanation kept from before they were
    /// listed whose author the history did not name).
    #[schema(required)]
    pub by: Option<String>,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    /// 区安委办's decision; none while it awaits one.
    #[schema(required)]
    pub decision: Option<Decision>,
    #[schema(required)]
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::domain::json::rfc3339_or_null")]
    #[schema(value_type = Option<String>, required)]
    pub decided_at: Option<NaiveDateTime>,
    /// Why it was returned (or a remark on accepting it).
    #[schema(required)]
    pub decision_note: Option<String>,
}

impl ExplanationView {
    pub fn standing(&self) -> Standing {
        explanation::standing(self.decision)
    }
}

/// The fields of a new explanation: the text and the optional new date (not in the past).
pub(super) fn written(
    f: &mut Fields,
    (text, new_date): (&Option<String>, &Option<String>),
    today: NaiveDate,
) -> (String, Option<NaiveDate>) {
    let text = f.take(text_field("explanation", text.as_deref(), (1, 2_000)));
    let date = match new_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let d = f.take(date_field("new_date", Some(d)));
            if d < today && d != NaiveDate::default() {
                f.err("new_date", "in_past");
            }
            Some(d)
        }
    };
    (text, date)
}

/// 区安委办's decision as sent: the explanation, accepted or returned, and a note (required to
/// return one: the unit must know what to explain again).
pub(super) struct Acknowledgement {
    pub id: i64,
    pub decision: Decision,
    pub note: Option<String>,
}

impl Acknowledgement {
    /// The history's note: `accepted` or `returned`, then the note (put in words by
    /// [`note_in_words`]).
    pub fn history_note(&self) -> String {
        match &self.note {
            Some(n) => format!("{}: {n}", self.decision),
            None => self.decision.to_string(),
        }
    }
}

/// The fields of `acknowledge_explanation`; `None` when one is wrong (recorded in `f`).
pub(super) fn acknowledgement(
    f: &mut Fields,
    id: Option<i64>,
    (decision, note): (&Option<String>, &Option<String>),
) -> Option<Acknowledgement> {
    if id.is_none() {
        f.err("explanation_id", "required");
    }
    let decision = match decision.as_deref().map(str::trim) {
        None | Some("") => {
            f.err("decision", "required");
            None
        }
        Some(d) => d
            .parse::<Decision>()
            .map_err(|_| f.err("decision", "unknown_acknowledgement"))
            .ok(),
    };
    let note = f.take(optional_field("note", note.as_deref(), 500));
    if decision == Some(Decision::Returned) && note.is_none() {
        f.err("note", "required");
    }
    Some(Acknowledgement {
        id: id?,
        decision: decision?,
        note,
    })
}

/// A history note of `explain_delay` (`limit: text`) or `acknowledge_explanation`
/// (`decision: note`) in words; others (and notes from before explanations were listed) as they are.
pub fn note_in_words(lang: Lang, action: &str, note: &str) -> Option<String> {
    let (code, rest) = note.split_once(": ").unwrap_or((note, ""));
    let word = match action {
        "explain_delay" => code
            .parse::<Limit>()
            .ok()
            .map(|l| lang.t(&format!("limit-{l}")))?,
        "acknowledge_explanation" => code
            .parse::<Decision>()
            .ok()
            .map(|d| lang.t(&format!("explanation-{d}")))?,
        _ => return None,
    };
    Some(match rest {
        "" => word,
        rest => format!("{word}：{rest}"),
    })
}

impl Services {
    /// The explanations of a case or a hazard, oldest first, with who wrote and decided named.
    pub(super) fn explanations(
        &self,
        conn: &mut DbConn,
        owner: Owner,
    ) -> ServiceResult<Vec<ExplanationView>> {
        let rows = explanations::of(conn, owner)?;
        self.explanation_views(conn, rows)
    }

    /// Rows as views, naming the staff ids they hold.
    pub(super) fn explanation_views(
        &self,
        conn: &mut DbConn,
        rows: Vec<ExplanationRow>,
    ) -> ServiceResult<Vec<ExplanationView>> {
        let mut ids: Vec<i64> = rows
            .iter()
            .flat_map(|r| [r.by_staff, r.decided_by])
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let names = explanations::usernames(conn, &ids)?;
        let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned());
        Ok(rows
            .into_iter()
            .map(|r| ExplanationView {
                id: r.id,
                limit: r.time_limit,
                by: name(r.by_staff),
                decided_by: name(r.decided_by),
                text: r.body,
                new_date: r.new_date,
                at: r.at,
                decision: r.decision,
                decided_at: r.decided_at,
                decision_note: r.decision_note,
            })
            .collect())
    }

    /// Whether a limit that ended on `due` stands explained by one of `list` (written after it
    /// passed, not returned).
    pub(super) fn stands_explained(
        &self,
        list: &[ExplanationView],
        limit: Limit,
        due: NaiveDate,
    ) -> bool {
        let of_limit = list.iter().filter(|e| e.limit == limit);
        explanation::stands_explained(due, of_limit.map(|e| (self.local_date(e.at), e.decision)))
    }

    /// Checks that the explanation is this case's or hazard's and awaits a decision: an unknown
    /// one is a field error, one decided already a conflict.
    pub(super) fn awaiting_decision(
        &self,
        conn: &mut DbConn,
        owner: Owner,
        id: i64,
    ) -> ServiceResult<()> {
        match explanations::of(conn, owner)?.iter().find(|e| e.id == id) {
            None => Err(ServiceError::field("explanation_id", "unknown_explanation")),
            Some(e) if e.decision.is_some() => Err(ServiceError::Conflict("explanation_decided")),
            Some(_) => Ok(()),
        }
    }

    /// Writes 区安委办's decision (checked with [`Services::awaiting_decision`]).
    pub(super) fn decide_explanation(
        &self,
        conn: &mut DbConn,
        (owner, by): (Owner, i64),
        a: &Acknowledgement,
    ) -> ServiceResult<()> {
        let at = self.now();
        let note = a.note.as_deref();
        if !explanations::decide(conn, (owner, a.id), (a.decision, note), (by, at))? {
            return Err(ServiceError::Conflict("explanation_decided"));
        }
        Ok(())
    }
}
