//! Hazards (隐患) from every source: recording one (from the API, the page, a spreadsheet row or
//! a tip whose rectification was ordered), who sees which, and the hazard as staff read it.
//! The lifecycle's rules are `domain::hazard::decide`; this module checks fields, reach and
//! writes the rows, the history and the audit entry in one transaction.

use super::audit::append;
use super::auth::Staff;
use super::explanations::ExplanationView;
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::audit::NewEntry;
use crate::db::enterprises::{self, EnterpriseRow};
use crate::db::explanations::Owner;
use crate::db::hazards::{self, HazardEventRow, HazardRow};
use crate::db::tips::{self, TipRow};
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::deadlines::Limit;
use crate::domain::hazard::{self, Actor, Facts, HazardId, HazardStatus, Source, Step};
use crate::domain::roles::Role;
use crate::domain::tip::{Severity, text_field};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A hazard as staff write it (the API's body, the page's form, a spreadsheet's row): text as
/// typed, checked by [`Services::check_hazard`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[derive(utoipa::ToSchema)]
pub struct HazardInput {
    /// `tip`, `self_inspection`, `department_inspection`, `street_inspection`,
    /// `joint_inspection` or `supervision`.
    pub source: Option<String>,
    /// The tip's case number (source `tip`).
    pub case_number: Option<String>,
    pub enterprise_id: Option<i64>,
    /// With `credit_code`, in place of `enterprise_id` (spreadsheets).
    pub enterprise_name: Option<String>,
    pub credit_code: Option<String>,
    pub description: Option<String>,
    /// `general` or `major`.
    pub grade: Option<String>,
    /// 重大事故隐患判定依据 (required for a major hazard).
    pub basis: Option<String>,
    /// `YYYY-MM-DD`
    pub found_on: Option<String>,
    /// The supervising department's code.
    pub department: Option<String>,
    /// The sub-district's code.
    pub street: Option<String>,
    /// 企业主体责任人
    pub responsible_person: Option<String>,
    /// 部门监管责任人
    pub supervisor: Option<String>,
    /// 属地责任人
    pub street_official: Option<String>,
    /// 包保领导
    pub leader: Option<String>,
    pub measures: Option<String>,
    /// `YYYY-MM-DD`, not before `found_on`.
    pub deadline: Option<String>,
    pub suspend_operations: Option<bool>,
    /// The joint inspection that found it (its source is then `joint_inspection`; the
    /// department and the enterprise must be among the inspection's).
    pub inspection_id: Option<i64>,
}

impl HazardInput {
    /// Every text field, for the NUL check.
    fn texts(&self) -> [(&'static str, Option<&str>); 16] {
        [
            ("source", self.source.as_deref()),
            ("case_number", self.case_number.as_deref()),
            ("enterprise_name", self.enterprise_name.as_deref()),
            ("credit_code", self.credit_code.as_deref()),
            ("description", self.description.as_deref()),
            ("grade", self.grade.as_deref()),
            ("basis", self.basis.as_deref()),
            ("found_on", self.found_on.as_deref()),
            ("department", self.department.as_deref()),
            ("street", self.street.as_deref()),
            ("responsible_person", self.responsible_person.as_deref()),
            ("supervisor", self.supervisor.as_deref()),
            ("street_official", self.street_official.as_deref()),
            ("leader", self.leader.as_deref()),
            ("measures", self.measures.as_deref()),
            ("deadline", self.deadline.as_deref()),
        ]
    }
}

/// Refuses a NUL character in any of these text fields (each named in the answer): nobody types
/// one, PostgreSQL cannot store one, and the cleaning of text would drop it silently.
pub(super) fn nul_free<'a>(
    fields: impl IntoIterator<Item = (&'static str, Option<&'a str>)>,
) -> ServiceResult<()> {
    let errors: Vec<FieldError> = fields
        .into_iter()
        .filter(|(_, v)| v.is_some_and(|v| v.contains('\0')))
        .map(|(field, _)| FieldError::new(field, "nul_character"))
        .collect();
    match errors.is_empty() {
        true => Ok(()),
        false => Err(ServiceError::Validation(errors)),
    }
}

/// A hazard whose fields were checked: ready to store.
#[derive(Debug, Clone)]
pub struct NewHazard {
    pub source: Source,
    pub tip: Option<TipRow>,
    pub inspection_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub description: String,
    pub grade: Severity,
    pub basis: Option<String>,
    pub found_on: NaiveDate,
    pub department: String,
    pub street: Option<String>,
    pub responsible_person: String,
    pub supervisor: String,
    pub street_official: Option<String>,
    pub leader: Option<String>,
    pub measures: String,
    pub deadline: NaiveDate,
    pub suspend_operations: bool,
}

/// One step of a hazard's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardEvent {
    /// `created` or a step's name.
    pub step: String,
    pub by: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    #[schema(required)]
    pub note: Option<String>,
    /// The date the step names: a new deadline, the day rectification was completed.
    #[schema(required, value_type = Option<String>)]
    pub date: Option<NaiveDate>,
}

