//! Joint inspections (联合检查): a task with several departments, a day, an optional
//! sub-district, the enterprises visited and the members; each department records the hazards it
//! found under its own name (source `joint_inspection`), and the task shows them with their state.

use super::auth::Staff;
use super::hazards::{Fields, HazardInput, NewHazard, date_field, filled};
use super::{ServiceError, ServiceResult, Services};
use crate::db::DbConn;
use crate::db::enterprises;
use crate::db::hazards::{self, HazardFilter};
use crate::db::inspections::{self as db, InspectionRow};
use crate::domain::access::Permission;
use crate::domain::hazard::{HazardStatus, Source};
use crate::domain::roles::Role;
use crate::domain::tip::{Severity, text_field};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A joint inspection as the organiser writes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InspectionInput {
    pub title: Option<String>,
    /// `YYYY-MM-DD`
    pub date: Option<String>,
    /// Two or more departments' codes.
    pub departments: Option<Vec<String>>,
    /// The sub-district's code.
    pub street: Option<String>,
    pub enterprise_ids: Option<Vec<i64>>,
    /// Who went (names and units).
    pub members: Option<String>,
}

/// An enterprise the inspection visited.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Visited {
    pub id: i64,
    pub name: String,
}

/// A hazard the inspection found, with where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FoundHazard {
    pub id: i64,
    pub number: String,
    pub department: String,
    #[schema(required)]
    pub enterprise: Option<String>,
    pub grade: Severity,
    pub status: HazardStatus,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    pub overdue: bool,
}

/// A joint inspection with what it found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: i64,
    pub title: String,
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub departments: Vec<String>,
    #[schema(required)]
    pub street: Option<String>,
    pub members: String,
    pub enterprises: Vec<Visited>,
    pub hazards: Vec<FoundHazard>,
    pub created_by: String,
    /// Whether this staff member may record a hazard from it (a department of it, or the
    /// coordinator).
    pub may_record: bool,
}

impl Services {
    /// Whether a staff member takes part: the coordinator and inspectors see every inspection, a
    /// unit those it joined (one of its departments, or its sub-district).
    fn joined(staff: &Staff, row: &InspectionRow) -> bool {
        match staff.scope() {
            None => staff.may(Permission::ReadCases),
            Some(unit) => {
                row.department_codes().contains(&unit.as_str())
                    || row.street.as_deref() == Some(unit.as_str())
            }
        }
    }

    /// Records a joint inspection: the coordinator, or the head of one of its departments.
    pub fn create_inspection(
        &self,
        staff: &Staff,
        input: &InspectionInput,
    ) -> ServiceResult<InspectionView> {
        if !staff.may(Permission::RecordHazards) || staff.role == Role::Inspector {
            return Err(ServiceError::Forbidden);
        }
        self.db.write(|conn| {
            let mut f = Fields::default();
            let title = f.take(text_field("title", input.title.as_deref(), (2, 200)));
            let date = f.take(date_field("date", input.date.as_deref()));
            let mut departments: Vec<String> = Vec::new();
            for d in input.departments.iter().flatten() {
                let d = d.trim();
                if self.catalog.department(d).is_none() {
                    f.err("departments", "unknown_unit");
                } else if !departments.iter().any(|x| x == d) {
                    departments.push(d.to_owned());
                }
            }
            if departments.len() < 2 {
                f.err("departments", "two_departments");
            }
            if let Some(unit) = staff.scope()
                && !departments.contains(&unit)
            {
                f.err("departments", "not_your_unit");
            }
            let street = filled(input.street.as_deref()).map(str::to_owned);
            if street
                .as_deref()
                .is_some_and(|s| self.catalog.street(s).is_none())
            {
                f.err("street", "unknown_unit");
            }
            let mut visited = Vec::new();
            for id in input.enterprise_ids.iter().flatten() {
                match enterprises::find(conn, *id)? {
                    Some(e) if !visited.contains(&e.id) => visited.push(e.id),
                    Some(_) => {}
                    None => f.err("enterprise_ids", "unknown_enterprise"),
                }
            }
            if visited.is_empty() {
                f.err("enterprise_ids", "required");
            }
            let members = f.take(text_field("members", input.members.as_deref(), (2, 500)));
            if !f.errors.is_empty() {
                return Err(ServiceError::Validation(f.errors));
            }
            let row = InspectionRow {
                id: 0,
                title,
                held_on: date,
                departments: departments.join(","),
                street,
                members,
                created_by: staff.username.clone(),
                created_at: self.now(),
            };
            let id = db::insert(conn, &row, &visited)?;
            let detail = format!("{} {}", row.held_on, row.title);
            self.audit_staff_step(conn, staff, "inspection_created", &detail)?;
            self.inspection_view(conn, staff, id)
        })
    }

