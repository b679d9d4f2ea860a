//! The public exposure list (公开曝光) from the case page: the coordinator publishes a major
//! hazard found true in words written for the public, and withdraws it with a reason.

use super::case::{ExposureForm, Refused, answer};
use crate::services::exposure::ExposureInput;
use crate::web::extract::can;
use crate::web::pages::{PageResult, TargetForm};

/// Publishes a case on the public exposure list.
pub async fn publish_exposure(sent: TargetForm<can::Publish, ExposureForm>) -> PageResult {
    let (to, f) = (sent.to, sent.form.clone());
    let input = ExposureInput {
        enterprise: Some(f.enterprise),
        location: Some(f.location),
        finding: Some(f.finding),
    };
    let outcome = to.run(move |s, st, case| s.publish_exposure(&st.staff, case, &input));
    let typed = Refused::Exposure(sent.form);
    answer(&to, outcome.await, "exposure_published", typed).await
}

/// Takes a case off the public exposure list, with a reason.
pub async fn withdraw_exposure(sent: TargetForm<can::Publish, ExposureForm>) -> PageResult {
    let (to, reason) = (sent.to, sent.form.reason.clone());
    let outcome = to.run(move |s, st, case| s.withdraw_exposure(&st.staff, case, Some(&reason)));
    let typed = Refused::Exposure(sent.form);
    answer(&to, outcome.await, "exposure_withdrawn", typed).await
}
