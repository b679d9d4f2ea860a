//! The supervision groups' and the district office's JSON routes: findings (督查), the
//! timeliness view of public and media tips, accountability records (问责).

use super::JsonUtf8;
use super::api::Csrf;
use super::error::{ApiError, BadQuery, ErrorBody, JsonBodyErrors, Refused, StaffErrors};
use super::extract::can;
use super::staff_api::StaffCall;
use crate::domain::supervision::AccountabilityFilter;
use crate::services::evaluation::{EvaluationScores, ScoresInput};
use crate::services::supervision::{
    AccountabilityInput, AccountabilityView, FindingInput, FindingView, Timeliness,
};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A period, `YYYY-MM-DD` both (default: the twelve weeks to today), and optionally a unit.
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub unit: Option<String>,
    /// Findings only: a supervision group's code (督查组), for its findings alone.
    pub group: Option<String>,
}

/// Findings of a period.
#[derive(Serialize, ToSchema)]
pub struct Findings {
    #[schema(value_type = String)]
    pub from: chrono::NaiveDate,
    #[schema(value_type = String)]
    pub to: chrono::NaiveDate,
    pub findings: Vec<FindingView>,
}

#[utoipa::path(post, path = "/staff/supervision", tag = "supervision", request_body = FindingInput,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the finding is recorded", body = FindingView),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn record_finding(
    call: StaffCall<can::RecordFindings>,
    body: web::Json<FindingInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let done = call.run(move |s, st| s.record_finding(st, &input)).await?;
    Ok(HttpResponse::Created().json_utf8(done))
}

#[utoipa::path(get, path = "/staff/supervision", tag = "supervision",
    params(PeriodQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "findings recorded in the period, newest first", body = Findings),
        (status = 422, description = "the period or the unit is wrong", body = ErrorBody),
        BadQuery, StaffErrors,
    ))]
pub async fn findings(
    call: StaffCall<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (from, to, findings) = call
        .run(move |s, st| {
            let scope = (q.unit.as_deref(), q.group.as_deref());
            s.findings(st, scope, (q.from.as_deref(), q.to.as_deref()))
        })
        .await?;
    Ok(HttpResponse::Ok().json_utf8(Findings { from, to, findings }))
}

#[utoipa::path(get, path = "/staff/supervision/timeliness", tag = "supervision",
    params(PeriodQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "per unit, the public and media tips of the period and whether each was accepted and verified within its limit", body = Timeliness),
        (status = 422, description = "the period is wrong", body = ErrorBody),
        BadQuery, StaffErrors,
    ))]
pub async fn timeliness(
    call: StaffCall<can::ReadOversight>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let view = call
        .run(move |s, st| s.timeliness(st, (q.from.as_deref(), q.to.as_deref())))
        .await?;
    Ok(HttpResponse::Ok().json_utf8(view))
}

#[utoipa::path(post, path = "/staff/accountability", tag = "supervision", request_body = AccountabilityInput,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the measure is recorded", body = AccountabilityView),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn record_accountability(
    call: StaffCall<can::RecordAccountability>,
    body: web::Json<AccountabilityInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let done = call
        .run(move |s, st| s.record_accountability(st, &input))
        .await?;
    Ok(HttpResponse::Created().json_utf8(done))
}

/// Which accountability records to list.
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct AccountabilityQuery {
    pub unit: Option<String>,
    pub enterprise_id: Option<i64>,
}

/// Accountability records, newest decision first.
#[derive(Serialize, ToSchema)]
pub struct AccountabilityList {
    pub records: Vec<AccountabilityView>,
}

#[utoipa::path(get, path = "/staff/accountability", tag = "supervision",
    params(AccountabilityQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "accountability records", body = AccountabilityList),
        BadQuery, StaffErrors,
    ))]
pub async fn accountability(
    call: StaffCall<can::ReadCases>,
    q: web::Query<AccountabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let filter = AccountabilityFilter {
        unit: q.unit.filter(|u| !u.trim().is_empty()),
        enterprise_id: q.enterprise_id,
        ..AccountabilityFilter::default()
    };
    let records = call.run(move |s, st| s.accountability(st, filter)).await?;
    Ok(HttpResponse::Ok().json_utf8(AccountabilityList { records }))
}

/// The unit a judgment is for, and its period (both days required).
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ScoresQuery {
    /// First day of the period (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day of the period (`YYYY-MM-DD`).
    pub to: Option<String>,
}

#[utoipa::path(put, path = "/staff/evaluation/{unit}", tag = "supervision", request_body = ScoresInput,
    params(("unit" = String, Path, description = "the department's or sub-district's code"), ScoresQuery, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the judgments entered (replacing earlier ones for the unit and period) and the scores they make", body = EvaluationScores),
        StaffErrors, Refused, JsonBodyErrors,
    ))]
pub async fn enter_scores(
    call: StaffCall<can::ScoreEvaluation>,
    path: web::Path<String>,
    q: web::Query<ScoresQuery>,
    body: web::Json<ScoresInput>,
) -> Result<HttpResponse, ApiError> {
    let (unit, q, input) = (path.into_inner(), q.into_inner(), body.into_inner());
    let done = call
        .run(move |s, st| s.enter_scores(st, &unit, (q.from.as_deref(), q.to.as_deref()), &input))
        .await?;
    Ok(HttpResponse::Ok().json_utf8(done))
}
