//! The evaluation judgments (成效评估) the coordinator enters per unit and period: the seed's
//! four parts, 组织领导, 隐患排查, 整改到位 and 事故防控, each a score of 0–100 with a note. The
//! figures (`services::oversight`) weigh them with the computed timeliness shares
//! (`domain::metrics::judged`); a unit without them is scored on the shares alone (未评分).

use super::hazards::{Fields, date_field, optional_field};
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::evaluation::{self, ScoreRow};
use crate::domain::access::Permission;
use crate::domain::metrics::Judgments;
use crate::services::auth::Staff;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The four parts, in the order every table shows them (field names of the API).
pub const PARTS: [&str; 4] = [
    "leadership",
    "hazard_screening",
    "rectification_in_place",
    "accident_prevention",
];

/// The judgments as the coordinator sends them: each part a whole number 0–100 (a number, or
/// text from the page's form) and an optional note.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScoresInput {
    /// 组织领导, 0–100.
    #[schema(value_type = i64)]
    pub leadership: Option<serde_json::Value>,
    pub leadership_note: Option<String>,
    /// 隐患排查, 0–100.
    #[schema(value_type = i64)]
    pub hazard_screening: Option<serde_json::Value>,
    pub hazard_screening_note: Option<String>,
    /// 整改到位, 0–100.
    #[schema(value_type = i64)]
    pub rectification_in_place: Option<serde_json::Value>,
    pub rectification_in_place_note: Option<String>,
    /// 事故防控, 0–100.
    #[schema(value_type = i64)]
    pub accident_prevention: Option<serde_json::Value>,
    pub accident_prevention_note: Option<String>,
}

impl ScoresInput {
    fn parts(&self) -> [(&Option<serde_json::Value>, &Option<String>); 4] {
        [
            (&self.leadership, &self.leadership_note),
            (&self.hazard_screening, &self.hazard_screening_note),
            (
                &self.rectification_in_place,
                &self.rectification_in_place_note,
            ),
            (&self.accident_prevention, &self.accident_prevention_note),
        ]
    }
}

/// One judgment: its score and note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Judgment {
    pub score: u8,
    #[schema(required)]
    pub note: Option<String>,
}

/// The judgments of a unit and period, and the scores they make (API.md, "Additions").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationScores {
    /// The department's or sub-district's code.
    pub unit: String,
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    /// 组织领导
    pub leadership: Judgment,
    /// 隐患排查
    pub hazard_screening: Judgment,
    /// 整改到位
    pub rectification_in_place: Judgment,
    /// 事故防控
    pub accident_prevention: Judgment,
    pub entered_by: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub entered_at: NaiveDateTime,
    /// From the timeliness shares alone (null: nothing was due).
    #[schema(required)]
    pub computed_score: Option<f64>,
    /// The weighted total of the shares and the judgments.
    #[schema(required)]
    pub score: Option<f64>,
}

/// The notes of a unit's four judgments, in [`PARTS`] order.
pub type Notes = [Option<String>; 4];

fn judgments(r: &ScoreRow) -> Judgments {
    let s = |v: i32| u8::try_from(v.clamp(0, 100)).unwrap_or_default();
    Judgments {
        leadership: s(r.leadership),
        hazard_screening: s(r.screening),
        rectification_in_place: s(r.rectification),
        accident_prevention: s(r.prevention),
    }
}

fn notes(r: &ScoreRow) -> Notes {
    [
        r.leadership_note.clone(),
        r.screening_note.clone(),
        r.rectification_note.clone(),
        r.prevention_note.clone(),
    ]
}

/// A score as sent: a whole number 0–100, as a number or as text.
fn score(field: &'static str, v: &Option<serde_json::Value>, f: &mut Fields) -> i32 {
    let n = match v {
        None | Some(serde_json::Value::Null) => {
            f.err(field, "required");
            return 0;
        }
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
            f.err(field, "required");
            return 0;
        }
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    match n {
        Some(n @ 0..=100) => i32::try_from(n).unwrap_or_default(),
        _ => {
            f.err(field, "not_a_score");
            0
        }
    }
}

impl Services {
    /// The period and unit the judgments are for: a known unit, both days given, in order.
    fn scored_period(
        &self,
        unit: &str,
        (from, to): (Option<&str>, Option<&str>),
    ) -> ServiceResult<(NaiveDate, NaiveDate)> {
        let mut f = Fields::default();
        if self.catalog.unit_kind(unit).is_none() {
            f.err("unit", "unknown_unit");
        }
        let from = f.take(date_field("from", from));
        let to = f.take(date_field("to", to));
        if f.errors.is_empty() && to < from {
            f.err("to", "before_from");
        }
        match f.errors.is_empty() {
            true => Ok((from, to)),
            false => Err(ServiceError::Validation(f.errors)),
        }
    }

