//! Enterprises (生产经营单位): recording one (its 统一社会信用代码 checked, its street and sector
//! known), finding them by name or code, everything about one (its tips and hazards within the
//! reader's reach, its exposure-list entries, its blacklist entries, the accountability measures
//! against it), and the matches a tip's free-text business suggests. Linking a tip is the case
//! action `link_enterprise`
//! (`services::actions`).
//!
//! Who: staff who read cases see enterprises; a unit's staff see only the tips and hazards of
//! the enterprise that are within their unit's reach. Recording an enterprise needs
//! `Permission::RecordHazards` (officers, heads, the coordinator and inspectors: everyone who
//! records hazards, whose records name the enterprise; finance never).

use super::audit::append;
use super::auth::Staff;
use super::hazards::{EnterpriseRef, filled};
use super::supervision::{AccountabilityView, accountability_in};
use super::{ServiceError, ServiceResult, Services};
use crate::db::audit::NewEntry;
use crate::db::blacklist::{self, BlacklistRow};
use crate::db::enterprises::{self, EnterpriseRow, NewEnterprise, name_core};
use crate::db::listings::ListedKind;
use crate::db::{DbConn, PooledConn};
use crate::domain::FieldError;
use crate::domain::access::Permission;
use crate::domain::credit_code::CreditCode;
use crate::domain::hazard::{HazardId, HazardStatus};
use crate::domain::status::Status;
use crate::domain::supervision::AccountabilityFilter;
use crate::domain::tip::{Severity, text_field};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::{Deserialize, Serialize};

/// An enterprise as staff write it (the API's body, the page's form): text as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EnterpriseInput {
    pub name: Option<String>,
    /// 18 characters with a valid check character (GB 32100-2015); may be left out.
    pub credit_code: Option<String>,
    pub address: Option<String>,
    /// The sub-district's code.
    pub street: Option<String>,
    /// The sector's code.
    pub sector: Option<String>,
}

/// An enterprise as a search lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseSummary {
    pub id: i64,
    pub name: String,
    #[schema(required)]
    pub credit_code: Option<String>,
    pub address: String,
    /// The sub-district's code.
    pub street: String,
    /// The sector's code.
    pub sector: String,
}

impl From<EnterpriseRow> for EnterpriseSummary {
    fn from(r: EnterpriseRow) -> Self {
        EnterpriseSummary {
            id: r.id,
            name: r.name,
            credit_code: r.credit_code,
            address: r.address,
            street: r.street,
            sector: r.sector,
        }
    }
}

impl From<&EnterpriseRow> for EnterpriseRef {
    fn from(r: &EnterpriseRow) -> Self {
        EnterpriseRef {
            id: r.id,
            name: r.name.clone(),
            credit_code: r.credit_code.clone(),
        }
    }
}

/// A tip linked to the enterprise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseTip {
    pub case_number: String,
    pub status: Status,
}

/// A hazard of the enterprise, with where its rectification stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseHazard {
    #[schema(value_type = i64)]
    pub id: HazardId,
    pub number: String,
    pub grade: Severity,
    pub status: HazardStatus,
    #[schema(value_type = String)]
    pub found_on: NaiveDate,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    pub overdue: bool,
    #[schema(required, value_type = Option<String>)]
    pub rectified_on: Option<NaiveDate>,
    /// The day it was struck off (销号).
    #[schema(required, value_type = Option<String>)]
    pub reviewed_on: Option<NaiveDate>,
    /// 挂牌督办 in force, or null.
    #[schema(required)]
    pub listed_supervision: Option<super::listing::ListedSupervision>,
}

/// An entry of one of the enterprise's tips on the public exposure list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseExposure {
    /// The business as it was published.
    pub enterprise: String,
    pub location: String,
    pub finding: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub published_at: NaiveDateTime,
    /// Still on the public list.
    pub published: bool,
}

