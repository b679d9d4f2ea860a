//! The public exposure list (公开曝光): the coordinator publishes a substantiated major hazard
//! in words written for the public (the business, where, what was found), and may withdraw it
//! with a reason; both are audited. The public list shows whether the hazard was rectified, and
//! nothing of the tip itself: not its text, its case number or when it came in.

use super::audit::{By, Event};
use super::auth::Staff;
use super::names::Names;
use super::{ServiceError, ServiceResult, Services};
use crate::db::cases::CaseFileRow;
use crate::db::exposures::{self, ExposureRow};
use crate::db::tips::TipRow;
use crate::db::{DbConn, cases, tips};
use crate::domain::access::Permission;
use crate::domain::tip::{Severity, TipId, text_field};
use crate::i18n::{Lang, local_date};
use chrono::NaiveDateTime;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExposureInput {
    pub enterprise: Option<String>,
    pub location: Option<String>,
    pub finding: Option<String>,
}

/// One entry of the public list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicExposure {
    enterprise: String,
    location: String,
    finding: String,
    /// The sector's and the sub-district's names.
    sector: String,
    street: String,
    published_on: String,
    /// The month rectification was confirmed (a day could be matched with other public data);
    /// empty while it is not.
    rectified_on: String,
}

/// What may go on the public exposure list: a major hazard found true.
pub fn exposable(tip: &TipRow, file: &CaseFileRow) -> bool {
    tip.severity == Severity::Major && tip.status.found_true(file.rectification_due.is_some())
}

impl Services {
    /// Publishes a case on the exposure list (coordinator; a major hazard found true).
    pub fn publish_exposure(
        &self,
        staff: &Staff,
        case_number: &str,
        input: &ExposureInput,
    ) -> ServiceResult<()> {
        if !staff.may(Permission::Publish) {
            return Err(ServiceError::Forbidden);
        }
        let fields = [
            text_field("enterprise", input.enterprise.as_deref(), (2, 200)),
            text_field("location", input.location.as_deref(), (2, 200)),
            text_field("finding", input.finding.as_deref(), (10, 1_000)),
        ];
        let errors: Vec<_> = fields.iter().filter_map(|f| f.clone().err()).collect();
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let [enterprise, location, finding] = fields.map(|f| f.unwrap_or_default());
        let event = ("exposure_published", Some(enterprise.as_str()), None);
        self.change_exposure(staff, case_number, event, |conn, tip_id, now| {
            let tip = tips::find(conn, tip_id)?.ok_or(ServiceError::NotFound)?;
            let file = cases::get(conn, tip.id)?;
            if !exposable(&tip, &file) {
                return Err(ServiceError::Conflict("not_exposable"));
            }
            if exposures::for_tip(conn, tip.id)?.is_some_and(|e| e.withdrawn_at.is_none()) {
                return Err(ServiceError::Conflict("already_published"));
            }
            let row = ExposureRow {
                id: 0,
                tip_id: tip.id,
                enterprise: enterprise.clone(),
                location,
                finding,
                published_by: staff.username.clone(),
                published_at: now,
                withdrawn_by: None,
                withdrawn_at: None,
                withdraw_reason: None,
            };
            Ok(exposures::upsert(conn, &row)?)
        })
    }

    /// Takes a case off the public list, with the reason (coordinator).
    pub fn withdraw_exposure(
        &self,
        staff: &Staff,
        case_number: &str,
        reason: Option<&str>,
    ) -> ServiceResult<()> {
        if !staff.may(Permission::Publish) {
            return Err(ServiceError::Forbidden);
        }
        let reason = text_field("reason", reason, (2, 500))?;
        let event = ("exposure_withdrawn", None, Some(reason.as_str()));
        self.change_exposure(staff, case_number, event, |conn, tip_id, now| {
            let mut row = exposures::for_tip(conn, tip_id)?
                .filter(|e| e.withdrawn_at.is_none())
                .ok_or(ServiceError::Conflict("not_published"))?;
            row.withdrawn_at = Some(now);
            row.withdrawn_by = Some(staff.username.clone());
            row.withdraw_reason = Some(reason.clone());
            Ok(exposures::update(conn, &row)?)
        })
    }

    /// A change to a case's entry on the public list, in one transaction with the case locked
    /// and the change's history row and audit entry (`event`: its action, the audit detail, and
    /// the reason, which is the history's note too); the public pages are renewed after.
    fn change_exposure(
        &self,
        staff: &Staff,
        case_number: &str,
        (action, detail, reason): (&str, Option<&str>, Option<&str>),
        change: impl FnOnce(&mut DbConn, TipId, NaiveDateTime) -> ServiceResult<()>,
    ) -> ServiceResult<()> {
        self.db.write(|conn| -> ServiceResult<()> {
            let tip = self.visible_tip(conn, staff, case_number)?;
            cases::lock_tip(conn, tip.id)?;
            let now = self.now();
            change(conn, tip.id, now)?;
            let by = By::Staff(&staff.username);
            let event = Event::new((tip.id, case_number), action, by, now)
                .note(reason)
                .reason(reason);
            match detail {
                Some(detail) => self.record(conn, &event.detail(detail)),
                None => self.record(conn, &event),
            }
        })?;
        self.public_changed();
        Ok(())
    }

    /// The public list, newest first.
    pub fn public_exposures(&self, lang: Lang) -> ServiceResult<Vec<PublicExposure>> {
        let mut c = self.db.read()?;
        let names = Names::new(&self.catalog, lang);
        Ok(exposures::published(&mut c)?
            .into_iter()
            .map(|(row, sector, street, rectified_at)| PublicExposure {
                enterprise: row.enterprise,
                location: row.location,
                finding: row.finding,
                sector: names.known_sector(&sector),
                street: street.map(|k| names.street(&k)).unwrap_or_default(),
                published_on: local_date(self.local_date(row.published_at), lang),
                rectified_on: (rectified_at)
                    .map(|t| self.local_date(t).format("%Y-%m").to_string())
                    .unwrap_or_default(),
            })
            .collect())
    }
}