    /// Enters (or replaces) the judgments of a unit and period (the coordinator; audited) and
    /// answers them with the scores they make.
    pub fn enter_scores(
        &self,
        staff: &Staff,
        unit: &str,
        period: (Option<&str>, Option<&str>),
        input: &ScoresInput,
    ) -> ServiceResult<EvaluationScores> {
        if !staff.may(Permission::ScoreEvaluation) {
            return Err(ServiceError::Forbidden);
        }
        let (from, to) = self.scored_period(unit, period)?;
        let mut f = Fields::default();
        let mut scores = [0; 4];
        let mut texts: Notes = Default::default();
        for (i, (value, note)) in input.parts().into_iter().enumerate() {
            scores[i] = score(PARTS[i], value, &mut f);
            let field = NOTE_FIELDS[i];
            if note.as_deref().is_some_and(|n| n.contains('\0')) {
                f.err(field, "nul_character");
                continue;
            }
            texts[i] = f.take(optional_field(field, note.as_deref(), 1_000));
        }
        if !f.errors.is_empty() {
            return Err(ServiceError::Validation(f.errors));
        }
        let [
            leadership_note,
            screening_note,
            rectification_note,
            prevention_note,
        ] = texts;
        let row = ScoreRow {
            id: 0,
            unit: unit.to_owned(),
            period_from: from,
            period_to: to,
            leadership: scores[0],
            leadership_note,
            screening: scores[1],
            screening_note,
            rectification: scores[2],
            rectification_note,
            prevention: scores[3],
            prevention_note,
            entered_by: staff.username.clone(),
            entered_at: self.now(),
        };
        self.db.write(|c| -> ServiceResult<()> {
            evaluation::save(c, &row)?;
            let detail = format!("{unit} {from}..{to}: {scores:?}");
            let entry = crate::db::audit::NewEntry {
                actor: &staff.username,
                action: "evaluation_scores",
                detail: Some(&detail),
                ..Default::default()
            };
            super::audit::append(self, c, &entry)?;
            Ok(())
        })?;
        self.scores_view(row)
    }

    /// The judgments entered for a unit and period, if any (the coordinator's form).
    pub fn entered_scores(
        &self,
        staff: &Staff,
        unit: &str,
        period: (Option<&str>, Option<&str>),
    ) -> ServiceResult<Option<EvaluationScores>> {
        if !staff.may(Permission::ScoreEvaluation) {
            return Err(ServiceError::Forbidden);
        }
        let (from, to) = self.scored_period(unit, period)?;
        let row = {
            let mut conn = self.db.read()?;
            evaluation::find(&mut conn, unit, (from, to))?
        };
        row.map(|r| self.scores_view(r)).transpose()
    }

    fn scores_view(&self, r: ScoreRow) -> ServiceResult<EvaluationScores> {
        let o = self.oversight(Some(&r.unit), r.period_from, r.period_to)?;
        let j = |score: i32, note: &Option<String>| Judgment {
            score: u8::try_from(score.clamp(0, 100)).unwrap_or_default(),
            note: note.clone(),
        };
        Ok(EvaluationScores {
            leadership: j(r.leadership, &r.leadership_note),
            hazard_screening: j(r.screening, &r.screening_note),
            rectification_in_place: j(r.rectification, &r.rectification_note),
            accident_prevention: j(r.prevention, &r.prevention_note),
            computed_score: o.total.computed_score,
            score: o.total.score,
            unit: r.unit,
            from: r.period_from,
            to: r.period_to,
            entered_by: r.entered_by,
            entered_at: r.entered_at,
        })
    }

    /// Every unit's judgments for exactly this period, with their notes.
    pub(super) fn period_judgments(
        &self,
        conn: &mut DbConn,
        (from, to): (NaiveDate, NaiveDate),
    ) -> ServiceResult<HashMap<String, (Judgments, Notes)>> {
        Ok(evaluation::of_period(conn, (from, to))?
            .into_iter()
            .map(|r| (r.unit.clone(), (judgments(&r), notes(&r))))
            .collect())
    }
}

/// The note fields, in [`PARTS`] order.
pub const NOTE_FIELDS: [&str; 4] = [
    "leadership_note",
    "hazard_screening_note",
    "rectification_in_place_note",
    "accident_prevention_note",
];