/// A blacklist entry (安全生产不良记录).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlacklistEntry {
    pub id: i64,
    /// Written for the public.
    pub reason: String,
    #[schema(value_type = String)]
    pub listed_on: NaiveDate,
    /// The last day it is in force; none: until withdrawn.
    #[schema(required, value_type = Option<String>)]
    pub until: Option<NaiveDate>,
    pub listed_by: String,
    /// Not withdrawn and not past `until`: shown on the public page.
    pub in_force: bool,
    #[serde(serialize_with = "crate::domain::json::rfc3339_or_null")]
    #[schema(required, value_type = Option<String>)]
    pub withdrawn_at: Option<NaiveDateTime>,
    #[schema(required)]
    pub withdrawn_by: Option<String>,
    #[schema(required)]
    pub withdraw_reason: Option<String>,
}

impl BlacklistEntry {
    pub(super) fn of(row: BlacklistRow, today: NaiveDate) -> Self {
        BlacklistEntry {
            in_force: in_force(&row, today),
            id: row.id,
            reason: row.reason,
            listed_on: row.listed_on,
            until: row.until,
            listed_by: row.listed_by,
            withdrawn_at: row.withdrawn_at,
            withdrawn_by: row.withdrawn_by,
            withdraw_reason: row.withdraw_reason,
        }
    }
}

/// Whether an entry is in force today: not withdrawn, and its end date not passed.
pub(super) fn in_force(row: &BlacklistRow, today: NaiveDate) -> bool {
    row.withdrawn_at.is_none() && row.until.is_none_or(|u| u >= today)
}

/// Everything about an enterprise that this staff member may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseView {
    pub id: i64,
    pub name: String,
    #[schema(required)]
    pub credit_code: Option<String>,
    pub address: String,
    /// The sub-district's code.
    pub street: String,
    /// The sector's code.
    pub sector: String,
    pub created_by: String,
    #[serde(serialize_with = "crate::domain::json::rfc3339")]
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// Its tips within the reader's reach, newest first.
    pub tips: Vec<EnterpriseTip>,
    /// Its hazards within the reader's reach, newest first.
    pub hazards: Vec<EnterpriseHazard>,
    /// Its tips' entries on the public exposure list, newest first.
    pub exposed: Vec<EnterpriseExposure>,
    /// Its blacklist entries, newest first (withdrawn and ended ones too).
    pub blacklisted: Vec<BlacklistEntry>,
    /// The accountability measures (问责) recorded against it, newest first.
    pub accountability: Vec<AccountabilityView>,
    /// Staff usernames and their display names, to name people on the page.
    #[serde(skip)]
    pub people: std::collections::HashMap<String, String>,
}

/// An enterprise with repeated major hazards, suggested to the coordinator for the blacklist.
#[derive(Debug, Clone)]
pub struct BlacklistSuggestion {
    pub enterprise: EnterpriseSummary,
    /// Major hazards found in the last 365 days.
    pub major_hazards: i64,
}

/// The most matches a tip's free-text business suggests.
const MATCHES: i64 = 10;

/// A text that must not carry control characters (a NUL cannot be stored on PostgreSQL, and
/// none belongs in a name or an address): refused, not silently changed.
pub(super) fn plain_text(
    field: &'static str,
    value: Option<&str>,
    len: (usize, usize),
) -> Result<String, FieldError> {
    if value.is_some_and(|v| v.chars().any(|c| c.is_control() && c != '\n' && c != '\t')) {
        return Err(FieldError::new(field, "invalid"));
    }
    text_field(field, value, len)
}

/// A checked enterprise, ready to store.
struct CheckedEnterprise {
    name: String,
    credit_code: Option<CreditCode>,
    address: String,
    street: String,
    sector: String,
}