    /// The inspections this staff member joined (all for the coordinator and inspectors),
    /// newest first.
    pub fn inspections(&self, staff: &Staff) -> ServiceResult<Vec<InspectionView>> {
        let mut conn = self.reader_for(staff, Permission::ReadCases)?;
        let rows = db::recent(&mut conn, 200)?;
        rows.iter()
            .filter(|r| Self::joined(staff, r))
            .map(|r| self.inspection_view(&mut conn, staff, r.id))
            .collect()
    }

    /// One inspection with the hazards it found (those in this staff member's reach).
    pub fn inspection(&self, staff: &Staff, id: i64) -> ServiceResult<InspectionView> {
        let mut conn = self.reader_for(staff, Permission::ReadCases)?;
        self.inspection_view(&mut conn, staff, id)
    }

    fn inspection_view(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        id: i64,
    ) -> ServiceResult<InspectionView> {
        let row = db::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        if !Self::joined(staff, &row) {
            return Err(ServiceError::NotFound);
        }
        let filter = HazardFilter {
            inspection_id: Some(id),
            unit: staff.scope(),
            ..HazardFilter::default()
        };
        let (listed, _) = hazards::list(conn, &filter, 0, 500)?;
        let found = listed
            .into_iter()
            .map(|l| FoundHazard {
                id: l.hazard.id.0,
                number: l.hazard.number,
                department: l.hazard.department,
                enterprise: l.enterprise,
                grade: l.hazard.grade,
                status: l.hazard.status,
                deadline: l.hazard.deadline,
                overdue: l.hazard.overdue,
            })
            .collect();
        let departments: Vec<String> = row
            .department_codes()
            .iter()
            .map(|d| d.to_string())
            .collect();
        let may_record = staff.role == Role::Coordinator
            || (matches!(staff.role, Role::Officer | Role::Head)
                && staff.scope().is_some_and(|u| departments.contains(&u)));
        Ok(InspectionView {
            id: row.id,
            title: row.title,
            date: row.held_on,
            departments,
            street: row.street,
            members: row.members,
            enterprises: db::enterprises_of(conn, id)?
                .into_iter()
                .map(|(id, name)| Visited { id, name })
                .collect(),
            hazards: found,
            created_by: row.created_by,
            may_record,
        })
    }

    /// Checks a hazard found by a joint inspection: its source is `joint_inspection`, its
    /// department one of the inspection's, its enterprise one the inspection visited.
    pub(super) fn check_inspection_hazard(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        id: i64,
        input: &HazardInput,
    ) -> ServiceResult<NewHazard> {
        let row = db::find(conn, id)?
            .filter(|r| Self::joined(staff, r))
            .ok_or(ServiceError::NotFound)?;
        let mut f = Fields::default();
        let department = input
            .department
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if !department.is_empty() && !row.department_codes().contains(&department) {
            f.err("department", "not_in_inspection");
        }
        let visited = db::enterprises_of(conn, id)?;
        if input
            .enterprise_id
            .is_some_and(|e| !visited.iter().any(|(v, _)| *v == e))
        {
            f.err("enterprise_id", "not_in_inspection");
        }
        let input = HazardInput {
            source: Some(Source::JointInspection.as_str().to_owned()),
            case_number: None,
            ..input.clone()
        };
        let checked = self.check_hazard(conn, staff, &input);
        match (checked, f.errors.is_empty()) {
            (Ok(mut new), true) => {
                new.inspection_id = Some(id);
                Ok(new)
            }
            (Ok(_), false) => Err(ServiceError::Validation(f.errors)),
            (Err(ServiceError::Validation(mut more)), _) => {
                more.extend(f.errors);
                Err(ServiceError::Validation(more))
            }
            (Err(e), _) => Err(e),
        }
    }

    /// Records a hazard a joint inspection found (`POST /api/v1/staff/inspections/{id}/hazards`).
    pub fn record_inspection_hazard(
        &self,
        staff: &Staff,
        id: i64,
        input: &HazardInput,
    ) -> ServiceResult<super::hazards::HazardView> {
        let input = HazardInput {
            inspection_id: Some(id),
            ..input.clone()
        };
        self.record_hazard(staff, &input)
    }
}
