//! Every error leaves as RFC 9457 `application/problem+json`, naming each bad field.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{FieldError, FieldErrors};
use serde::Serialize;
use store::{ConflictMatch, StoreError};

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; relative to the API.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each bad field of the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a refused state change: the actions the current state allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// For a channel conflict: the registrations in the way (approvers only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<ConflictMatch>,
}

#[derive(Debug)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Self {
        ApiError(Box::new(Problem {
            kind: format!("/problems/{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            allowed: None,
            matches: Vec::new(),
        }))
    }

    pub fn invalid(errors: FieldErrors) -> Self {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", errors.to_string());
        e.0.detail = format!("{} field(s) are invalid: {}", errors.0.len(), errors);
        e.0.errors = errors.0;
        e
    }

    pub fn bad_field(status: StatusCode, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::new(status, "invalid-input", format!("{field}: {message}"));
        e.0.errors = vec![FieldError {
            field: field.to_owned(),
            message,
            line: None,
        }];
        e
    }

    pub fn unauthorized(detail: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("{what} not found"))
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError::invalid(errors)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Forbidden(detail) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail),
            StoreError::Invalid(errors) => ApiError::invalid(errors),
            StoreError::Transition(t) => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "invalid-transition", t.to_string());
                e.0.allowed = Some(t.allowed.iter().map(|a| a.as_str().to_owned()).collect());
                e
            }
            StoreError::Conflict { message, matches } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "conflict", message);
                e.0.matches = matches;
                e
            }
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; retry shortly",
                )
            }
            StoreError::Database(detail) => {
                tracing::error!(%detail, "database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&*self.0)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"dealreg\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
