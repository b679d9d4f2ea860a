//! The files staff download, answered: the one answer every download shares (a `Responder` for
//! the services' [`Download`]), the route of the three lists (CSV or XLSX, filtered), and the
//! hazard import (`POST /staff/hazards/import`, multipart), whose reading of the upload the
//! import page shares. The files themselves are written by [`crate::services::exports`].

use super::AppState;
use super::JsonUtf8;
use super::error::{ApiError, Code, ErrorBody, MultipartUnreadable, StaffErrors};
use super::extract::can;
use super::form::{ReadError, read_parts};
use super::i18n::Lang;
use super::staff_api::StaffCall;
use crate::services::exports::{Download, ListFormat};
use crate::services::import::{self, ImportError, RowError};
use crate::services::lists::{ListKind, ListQuery};
use actix_multipart::Multipart;
use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use serde::Serialize;

/// A download: saved under the file's name, never cached (staff data).
impl Responder for Download {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .content_type(self.content_type)
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
    /// `hazards`, `rectifications` or `responsibilities`, then `.csv` or `.xlsx`.
    file: String,
}

/// The list and the format a file name (`hazards.xlsx`) asks for.
pub fn list_file(name: &str) -> Option<(ListKind, ListFormat)> {
    let (kind, ext) = name.rsplit_once('.')?;
    Some((ListKind::parse(kind)?, ListFormat::parse(ext)?))
}

#[utoipa::path(get, path = "/staff/lists/{file}", tag = "staff",
    params(ListFile, ListQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "the list, filtered: UTF-8 CSV with a BOM, or an XLSX workbook (Chinese headers, column widths, frozen header row)",
            content(
                (String = "text/csv; charset=utf-8"),
                (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )),
        (status = 404, description = "no such list or format", body = ErrorBody),
        (status = 422, description = "a filter is not a known code or date", body = ErrorBody),
        StaffErrors,
    ))]
pub async fn export(
    call: StaffCall<can::ReadCases>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<Download, ApiError> {
    let lang = call.lang;
    let file = list_file(&path).ok_or_else(|| ApiError::new(Code::NotFound, lang))?;
    call.run(move |s, st| s.list_file(st, file, &query, lang))
        .await
}

/// How many hazards were imported.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub imported: usize,
}

/// One wrong cell of an import: the data row (from 1; 0 is the header or the file itself), the
/// column's field name and what is wrong, in the request's language.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    pub row: usize,
    pub field: String,
    pub message: String,
}

/// An import refused for its rows: nothing was stored.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportRefused {
    pub error: Code,
    pub message: String,
    pub rows: Vec<ImportRow>,
}

/// The rows' problems in a language.
pub fn import_rows(lang: Lang, rows: &[RowError]) -> Vec<ImportRow> {
    rows.iter()
        .map(|r| ImportRow {
            row: r.row,
            field: r.error.field.to_owned(),
            message: lang.field(r.error.key, &r.error.args),
        })
        .collect()
}

/// What an upload form sent: the file's bytes and the CSRF token (pages send it as a part).
#[derive(Default)]
pub struct Upload {
    pub file: Option<Vec<u8>>,
    pub csrf: String,
}

/// Why an upload could not be read.
pub enum UploadError {
    NotMultipart,
    TooLarge,
    Malformed,
}

/// Reads a multipart upload: the `file` part (at most the import's limit) and `csrf`; other
/// parts are read past (the whole body at most 64 KiB over the file's limit).
pub async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Upload, UploadError> {
    if !super::form::is_multipart(req) {
        return Err(UploadError::NotMultipart);
    }
    let mut up = Upload::default();
    let cap = |name: &str| match name {
        "file" | "csrf" => import::MAX_BYTES,
        _ => 0,
    };
    let parts = Multipart::new(req.headers(), payload);
    read_parts(parts, import::MAX_BYTES + (64 << 10), cap, None, |part| {
        match part.name.as_str() {
            "file" | "csrf" if part.over => return Err(ReadError::TooLarge),
            // A file input left empty sends a part with no file name; a chosen empty file has one.
            "file" if part.file_name.is_some_and(|f| !f.is_empty()) || !part.bytes.is_empty() => {
                up.file = Some(part.bytes.to_vec())
            }
            "csrf" => up.csrf = String::from_utf8_lossy(&part.bytes).into_owned(),
            _ => {}
        }
        Ok(())
    })
    .await
    .map_err(|e| match e {
        ReadError::TooLarge => UploadError::TooLarge,
        ReadError::Malformed | ReadError::TimedOut | ReadError::Busy => UploadError::Malformed,
    })?;
    Ok(up)
}

/// A multipart body with the spreadsheet in its `file` part.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the request body; never built")]
pub struct ImportForm {
    /// The spreadsheet: .xlsx or UTF-8 .csv, at most 5 MiB and 5,000 data rows.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/staff/hazards/import", tag = "staff",
    security(("session" = [])),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "every row was recorded", body = Imported),
        (status = 413, description = "over 5 MiB or 5,000 data rows", body = ErrorBody),
        (status = 415, description = "not multipart, or the file is neither XLSX nor CSV", body = ErrorBody),
        (status = 422, description = "the header or rows are wrong (or no file was sent): nothing was stored", body = ImportRefused),
        StaffErrors, MultipartUnreadable,
    ))]
pub async fn import(
    call: StaffCall<can::RecordHazards>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let lang = call.lang;
    let upload = read_upload(&req, payload).await.map_err(|e| match e {
        UploadError::NotMultipart => ApiError::new(Code::UnsupportedMedia, lang),
        UploadError::TooLarge => {
            ApiError::new(Code::TooLarge, lang).with_message("lists-import-too-large")
        }
        UploadError::Malformed => ApiError::new(Code::BadRequest, lang),
    })?;
    let st = call.staff.member().clone();
    let outcome = run_import(&call.state, st, upload.file).await;
    match outcome {
        Ok(n) => Ok(HttpResponse::Ok().json_utf8(Imported { imported: n })),
        Err(ImportError::Rows(rows)) => Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
            .json_utf8(ImportRefused {
                error: Code::Validation,
                message: lang.t("lists-import-errors"),
                rows: import_rows(lang, &rows),
            })),
        Err(e) => Err(import_error(lang, e)),
    }
}

/// Imports a file (none: the "choose a file" error) off the async workers.
pub async fn run_import(
    state: &AppState,
    staff: crate::services::auth::Staff,
    file: Option<Vec<u8>>,
) -> Result<usize, ImportError> {
    let Some(bytes) = file else {
        return Err(ImportError::Rows(vec![RowError {
            row: 0,
            error: crate::domain::FieldError::new("file", "import_no_file"),
        }]));
    };
    state
        .services
        .blocking(move |s| Ok(s.import_hazards(&staff, &bytes)))
        .await?
}

/// An import refused as a whole (not for its rows), as the API answers it.
pub fn import_error(lang: Lang, e: ImportError) -> ApiError {
    match e {
        ImportError::NotSpreadsheet => {
            ApiError::new(Code::UnsupportedMedia, lang).with_message("lists-import-not-spreadsheet")
        }
        ImportError::TooLarge => {
            ApiError::new(Code::TooLarge, lang).with_message("lists-import-too-large")
        }
        ImportError::Rows(_) => ApiError::new(Code::Validation, lang),
        ImportError::Service(e) => ApiError::from_service(e, lang),
    }
}