/// The enterprise a hazard belongs to, as a hazard shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseRef {
    pub id: i64,
    pub name: String,
    #[schema(required)]
    pub credit_code: Option<String>,
}

impl From<EnterpriseRow> for EnterpriseRef {
    fn from(e: EnterpriseRow) -> EnterpriseRef {
        EnterpriseRef {
            id: e.id,
            name: e.name,
            credit_code: e.credit_code,
        }
    }
}

/// A hazard as staff read it (the API's answer; the page shows the same).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardView {
    #[schema(value_type = i64)]
    pub id: HazardId,
    pub number: String,
    pub status: HazardStatus,
    pub source: Source,
    #[schema(required)]
    pub case_number: Option<String>,
    #[schema(required)]
    pub enterprise: Option<EnterpriseRef>,
    pub description: String,
    pub grade: Severity,
    #[schema(required)]
    pub basis: Option<String>,
    #[schema(value_type = String)]
    pub found_on: NaiveDate,
    pub department: String,
    #[schema(required)]
    pub street: Option<String>,
    pub responsible_person: String,
    pub supervisor: String,
    #[schema(required)]
    pub street_official: Option<String>,
    #[schema(required)]
    pub leader: Option<String>,
    pub measures: String,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    #[schema(value_type = String)]
    pub original_deadline: NaiveDate,
    pub suspend_operations: bool,
    #[schema(required, value_type = Option<String>)]
    pub resumed_on: Option<NaiveDate>,
    pub overdue: bool,
    #[schema(required, value_type = Option<String>)]
    pub rectified_on: Option<NaiveDate>,
    #[schema(required)]
    pub reviewed_by: Option<String>,
    /// The day it was struck off (销号), after a passed re-check.
    #[schema(required, value_type = Option<String>)]
    pub reviewed_on: Option<NaiveDate>,
    #[schema(required, value_type = Option<String>)]
    pub escalated_on: Option<NaiveDate>,
    pub supervised: bool,
    /// 挂牌督办 in force, or null.
    #[schema(required)]
    pub listed_supervision: Option<super::listing::ListedSupervision>,
    /// Staff usernames and their display names, to name people on the page.
    #[serde(skip)]
    pub people: std::collections::HashMap<String, String>,
    pub created_by: String,
    /// Oldest first.
    pub history: Vec<HazardEvent>,
    /// The written explanations of its delay, oldest first, each with 区安委办's decision.
    pub explanations: Vec<ExplanationView>,
    /// The steps this staff member may take now (`domain::hazard::decide`'s answer).
    pub steps: Vec<Step>,
}

