//! The one error type of the HTTP layer. Every error answer has the shape
//! `{"error": CODE, "message": TEXT, "fields": {FIELD: [TEXT…]}?}` in the request's language;
//! the real cause of a 500 goes to the log, never into the body.

use super::JsonUtf8;
use super::i18n::Lang;
use crate::domain::FieldError;
use crate::services::ServiceError;
use crate::services::proof::Challenge;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// An error's code, sent as its snake_case name (`bad_request`, `not_found`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    TooLarge,
    UnsupportedMedia,
    Validation,
    RateLimited,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRequest => "bad_request",
            Code::Unauthenticated => "unauthenticated",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Conflict => "conflict",
            Code::TooLarge => "too_large",
            Code::UnsupportedMedia => "unsupported_media",
            Code::Validation => "validation",
            Code::RateLimited => "rate_limited",
            Code::Internal => "internal",
        }
    }

    /// The message that says it, in the Fluent files.
    pub fn message_key(self) -> String {
        format!("error-{}", self.as_str())
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::Conflict => StatusCode::CONFLICT,
            Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The answers every route that reads a JSON body may give before the handler runs (in the
/// OpenAPI document once, listed by each such route).
#[derive(utoipa::IntoResponses)]
pub enum JsonBodyErrors {
    #[response(status = 400, description = "the body is not JSON")]
    NotJson(ErrorBody),
    #[response(status = 413, description = "the body is over the limit")]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "the body is not application/json")]
    NotJsonType(ErrorBody),
}

/// The answer of every route that reads a multipart body when the body cannot be read (each
/// route lists its own 413 and 415, whose limits and types differ).
#[derive(utoipa::IntoResponses)]
pub enum MultipartUnreadable {
    #[response(status = 400, description = "the multipart body cannot be read")]
    Malformed(ErrorBody),
}

/// A staff route's answers when the session or the role does not allow the call.
#[derive(utoipa::IntoResponses)]
pub enum StaffErrors {
    #[response(status = 401, description = "not signed in")]
    NotSignedIn(ErrorBody),
    #[response(
        status = 403,
        description = "the role may not do this (finance reads no cases; the proposer never decides, \
            the approver never pays), or a state-changing call came without its CSRF token"
    )]
    Forbidden(ErrorBody),
}

/// A staff route's query could not be read.
#[derive(utoipa::IntoResponses)]
pub enum BadQuery {
    #[response(status = 400, description = "the query is malformed")]
    BadQuery(ErrorBody),
}

/// A staff route about one case or reward that is not in reach: missing, or another unit's,
/// which answers exactly the same.
#[derive(utoipa::IntoResponses)]
pub enum NotInReach {
    #[response(status = 404, description = "no such case or reward in reach")]
    NotFound(ErrorBody),
}

/// A change the case's or reward's status does not allow, or a field that is wrong.
#[derive(utoipa::IntoResponses)]
pub enum Refused {
    #[response(
        status = 409,
        description = "the status of the case or reward does not allow it"
    )]
    Conflict(ErrorBody),
    #[response(status = 422, description = "a field is wrong or missing")]
    Validation(ErrorBody),
}

/// A reporter's route with the receipt: no tip has it, or a field is wrong (listed beside
/// [`RateLimited`] and [`JsonBodyErrors`]).
#[derive(utoipa::IntoResponses)]
pub enum ReceiptErrors {
    #[response(status = 404, description = "no tip has this receipt")]
    NotFound(ErrorBody),
    #[response(status = 422, description = "no receipt, or a field is wrong")]
    Validation(ErrorBody),
}

/// A rate-limited route's answer when the client's address (or the username) is over its limit.
#[derive(utoipa::IntoResponses)]
pub enum RateLimited {
    #[response(
        status = 429,
        description = "too many requests",
        headers(("Retry-After" = u64, description = "whole seconds to wait"))
    )]
    TooMany(ErrorBody),
}

/// A tip submission's 429: as [`RateLimited`], and when the address is past its burst (not the
/// instance) and proofs of work are on, the body's `proof_of_work` is a challenge whose answer
/// in `X-Proof-Of-Work` sends the tip at once.
#[derive(utoipa::IntoResponses)]
pub enum SubmissionLimited {
    #[response(
        status = 429,
        description = "too many submissions from this address (with a proof-of-work challenge) or for the instance",
        headers(("Retry-After" = u64, description = "whole seconds to wait"))
    )]
    TooMany(ErrorBody),
}

