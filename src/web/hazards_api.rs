//! JSON API v1 for hazards (API.md, "Staff: the campaign"): record one, read one, take a step of
//! its lifecycle. Handlers extract, make one service call and answer the service's view; who may
//! do what is the services' and `domain::hazard::decide`'s business.

use super::JsonUtf8;
use super::api::Csrf;
use super::error::{ApiError, JsonBodyErrors, NotInReach, Refused, StaffErrors};
use super::extract::can;
use super::staff_api::StaffCall;
use crate::domain::hazard::HazardId;
use crate::services::hazard_actions::HazardActionInput;
use crate::services::hazards::{HazardInput, HazardView};
use actix_web::{HttpResponse, web};

/// A hazard in the path, by its id (documentation only: handlers take `web::Path`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes a path parameter; never built")]
pub struct HazardPath {
    /// The hazard's id (the `id` of its answer; its number `YH-2026-000001` is for people).
    id: i64,
}

/// A staff answer with a hazard: never kept by a cache.
fn hazard_answer(mut to: actix_web::HttpResponseBuilder, view: &HazardView) -> HttpResponse {
    to.insert_header(("Cache-Control", "no-store"))
        .json_utf8(view)
}

#[utoipa::path(post, path = "/staff/hazards", tag = "campaign", request_body = HazardInput,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the hazard is recorded (status `open`, its number `YH-…`)", body = HazardView),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn record(
    call: StaffCall<can::RecordHazards>,
    body: web::Json<HazardInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view = call.run(move |s, st| s.record_hazard(st, &input)).await?;
    Ok(hazard_answer(HttpResponse::Created(), &view))
}

#[utoipa::path(get, path = "/staff/hazards/{id}", tag = "campaign",
    params(HazardPath),
    security(("session" = [])),
    responses(
        (status = 200, description = "the hazard, its history and the steps the caller may take now", body = HazardView),
        StaffErrors, NotInReach,
    ))]
pub async fn detail(
    call: StaffCall<can::ReadCases>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = HazardId(path.into_inner());
    let view = call.run(move |s, st| s.hazard(st, id)).await?;
    Ok(hazard_answer(HttpResponse::Ok(), &view))
}

#[utoipa::path(post, path = "/staff/hazards/{id}/actions", tag = "campaign", request_body = HazardActionInput,
    params(HazardPath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the hazard after the step", body = HazardView),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn act(
    call: StaffCall<can::ReadCases>,
    path: web::Path<i64>,
    body: web::Json<HazardActionInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (HazardId(path.into_inner()), body.into_inner());
    let view = call.run(move |s, st| s.hazard_act(st, id, &input)).await?;
    Ok(hazard_answer(HttpResponse::Ok(), &view))
}