/// What was typed, trimmed; `None` when nothing (or only blanks) was.
pub(super) fn filled(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

/// A date as people type it (`YYYY-MM-DD`); a missing one is `required`.
pub(super) fn date_field(
    field: &'static str,
    value: Option<&str>,
) -> Result<NaiveDate, FieldError> {
    match filled(value) {
        None => Err(FieldError::new(field, "required")),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or_else(|| FieldError::new(field, "bad_date")),
    }
}

/// An optional text of at most `max` characters (blank is none).
pub(super) fn optional_field(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match filled(value) {
        None => Ok(None),
        Some(v) => text_field(field, Some(v), (1, max)).map(Some),
    }
}

/// Collects field errors while reading a form, so every wrong field is told at once.
#[derive(Default)]
pub(super) struct Fields {
    pub errors: Vec<FieldError>,
}

impl Fields {
    pub fn take<T: Default>(&mut self, r: Result<T, FieldError>) -> T {
        r.unwrap_or_else(|e| {
            self.errors.push(e);
            T::default()
        })
    }

    pub fn err(&mut self, field: &'static str, key: &'static str) {
        self.errors.push(FieldError::new(field, key));
    }
}

impl Services {
    /// Whether this staff member may see the hazard: the coordinator and inspectors see every
    /// hazard; a unit sees those it supervises (department) or hosts (sub-district).
    pub(super) fn hazard_in_reach(&self, staff: &Staff, row: &HazardRow) -> bool {
        match staff.scope() {
            None => staff.may(Permission::ReadCases),
            Some(unit) => row.department == unit || row.street.as_deref() == Some(unit.as_str()),
        }
    }

    /// How this staff member stands to the hazard, for `domain::hazard::decide`.
    pub(super) fn hazard_actor(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        row: &HazardRow,
    ) -> ServiceResult<Actor> {
        let unit = staff.scope();
        let reported_it = row.status == HazardStatus::Rectified
            && hazards::events_of(conn, row.id)?
                .iter()
                .rev()
                .find(|e| e.kind == Step::ReportRectified.as_str())
                .is_some_and(|e| e.actor == staff.username);
        Ok(Actor {
            role: staff.role,
            department: unit.as_deref() == Some(row.department.as_str()),
            street: unit.is_some() && unit.as_deref() == row.street.as_deref(),
            reported_it,
        })
    }

    /// What the lifecycle needs to know of the hazard today.
    pub(super) fn hazard_facts(&self, conn: &mut DbConn, row: &HazardRow) -> ServiceResult<Facts> {
        let past_deadline = row.status == HazardStatus::Open && row.deadline < self.today();
        let list = self.explanations(conn, Owner::Hazard(row.id.0))?;
        let explained =
            past_deadline && self.stands_explained(&list, Limit::Rectification, row.deadline);
        Ok(Facts {
            past_deadline,
            explained,
            awaiting: list.iter().any(|e| e.decision.is_none()),
            suspended: row.suspend_operations && row.resumed_on.is_none(),
            escalated: row.escalated_on.is_some(),
            supervised: row.supervised,
        })
    }

    /// Checks a hazard's fields as typed; every wrong field is told at once. The sources a
    /// staff member may record: a unit's staff for their own unit (department or sub-district),
    /// the coordinator any, an inspector supervision findings; supervision findings are the
    /// inspectors' and the coordinator's only.
    pub(super) fn check_hazard(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        input: &HazardInput,
    ) -> ServiceResult<NewHazard> {
        nul_free(input.texts())?;
        let mut f = Fields::default();
        let source = match input.source.as_deref().map(str::trim) {
            None | Some("") => {
                f.err("source", "required");
                Source::SelfInspection
            }
            Some(s) => s.parse().unwrap_or_else(|_| {
                f.err("source", "unknown_source");
                Source::SelfInspection
            }),
        };
        if staff.role == Role::Inspector && source != Source::Supervision {
            f.err("source", "inspector_supervision_only");
        }
        if source == Source::Supervision
            && !matches!(staff.role, Role::Inspector | Role::Coordinator)
        {
            f.err("source", "supervision_by_inspectors");
        }
        let tip = self.hazard_tip(conn, staff, source, input, &mut f)?;
        let enterprise_id = self.hazard_enterprise(conn, input, tip.as_ref(), &mut f)?;
        let description = f.take(text_field(
            "description",
            input.description.as_deref(),
            (5, 2_000),
        ));
        let grade = match input.grade.as_deref().map(str::trim) {
            None | Some("") => {
                f.err("grade", "required");
                Severity::General
            }
            Some(g) => Severity::parse(g).unwrap_or_else(|| {
                f.err("grade", "unknown_severity");
                Severity::General
            }),
        };
        let basis = f.take(optional_field("basis", input.basis.as_deref(), 500));
        if grade == Severity::Major && basis.is_none() && source != Source::Tip {
            f.err("basis", "basis_required");
        }
        let found_on = f.take(date_field("found_on", input.found_on.as_deref()));
        if found_on > self.today() {
            f.err("found_on", "in_future");
        }
        let deadline = f.take(date_field("deadline", input.deadline.as_deref()));
        if deadline < found_on && deadline != NaiveDate::default() {
            f.err("deadline", "before_found");
        }
        let department = input
            .department
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if department.is_empty() {
            f.err("department", "required");
        } else if self.catalog.department(&department).is_none() {
            f.err("department", "unknown_unit");
        }
        let street = filled(input.street.as_deref()).map(str::to_owned);
        match &street {
            None if source != Source::Tip => f.err("street", "required"),
            Some(s) if self.catalog.street(s).is_none() => f.err("street", "unknown_unit"),
            _ => {}
        }
        if let Some(unit) = staff.scope()
            && unit != department
            && street.as_deref() != Some(unit.as_str())
            && f.errors.iter().all(|e| e.field != "department")
        {
            f.err("department", "not_your_unit");
        }
        let new = NewHazard {
            source,
            tip,
            inspection_id: None,
            enterprise_id,
            description,
            grade,
            basis,
            found_on,
            department,
            street,
            responsible_person: f.take(text_field(
                "responsible_person",
                input.responsible_person.as_deref(),
                (1, 100),
            )),
            supervisor: f.take(text_field(
                "supervisor",
                input.supervisor.as_deref(),
                (1, 100),
            )),
            street_official: f.take(optional_field(
                "street_official",
                input.street_official.as_deref(),
                100,
            )),
            leader: f.take(optional_field("leader", input.leader.as_deref(), 100)),
            measures: f.take(text_field(
                "measures",
                input.measures.as_deref(),
                (1, 2_000),
            )),
            deadline,
            suspend_operations: input.suspend_operations.unwrap_or(false),
        };
        if f.errors.is_empty() {
            Ok(new)
        } else {
            Err(ServiceError::Validation(f.errors))
        }
    }

    /// The tip a hazard of source `tip` comes from: a case this staff member can see, with no
    /// hazard yet. Other sources name no case.
    fn hazard_tip(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        source: Source,
        input: &HazardInput,
        f: &mut Fields,
    ) -> ServiceResult<Option<TipRow>> {
        let number = filled(input.case_number.as_deref());
        match (source, number) {
            (Source::Tip, None) => f.err("case_number", "required"),
            (Source::Tip, Some(n)) => match self.visible(conn, staff, n) {
                Ok((tip, _)) if hazards::for_tip(conn, tip.id)?.is_some() => {
                    f.err("case_number", "hazard_exists")
                }
                Ok((tip, _)) => return Ok(Some(tip)),
                Err(ServiceError::NotFound) => f.err("case_number", "unknown_case"),
                Err(e) => return Err(e),
            },
            (_, Some(_)) => f.err("case_number", "only_for_tips"),
            (_, None) => {}
        }
        Ok(None)
    }

    /// The enterprise: by id, or by credit code and name (a spreadsheet's row); a tip's hazard
    /// takes the enterprise the tip is linked to, if any.
    fn hazard_enterprise(
        &self,
        conn: &mut DbConn,
        input: &HazardInput,
        tip: Option<&TipRow>,
        f: &mut Fields,
    ) -> ServiceResult<Option<i64>> {
        if let Some(id) = input.enterprise_id {
            return Ok(match enterprises::find(conn, id)? {
                Some(e) => Some(e.id),
                None => {
                    f.err("enterprise_id", "unknown_enterprise");
                    None
                }
            });
        }
        let code = filled(input.credit_code.as_deref());
        if let Some(code) = code {
            return Ok(match crate::domain::credit_code::CreditCode::parse(code) {
                Err(e) => {
                    f.err("credit_code", e.key());
                    None
                }
                Ok(code) => match enterprises::by_credit_code(conn, code.as_str())? {
                    Some(e) => Some(e.id),
                    None => {
                        f.err("credit_code", "unknown_enterprise");
                        None
                    }
                },
            });
        }
        if let Some(tip) = tip {
            return Ok(enterprises::of_tip(conn, tip.id)?.map(|e| e.id));
        }
        f.err("enterprise_id", "required");
        Ok(None)
    }

    /// Stores a checked hazard with the next number, its first history row and audit entry.
    pub(super) fn store_hazard(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        new: NewHazard,
    ) -> ServiceResult<HazardId> {
        let now = self.now();
        let year = self.today().year();
        let seq = hazards::next_hazard_seq(conn, year)?;
        let number = format!("YH-{year}-{seq:06}");
        let row = HazardRow {
            id: HazardId::default(),
            number: number.clone(),
            source: new.source,
            tip_id: new.tip.as_ref().map(|t| t.id.0),
            inspection_id: new.inspection_id,
            enterprise_id: new.enterprise_id,
            description: new.description,
            grade: new.grade,
            basis: new.basis,
            found_on: new.found_on,
            department: new.department,
            street: new.street,
            responsible_person: new.responsible_person,
            supervisor: new.supervisor,
            street_official: new.street_official,
            leader: new.leader,
            measures: new.measures,
            deadline: new.deadline,
            original_deadline: new.deadline,
            suspend_operations: new.suspend_operations,
            resumed_on: None,
            status: HazardStatus::Open,
            overdue: false,
            rectified_on: None,
            reviewed_by: None,
            reviewed_on: None,
            escalated_on: None,
            supervised: false,
            created_by: staff.username.clone(),
            created_at: now,
            updated_at: now,
        };
        let id = hazards::insert(conn, &row)?;
        self.hazard_event(conn, staff, (id, &number), "created", (None, None))?;
        Ok(id)
    }

    /// Writes a hazard's history row and its audit entry (the hazard's number stands where a
    /// case's would).
    pub(super) fn hazard_event(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        key: (HazardId, &str),
        kind: &str,
        what: (Option<&str>, Option<NaiveDate>),
    ) -> ServiceResult<()> {
        self.hazard_event_by(conn, &staff.username, key, kind, what)
    }

    /// [`Services::hazard_event`] by whoever `actor` names (`system` for the background job).
    pub(super) fn hazard_event_by(
        &self,
        conn: &mut DbConn,
        actor: &str,
        (id, number): (HazardId, &str),
        kind: &str,
        (note, on_date): (Option<&str>, Option<NaiveDate>),
    ) -> ServiceResult<()> {
        hazards::insert_event(
            conn,
            &HazardEventRow {
                id: 0,
                hazard_id: id,
                kind: kind.to_owned(),
                actor: actor.to_owned(),
                at: self.now(),
                note: note.map(str::to_owned),
                on_date,
            },
        )?;
        let action = format!("hazard_{kind}");
        append(
            self,
            conn,
            &NewEntry {
                actor,
                action: &action,
                case_number: Some(number),
                reason: note,
                ..NewEntry::default()
            },
        )?;
        Ok(())
    }

    /// Records a hazard (`POST /api/v1/staff/hazards`, the page's form).
    pub fn record_hazard(&self, staff: &Staff, input: &HazardInput) -> ServiceResult<HazardView> {
        if !staff.may(Permission::RecordHazards) {
            return Err(ServiceError::Forbidden);
        }
        self.db.write(|conn| {
            let new = match input.inspection_id {
                // An inspection named in the body that is not in reach is a wrong field, like
                // an unknown enterprise (the path of `…/inspections/{id}/hazards` answers 404).
                Some(inspection) => self
                    .check_inspection_hazard(conn, staff, inspection, input)
                    .map_err(|e| match e {
                        ServiceError::NotFound => {
                            ServiceError::field("inspection_id", "unknown_inspection")
                        }
                        e => e,
                    })?,
                None => self.check_hazard(conn, staff, input)?,
            };
            let id = self.store_hazard(conn, staff, new)?;
            self.hazard_view(conn, staff, id)
        })
    }

    /// The enterprises the hazard form offers: the one chosen (by id), then those whose name
    /// contains `q` or whose credit code is `q`, at most 20 in all.
    pub fn enterprise_choices(
        &self,
        staff: &Staff,
        q: &str,
        chosen: Option<i64>,
    ) -> ServiceResult<Vec<EnterpriseRef>> {
        if !staff.may(Permission::RecordHazards) {
            return Err(ServiceError::Forbidden);
        }
        let mut conn = self.db.read()?;
        let mut rows: Vec<EnterpriseRow> = match chosen {
            Some(id) => enterprises::find(&mut conn, id)?.into_iter().collect(),
            None => Vec::new(),
        };
        let q = q.trim();
        if !q.is_empty() && !q.contains('\0') && q.chars().count() <= 100 {
            for e in enterprises::search(&mut conn, q, 20)? {
                if rows.iter().all(|r| r.id != e.id) {
                    rows.push(e);
                }
            }
        }
        rows.truncate(20);
        Ok(rows.into_iter().map(EnterpriseRef::from).collect())
    }

    /// One hazard as this staff member sees it; another unit's hazard is not found.
    pub fn hazard(&self, staff: &Staff, id: HazardId) -> ServiceResult<HazardView> {
        if !staff.may(Permission::ReadCases) {
            return Err(ServiceError::Forbidden);
        }
        let mut conn = self.db.read()?;
        self.hazard_view(&mut conn, staff, id)
    }

    pub(super) fn hazard_view(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        id: HazardId,
    ) -> ServiceResult<HazardView> {
        let row = hazards::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        if !self.hazard_in_reach(staff, &row) {
            return Err(ServiceError::NotFound);
        }
        let actor = self.hazard_actor(conn, staff, &row)?;
        let facts = self.hazard_facts(conn, &row)?;
        let steps = hazard::steps(row.status, actor, facts);
        let case_number = match row.tip_id {
            Some(t) => tips::find(conn, t.into())?.map(|t| t.case_number),
            None => None,
        };
        let enterprise = match row.enterprise_id {
            Some(e) => enterprises::find(conn, e)?.map(EnterpriseRef::from),
            None => None,
        };
        let explanations = self.explanations(conn, Owner::Hazard(id.0))?;
        let history = hazards::events_of(conn, id)?
            .into_iter()
            .map(|e| HazardEvent {
                step: e.kind,
                by: e.actor,
                at: e.at,
                note: e.note,
                date: e.on_date,
            })
            .collect();
        let listed = crate::db::listings::Listed::Hazard(row.id.0);
        let listed_supervision = self.listing(conn, listed)?;
        Ok(HazardView {
            people: self.people(conn)?,
            listed_supervision,
            id: row.id,
            number: row.number,
            status: row.status,
            source: row.source,
            case_number,
            enterprise,
            description: row.description,
            grade: row.grade,
            basis: row.basis,
            found_on: row.found_on,
            department: row.department,
            street: row.street,
            responsible_person: row.responsible_person,
            supervisor: row.supervisor,
            street_official: row.street_official,
            leader: row.leader,
            measures: row.measures,
            deadline: row.deadline,
            original_deadline: row.original_deadline,
            suspend_operations: row.suspend_operations,
            resumed_on: row.resumed_on,
            overdue: row.overdue,
            rectified_on: row.rectified_on,
            reviewed_by: row.reviewed_by,
            reviewed_on: row.reviewed_on,
            escalated_on: row.escalated_on,
            supervised: row.supervised,
            created_by: row.created_by,
            history,
            explanations,
            steps,
        })
    }

    /// A tip's rectification was confirmed on the case (`confirm_rectified`: the department's
    /// re-check): its hazard is struck off (销号) by the same person on the same day, unless it
    /// already was. The hazard's list and the case then agree.
    pub(super) fn close_hazard_of_tip(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: &TipRow,
    ) -> ServiceResult<()> {
        let Some(mut row) = hazards::for_tip(conn, tip.id)? else {
            return Ok(());
        };
        if row.status == HazardStatus::Closed {
            return Ok(());
        }
        let today = self.today();
        row.rectified_on = row.rectified_on.or(Some(today));
        row.status = HazardStatus::Closed;
        row.reviewed_by = Some(staff.username.clone());
        row.reviewed_on = Some(today);
        row.overdue = false;
        row.updated_at = self.now();
        hazards::update(conn, &row)?;
        // The note is the case's number: the hazard page words it ("the case's rectification
        // was confirmed").
        self.hazard_event(
            conn,
            staff,
            (row.id, &row.number),
            "review_pass",
            (Some(&tip.case_number), Some(today)),
        )
    }

    /// The hazard of a tip whose rectification was just ordered (source `tip`): created the
    /// first time, brought up to date (and open again) when it is ordered anew after a reopening.
    pub(super) fn hazard_of_tip(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        tip: &TipRow,
        order: (&str, &str, NaiveDate, bool),
    ) -> ServiceResult<()> {
        let (party, measures, deadline, suspend) = order;
        if let Some(mut row) = hazards::for_tip(conn, tip.id)? {
            row.responsible_person = party.to_owned();
            row.measures = measures.to_owned();
            row.deadline = deadline;
            row.suspend_operations = suspend;
            row.status = HazardStatus::Open;
            row.overdue = false;
            row.rectified_on = None;
            row.reviewed_by = None;
            row.reviewed_on = None;
            row.department = tip.department.clone();
            row.street = tip.street.clone();
            row.updated_at = self.now();
            hazards::update(conn, &row)?;
            return self.hazard_event(
                conn,
                staff,
                (row.id, &row.number),
                "ordered_again",
                (None, Some(deadline)),
            );
        }
        let new = NewHazard {
            source: Source::Tip,
            enterprise_id: enterprises::of_tip(conn, tip.id)?.map(|e| e.id),
            tip: Some(tip.clone()),
            inspection_id: None,
            description: tip.description.chars().take(2_000).collect(),
            grade: tip.severity,
            basis: None,
            // The day the hazard became known: the tip's.
            found_on: self.local_date(tip.submitted_at),
            department: tip.department.clone(),
            street: tip.street.clone(),
            responsible_person: party.to_owned(),
            supervisor: staff.display_name.clone(),
            street_official: None,
            leader: None,
            measures: measures.to_owned(),
            deadline,
            suspend_operations: suspend,
        };
        self.store_hazard(conn, staff, new)?;
        Ok(())
    }
}
