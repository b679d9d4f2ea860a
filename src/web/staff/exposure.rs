//! The public exposure list (公开曝光) from the case page: the coordinator publishes a major
//! hazard found true in words written for the public, and withdraws it with a reason.

use super::case::{ExposureForm, refused};
use crate::services::exposure::ExposureInput;
use crate::web::extract::{StaffForm, can};
use crate::web::pages::{Page, PageResult, see_other};
use actix_web::web;

/// Publishes a case on the public exposure list, or takes it off (`withdraw`).
async fn exposure_action(
    page: Page,
    case: String,
    sent: StaffForm<can::Publish, ExposureForm>,
    withdraw: bool,
) -> PageResult {
    let Page { state, .. } = &page;
    let (staff, form) = (sent.staff.session, sent.form);
    let (st, c, f) = (staff.staff.clone(), case.clone(), form.clone());
    let outcome = state
        .services
        .blocking(move |s| match withdraw {
            true => s.withdraw_exposure(&st, &c, Some(&f.reason)),
            false => {
                let input = ExposureInput {
                    enterprise: Some(f.enterprise),
                    location: Some(f.location),
                    finding: Some(f.finding),
                };
                s.publish_exposure(&st, &c, &input)
            }
        })
        .await;
    let done = if withdraw {
        "exposure_withdrawn"
    } else {
        "exposure_published"
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/staff/tips/{case}?done={done}"))),
        Err(e) => {
            refused(&page, &staff, &case, e, |x, text| {
                x.exposure_errors = vec![text];
                x.exposure_values = form;
            })
            .await
        }
    }
}

pub async fn publish_exposure(
    page: Page,
    path: web::Path<String>,
    sent: StaffForm<can::Publish, ExposureForm>,
) -> PageResult {
    exposure_action(page, path.into_inner(), sent, false).await
}

pub async fn withdraw_exposure(
    page: Page,
    path: web::Path<String>,
    sent: StaffForm<can::Publish, ExposureForm>,
) -> PageResult {
    exposure_action(page, path.into_inner(), sent, true).await
}
