//! Joint inspections over JSON: record one, list them, read one with the hazards it found, and
//! record a hazard it found (each department under its own name).

use super::JsonUtf8;
use super::api::Csrf;
use super::error::{ApiError, JsonBodyErrors, NotInReach, Refused, StaffErrors};
use super::extract::can;
use super::staff_api::StaffCall;
use crate::services::hazards::{HazardInput, HazardView};
use crate::services::inspections::{InspectionInput, InspectionView};
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

#[utoipa::path(post, path = "/staff/inspections", tag = "campaign", request_body = InspectionInput,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the joint inspection is recorded", body = InspectionView),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn create(
    call: StaffCall<can::RecordHazards>,
    body: web::Json<InspectionInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let done = call
        .run(move |s, st| s.create_inspection(st, &input))
        .await?;
    Ok(HttpResponse::Created().json_utf8(done))
}

/// The joint inspections this staff member took part in (all for the coordinator and
/// inspectors), newest first.
#[derive(Serialize, ToSchema)]
pub struct Inspections {
    pub items: Vec<InspectionView>,
}

#[utoipa::path(get, path = "/staff/inspections", tag = "campaign",
    security(("session" = [])),
    responses(
        (status = 200, description = "joint inspections", body = Inspections),
        StaffErrors,
    ))]
pub async fn list(call: StaffCall<can::ReadCases>) -> Result<HttpResponse, ApiError> {
    let items = call.run(move |s, st| s.inspections(st)).await?;
    Ok(HttpResponse::Ok().json_utf8(Inspections { items }))
}

#[utoipa::path(get, path = "/staff/inspections/{id}", tag = "campaign",
    params(("id" = i64, Path, description = "the inspection's number")),
    security(("session" = [])),
    responses(
        (status = 200, description = "the inspection with the hazards it found", body = InspectionView),
        StaffErrors, NotInReach,
    ))]
pub async fn detail(
    call: StaffCall<can::ReadCases>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = call.run(move |s, st| s.inspection(st, id)).await?;
    Ok(HttpResponse::Ok().json_utf8(view))
}

#[utoipa::path(post, path = "/staff/inspections/{id}/hazards", tag = "campaign", request_body = HazardInput,
    params(("id" = i64, Path, description = "the inspection's number"), Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the hazard is recorded (source joint_inspection)", body = HazardView),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn record_hazard(
    call: StaffCall<can::RecordHazards>,
    id: web::Path<i64>,
    body: web::Json<HazardInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let done = call
        .run(move |s, st| s.record_inspection_hazard(st, id, &input))
        .await?;
    Ok(HttpResponse::Created().json_utf8(done))
}