/// Every error answer of the API (API.md: `{"error", "message", "fields"?}`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: Code,
    /// In the request's language.
    pub message: String,
    /// Each rejected field's messages, by dotted field name (`reporter.phone`); only on 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub fields: Option<BTreeMap<&'static str, Vec<String>>>,
    /// Only on a tip submission's 429 when the address is past its burst and proofs of work
    /// are on: answering it sends the tip at once (`X-Proof-Of-Work: <challenge>:<nonce>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub proof_of_work: Option<Challenge>,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub lang: Lang,
    /// The message key, when more precise than `error-<code>`.
    pub message_key: Option<&'static str>,
    pub fields: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// Why a conflict happened (`conflict-<key>` has its message).
    pub conflict: Option<&'static str>,
    /// The proof of work that would let a limited submission through.
    pub proof_of_work: Option<Challenge>,
}

impl ApiError {
    pub fn new(code: Code, lang: Lang) -> Self {
        ApiError {
            code,
            lang,
            message_key: None,
            fields: Vec::new(),
            retry_after: None,
            conflict: None,
            proof_of_work: None,
        }
    }

    pub fn with_message(mut self, key: &'static str) -> Self {
        self.message_key = Some(key);
        self
    }

    pub fn rate_limited(lang: Lang, seconds: u64) -> Self {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..ApiError::new(Code::RateLimited, lang)
        }
    }

    /// The one mapping from a service's answer to the HTTP layer's: its code (and so its
    /// status), its message and its fields. Pages and the API both use it.
    pub fn of_service(e: &ServiceError, lang: Lang) -> Self {
        match e {
            ServiceError::Validation(fields) => ApiError {
                fields: fields.clone(),
                ..ApiError::new(Code::Validation, lang)
            },
            ServiceError::NotFound => ApiError::new(Code::NotFound, lang),
            ServiceError::Conflict(key) => ApiError {
                conflict: Some(key),
                ..ApiError::new(Code::Conflict, lang)
            },
            ServiceError::Forbidden => ApiError::new(Code::Forbidden, lang),
            ServiceError::Unauthenticated => {
                ApiError::new(Code::Unauthenticated, lang).with_message("error-sign_in")
            }
            ServiceError::SecondFactor => {
                ApiError::new(Code::Unauthenticated, lang).with_message("error-second_factor")
            }
            ServiceError::Internal(_) => ApiError::new(Code::Internal, lang),
        }
    }

    /// As [`ApiError::of_service`], logging an internal error's whole chain of causes.
    pub fn from_service(e: ServiceError, lang: Lang) -> Self {
        if let ServiceError::Internal(cause) = &e {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        ApiError::of_service(&e, lang)
    }

    /// The message a person reads beside a form: each field's message, or the error's.
    pub fn plain_text(&self) -> String {
        if self.fields.is_empty() {
            return self.message();
        }
        let lang = self.lang;
        let texts = self.fields.iter().map(|f| lang.field(f.key, &f.args));
        texts.collect::<Vec<_>>().join(" ")
    }

    /// A mapper for `map_err`: [`ApiError::from_service`] in the request's language.
    pub fn service(lang: Lang) -> impl Fn(ServiceError) -> ApiError {
        move |e| ApiError::from_service(e, lang)
    }

    pub fn message(&self) -> String {
        if let Some(text) = self
            .conflict
            .and_then(|k| self.lang.try_t(&format!("conflict-{k}")))
        {
            return text;
        }
        match (self.message_key, self.retry_after) {
            (Some(key), _) => self.lang.t(key),
            (None, Some(s)) => self.lang.rate_limited(s),
            (None, None) => self.lang.t(&self.code.message_key()),
        }
    }

    /// Field messages grouped by dotted field name, in the request's language.
    pub fn field_messages(
        lang: Lang,
        fields: &[FieldError],
    ) -> BTreeMap<&'static str, Vec<String>> {
        let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for f in fields {
            out.entry(f.field)
                .or_default()
                .push(lang.field(f.key, &f.args));
        }
        out
    }

    /// Builds the error for a request whose language is not yet known (extractor failures).
    pub fn for_request(code: Code, req: &HttpRequest) -> Self {
        ApiError::new(code, Lang::from_request(req))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = ErrorBody {
            error: self.code,
            message: self.message(),
            fields: (!self.fields.is_empty())
                .then(|| ApiError::field_messages(self.lang, &self.fields)),
            proof_of_work: self.proof_of_work.clone(),
        };
        let mut resp = HttpResponse::build(self.status_code());
        if let Some(s) = self.retry_after {
            resp.insert_header(("Retry-After", s.to_string()));
        }
        resp.json_utf8(body)
    }
}