impl Services {
    /// Checks an enterprise's fields as typed; every wrong field is told at once (a credit code
    /// already recorded too).
    fn check_enterprise(
        &self,
        conn: &mut DbConn,
        input: &EnterpriseInput,
    ) -> ServiceResult<CheckedEnterprise> {
        let mut errors = Vec::new();
        let mut keep =
            |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).unwrap_or_default();
        let name = keep(plain_text("name", input.name.as_deref(), (2, 200)));
        let address = keep(plain_text("address", input.address.as_deref(), (2, 200)));
        let code = |field: &'static str, value: Option<&str>, known: &dyn Fn(&str) -> bool, key| {
            match filled(value) {
                None => Err(FieldError::new(field, "required")),
                Some(c) if known(c) => Ok(c.to_owned()),
                Some(_) => Err(FieldError::new(field, key)),
            }
        };
        let street = keep(code(
            "street",
            input.street.as_deref(),
            &|c| self.catalog.street(c).is_some(),
            "unknown_street",
        ));
        let sector = keep(code(
            "sector",
            input.sector.as_deref(),
            &|c| self.catalog.sector(c).is_some(),
            "unknown_sector",
        ));
        let credit_code = match input.credit_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match CreditCode::parse(text) {
                Ok(c) if enterprises::by_credit_code(conn, c.as_str())?.is_some() => {
                    errors.push(FieldError::new("credit_code", "credit_code_taken"));
                    None
                }
                Ok(c) => Some(c),
                Err(bad) => {
                    errors.push(FieldError::new("credit_code", bad.key()));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        Ok(CheckedEnterprise {
            name,
            credit_code,
            address,
            street,
            sector,
        })
    }

    /// Checks and stores an enterprise with its audit entry, in the caller's transaction. A
    /// credit code recorded by another transaction meanwhile (the unique index) is the same
    /// field error as one found by the check.
    pub(super) fn insert_enterprise(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        input: &EnterpriseInput,
    ) -> ServiceResult<i64> {
        if !staff.may(Permission::RecordHazards) {
            return Err(ServiceError::Forbidden);
        }
        let e = self.check_enterprise(conn, input)?;
        let row = NewEnterprise {
            name: &e.name,
            credit_code: e.credit_code.as_ref().map(CreditCode::as_str),
            address: &e.address,
            street: &e.street,
            sector: &e.sector,
            created_by: &staff.username,
            created_at: self.now(),
        };
        let id = match enterprises::insert(conn, &row) {
            Ok(id) => id,
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(ServiceError::field("credit_code", "credit_code_taken"));
            }
            Err(e) => return Err(e.into()),
        };
        let detail = match &e.credit_code {
            Some(c) => format!("{id} {} {c}", e.name),
            None => format!("{id} {}", e.name),
        };
        self.audit_staff_step(conn, staff, "enterprise_created", &detail)?;
        Ok(id)
    }

    /// A read connection for a staff member whose role may do `perm`; `Forbidden` (before any
    /// connection is taken) otherwise.
    pub(super) fn reader_for(&self, staff: &Staff, perm: Permission) -> ServiceResult<PooledConn> {
        if !staff.may(perm) {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.db.read()?)
    }

    /// The audit entry of a staff member's step that concerns no case (an enterprise or an
    /// inspection recorded, hazards imported, a list exported): who, what and its detail, in
    /// the caller's transaction.
    pub(super) fn audit_staff_step(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        action: &str,
        detail: &str,
    ) -> ServiceResult<()> {
        let entry = NewEntry {
            actor: &staff.username,
            action,
            detail: Some(detail),
            ..NewEntry::default()
        };
        append(self, conn, &entry)?;
        Ok(())
    }

    /// Records an enterprise (`POST /api/v1/staff/enterprises`, the page's form).
    pub fn create_enterprise(
        &self,
        staff: &Staff,
        input: &EnterpriseInput,
    ) -> ServiceResult<EnterpriseView> {
        self.db.write(|conn| {
            let id = self.insert_enterprise(conn, staff, input)?;
            self.enterprise_view(conn, staff, id)
        })
    }

    /// Enterprises whose name contains `q` or whose credit code is `q`; without `q`, the most
    /// recently recorded. At most 50.
    pub fn find_enterprises(
        &self,
        staff: &Staff,
        q: &str,
    ) -> ServiceResult<Vec<EnterpriseSummary>> {
        let mut conn = self.reader_for(staff, Permission::ReadCases)?;
        let q = q.trim();
        let rows = match q.is_empty() {
            true => enterprises::recent(&mut conn, 50)?,
            false => enterprises::search(&mut conn, q, 50)?,
        };
        Ok(rows.into_iter().map(EnterpriseSummary::from).collect())
    }

    /// Everything about one enterprise that this staff member may see.
    pub fn enterprise(&self, staff: &Staff, id: i64) -> ServiceResult<EnterpriseView> {
        let mut conn = self.reader_for(staff, Permission::ReadCases)?;
        self.enterprise_view(&mut conn, staff, id)
    }

    pub(super) fn enterprise_view(
        &self,
        conn: &mut DbConn,
        staff: &Staff,
        id: i64,
    ) -> ServiceResult<EnterpriseView> {
        let row = enterprises::find(conn, id)?.ok_or(ServiceError::NotFound)?;
        let unit = staff.scope();
        let tips = enterprises::tips_in_reach(conn, id, unit.as_deref())?
            .into_iter()
            .filter_map(|(case_number, status)| {
                let status = status.parse().ok()?;
                Some(EnterpriseTip {
                    case_number,
                    status,
                })
            })
            .collect();
        let hazards: Vec<_> = enterprises::hazards_of(conn, id)?
            .into_iter()
            .filter(|h| self.hazard_in_reach(staff, h))
            .collect();
        let ids: Vec<i64> = hazards.iter().map(|h| h.id.0).collect();
        let mut listings = self.listings_of(conn, ListedKind::Hazard, &ids)?;
        let hazards = hazards
            .into_iter()
            .map(|h| EnterpriseHazard {
                listed_supervision: listings.remove(&h.id.0),
                id: h.id,
                number: h.number,
                grade: h.grade,
                status: h.status,
                found_on: h.found_on,
                deadline: h.deadline,
                overdue: h.overdue,
                rectified_on: h.rectified_on,
                reviewed_on: h.reviewed_on,
            })
            .collect();
        let exposed = enterprises::exposures_of(conn, id)?
            .into_iter()
            .map(|x| EnterpriseExposure {
                published: x.withdrawn_at.is_none(),
                enterprise: x.enterprise,
                location: x.location,
                finding: x.finding,
                published_at: x.published_at,
            })
            .collect();
        let today = self.today();
        let blacklisted = blacklist::of_enterprise(conn, id)?
            .into_iter()
            .map(|b| BlacklistEntry::of(b, today))
            .collect();
        let filter = AccountabilityFilter {
            enterprise_id: Some(id),
            ..AccountabilityFilter::default()
        };
        let accountability = accountability_in(conn, &filter)?;
        Ok(EnterpriseView {
            id: row.id,
            name: row.name,
            credit_code: row.credit_code,
            address: row.address,
            street: row.street,
            sector: row.sector,
            created_by: row.created_by,
            created_at: row.created_at,
            tips,
            hazards,
            exposed,
            blacklisted,
            accountability,
            people: self.people(conn)?,
        })
    }

    /// The enterprise a tip is linked to (`linked`: it is), and when none is, the records its
    /// free-text business may be (for staff to confirm).
    pub(super) fn tip_enterprise(
        &self,
        conn: &mut DbConn,
        tip: &crate::db::tips::TipRow,
        linked: bool,
    ) -> ServiceResult<(Option<EnterpriseRef>, Vec<EnterpriseRef>)> {
        if linked && let Some(linked) = enterprises::of_tip(conn, tip.id)? {
            return Ok((Some(EnterpriseRef::from(&linked)), Vec::new()));
        }
        let text = tip.enterprise.as_deref().unwrap_or_default().trim();
        let core = name_core(text);
        if core.chars().count() < 2 {
            return Ok((None, Vec::new()));
        }
        let matches = enterprises::matching(conn, text, &core, MATCHES)?
            .iter()
            .filter(|e| name_core(&e.name).chars().count() >= 2 || e.name.contains(&core))
            .map(EnterpriseRef::from)
            .collect();
        Ok((None, matches))
    }

    /// Enterprises with two or more major hazards found in the last 365 days and not listed now,
    /// for the coordinator to consider for the blacklist.
    pub fn blacklist_suggestions(&self, staff: &Staff) -> ServiceResult<Vec<BlacklistSuggestion>> {
        let mut conn = self.reader_for(staff, Permission::Publish)?;
        let today = self.today();
        let since = today - chrono::Duration::days(365);
        let mut out = Vec::new();
        for (row, n) in enterprises::repeated_major(&mut conn, since, 2)? {
            let listed = blacklist::of_enterprise(&mut conn, row.id)?
                .iter()
                .any(|b| in_force(b, today));
            if !listed {
                out.push(BlacklistSuggestion {
                    enterprise: row.into(),
                    major_hazards: n,
                });
            }
        }
        Ok(out)
    }
}
