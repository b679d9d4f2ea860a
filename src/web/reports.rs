//! Progress reports over JSON: save one (figures frozen as of the period's end), read it, change
//! its narrative while a draft, review (审核), sign (签发) and submit it to 区安委办, and list a
//! round's reports (for the coordinator, with every unit's submission). The pages are
//! `web::staff::reports`.

use super::JsonUtf8;
use super::api::Csrf;
use super::error::{
    ApiError, BadQuery, ErrorBody, JsonBodyErrors, NotInReach, Refused, StaffErrors,
};
use super::extract::can;
use super::staff_api::StaffCall;
use crate::domain::report::ReportStep;
use crate::services::reports::{Narrative, ReportInput, ReportList, ReportView};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

/// A round: its first and last day (`YYYY-MM-DD`; default: last month).
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct RoundQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[utoipa::path(post, path = "/staff/reports", tag = "campaign", request_body = ReportInput,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the report is saved as a draft, its figures frozen as of `to`", body = ReportView),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn create(
    call: StaffCall<can::Reports>,
    body: web::Json<ReportInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let done = call.run(move |s, st| s.create_report(st, &input)).await?;
    Ok(HttpResponse::Created().json_utf8(done))
}

#[utoipa::path(get, path = "/staff/reports", tag = "campaign",
    params(RoundQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "the round's reports this staff member may see; for the coordinator every department's and sub-district's submission", body = ReportList),
        (status = 422, description = "a date is wrong", body = ErrorBody),
        BadQuery, StaffErrors,
    ))]
pub async fn list(
    call: StaffCall<can::Reports>,
    q: web::Query<RoundQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let list = call
        .run(move |s, st| s.reports(st, (q.from.as_deref(), q.to.as_deref())))
        .await?;
    Ok(HttpResponse::Ok().json_utf8(list))
}

#[utoipa::path(get, path = "/staff/reports/{id}", tag = "campaign",
    params(("id" = i64, Path, description = "the report's number")),
    security(("session" = [])),
    responses(
        (status = 200, description = "the report with its frozen figures", body = ReportView),
        StaffErrors, NotInReach,
    ))]
pub async fn detail(
    call: StaffCall<can::Reports>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = call.run(move |s, st| s.report(st, id)).await?;
    Ok(HttpResponse::Ok().json_utf8(view))
}

#[utoipa::path(put, path = "/staff/reports/{id}", tag = "campaign", request_body = Narrative,
    params(("id" = i64, Path, description = "the report's number"), Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the narrative is changed (a draft only)", body = ReportView),
        StaffErrors, NotInReach, Refused, JsonBodyErrors,
    ))]
pub async fn edit(
    call: StaffCall<can::Reports>,
    id: web::Path<i64>,
    body: web::Json<Narrative>,
) -> Result<HttpResponse, ApiError> {
    let (id, text) = (id.into_inner(), body.into_inner());
    let view = call
        .run(move |s, st| s.report_step(st, id, ReportStep::Edit, Some(&text)))
        .await?;
    Ok(HttpResponse::Ok().json_utf8(view))
}

async fn step(
    call: StaffCall<can::Reports>,
    id: web::Path<i64>,
    step: ReportStep,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = call
        .run(move |s, st| s.report_step(st, id, step, None))
        .await?;
    Ok(HttpResponse::Ok().json_utf8(view))
}

#[utoipa::path(post, path = "/staff/reports/{id}/review", tag = "campaign",
    params(("id" = i64, Path, description = "the report's number"), Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the review (审核) is recorded: a head of the unit or the coordinator, while a draft", body = ReportView),
        StaffErrors, NotInReach, Refused,
    ))]
pub async fn review(
    call: StaffCall<can::Reports>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    step(call, id, ReportStep::Review).await
}

#[utoipa::path(post, path = "/staff/reports/{id}/sign", tag = "campaign",
    params(("id" = i64, Path, description = "the report's number"), Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "signed (签发): a head of the unit or the coordinator (分管领导); the summary by the coordinator (主要领导)", body = ReportView),
        StaffErrors, NotInReach, Refused,
    ))]
pub async fn sign(
    call: StaffCall<can::Reports>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    step(call, id, ReportStep::Sign).await
}

#[utoipa::path(post, path = "/staff/reports/{id}/submit", tag = "campaign",
    params(("id" = i64, Path, description = "the report's number"), Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "submitted to 区安委办 (a signed report only); nothing changes afterwards", body = ReportView),
        StaffErrors, NotInReach, Refused,
    ))]
pub async fn submit(
    call: StaffCall<can::Reports>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    step(call, id, ReportStep::Submit).await
}
