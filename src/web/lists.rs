//! The files staff download, answered: the one CSV answer every export shares (a `Responder` for
//! the services' [`CsvFile`]), and the route of the three lists. The files themselves are written
//! by [`crate::services::exports`].

use super::AppState;
use super::error::{ApiError, Code};
use super::extract::{ApiStaff, can};
use super::i18n::Lang;
use crate::services::exports::CsvFile;
use crate::services::lists::ListKind;
use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, Responder, web};

/// The list page shows the same columns and cells as the file.
pub use crate::services::lists::{COLUMNS, cells};

/// A download: CSV, saved under the file's name, never cached (staff data).
impl Responder for CsvFile {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .insert_header(("Cache-Control", "no-store"))
            .body(self.bytes)
    }
}

/// A list file in the path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "describes a path parameter; never built")]
pub struct ListFile {
    /// `hazards.csv`, `rectifications.csv` or `responsibilities.csv`.
    file: String,
}

#[utoipa::path(get, path = "/staff/lists/{file}", tag = "staff",
    params(ListFile),
    security(("session" = [])),
    responses(
        (status = 200, description = "the list: UTF-8 CSV with a BOM", content_type = "text/csv; charset=utf-8", body = String),
        (status = 401, description = "not signed in", body = super::error::ErrorBody),
        (status = 403, description = "the role reads no cases (finance)", body = super::error::ErrorBody),
        (status = 404, description = "no such list", body = super::error::ErrorBody),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    lang: Lang,
    staff: ApiStaff<can::ReadCases>,
    path: web::Path<String>,
) -> Result<CsvFile, ApiError> {
    let kind = path
        .strip_suffix(".csv")
        .and_then(ListKind::parse)
        .ok_or_else(|| ApiError::new(Code::NotFound, lang))?;
    let st = staff.member().clone();
    state
        .services
        .blocking(move |s| s.list_file(&st, kind, lang))
        .await
        .map_err(ApiError::service(lang))
}
