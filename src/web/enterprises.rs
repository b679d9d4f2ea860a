//! JSON API v1 for the campaign's enterprises (API.md, "Staff: the campaign"): recording one,
//! finding them, everything about one, and the blacklist (安全生产不良记录).

use super::JsonUtf8;
use super::api::Csrf;
use super::error::{ApiError, BadQuery, ErrorBody, JsonBodyErrors, StaffErrors};
use super::extract::can;
use super::staff_api::{ReasonBody, StaffCall};
use crate::services::blacklist::BlacklistInput;
use crate::services::enterprises::{
    BlacklistEntry, EnterpriseInput, EnterpriseSummary, EnterpriseView,
};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An enterprise in the path, by its id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes a path parameter; never built")]
pub struct EnterprisePath {
    /// The enterprise's id.
    id: i64,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct SearchQuery {
    /// A part of the name, or the whole credit code; none lists the most recently recorded.
    q: Option<String>,
}

/// The enterprises found (at most 50).
#[derive(Serialize, ToSchema)]
pub struct Enterprises {
    pub items: Vec<EnterpriseSummary>,
}

/// A field is wrong or missing (API.md: the field errors in the user's language).
#[derive(utoipa::IntoResponses)]
pub enum Invalid {
    #[response(status = 422, description = "a field is wrong or missing")]
    Validation(ErrorBody),
}

/// No such enterprise.
#[derive(utoipa::IntoResponses)]
pub enum NoEnterprise {
    #[response(status = 404, description = "no such enterprise")]
    NotFound(ErrorBody),
}

/// The blacklist's state does not allow the step (listed beside [`Invalid`]).
#[derive(utoipa::IntoResponses)]
pub enum BlacklistConflict {
    #[response(
        status = 409,
        description = "already listed (a listing in force), or nothing in force to withdraw"
    )]
    Conflict(ErrorBody),
}

#[utoipa::path(post, path = "/staff/enterprises", tag = "staff", request_body = EnterpriseInput,
    params(Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the enterprise is recorded", body = EnterpriseView),
        StaffErrors, Invalid, JsonBodyErrors,
    ))]
pub async fn create(
    call: StaffCall<can::RecordHazards>,
    body: web::Json<EnterpriseInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view = call
        .run(move |s, st| s.create_enterprise(st, &input))
        .await?;
    Ok(HttpResponse::Created().json_utf8(view))
}

#[utoipa::path(get, path = "/staff/enterprises", tag = "staff",
    params(SearchQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "the enterprises found", body = Enterprises),
        BadQuery, StaffErrors,
    ))]
pub async fn search(
    call: StaffCall<can::ReadCases>,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner().q.unwrap_or_default();
    let items = call.run(move |s, st| s.find_enterprises(st, &q)).await?;
    Ok(HttpResponse::Ok().json_utf8(Enterprises { items }))
}

#[utoipa::path(get, path = "/staff/enterprises/{id}", tag = "staff",
    params(EnterprisePath),
    security(("session" = [])),
    responses(
        (status = 200, description = "the enterprise, with its tips and hazards in reach, exposure, blacklist entries and accountability measures", body = EnterpriseView),
        StaffErrors, NoEnterprise,
    ))]
pub async fn one(
    call: StaffCall<can::ReadCases>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = call.run(move |s, st| s.enterprise(st, id)).await?;
    Ok(HttpResponse::Ok().json_utf8(view))
}

#[utoipa::path(post, path = "/staff/enterprises/{id}/blacklist", tag = "staff", request_body = BlacklistInput,
    params(EnterprisePath, Csrf),
    security(("session" = [])),
    responses(
        (status = 201, description = "the enterprise is listed", body = BlacklistEntry),
        StaffErrors, NoEnterprise, BlacklistConflict, Invalid, JsonBodyErrors,
    ))]
pub async fn blacklist(
    call: StaffCall<can::Publish>,
    path: web::Path<i64>,
    body: web::Json<BlacklistInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (path.into_inner(), body.into_inner());
    let entry = call
        .run(move |s, st| s.blacklist_enterprise(st, id, &input))
        .await?;
    Ok(HttpResponse::Created().json_utf8(entry))
}

#[utoipa::path(post, path = "/staff/enterprises/{id}/blacklist/withdraw", tag = "staff", request_body = ReasonBody,
    params(EnterprisePath, Csrf),
    security(("session" = [])),
    responses(
        (status = 200, description = "the entry in force is withdrawn", body = BlacklistEntry),
        StaffErrors, NoEnterprise, BlacklistConflict, Invalid, JsonBodyErrors,
    ))]
pub async fn withdraw(
    call: StaffCall<can::Publish>,
    path: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, reason) = (path.into_inner(), body.into_inner().reason);
    let entry = call
        .run(move |s, st| s.withdraw_blacklisting(st, id, reason.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json_utf8(entry))
}
