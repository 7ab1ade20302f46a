//! Request extractors that turn every malformed request into a problem naming what is wrong.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use domain::Actor;
use serde::de::DeserializeOwned;
use store::PageRequest;

/// The authenticated caller, from `Authorization: Bearer <token>`.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("send an API token as 'Authorization: Bearer <token>'"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))?;
        let actor = state
            .store
            .authenticate(&crate::credentials::token_hash(token), state.clock.now())
            .await?
            .ok_or_else(|| ApiError::unauthorized("the token is unknown, revoked or expired"))?;
        Ok(Auth(actor))
    }
}

/// A JSON body. Malformed JSON is a 400; a value of the wrong type a 422 naming the field's path;
/// a body over the limit a 413.
pub struct JsonBody<T> {
    pub value: T,
    /// The raw body, for idempotency fingerprints.
    pub bytes: Bytes,
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as JSON with 'Content-Type: application/json'",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| unreadable(rejection, format!("the body exceeds {} bytes", crate::MAX_BODY_BYTES)))?;
        let value = parse_json(&bytes)?;
        Ok(JsonBody { value, bytes })
    }
}

/// The problem of a body that could not be read: too large (`too_large` says what the limit is),
/// stalled, or cut off.
fn unreadable(rejection: BytesRejection, too_large: String) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", too_large)
    } else if body_timed_out(&rejection) {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            "the body stopped arriving for longer than the server waits; send the request again",
        )
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "unreadable-body", rejection.body_text())
    }
}

/// Whether reading a body failed because it stalled longer than the server's body timeout
/// (`dealreg serve --body-timeout`, a `tower_http` timeout around every request body).
pub(crate) fn body_timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source()).any(|e| e.is::<tower_http::timeout::TimeoutError>())
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                format!("the body is not valid JSON: {inner}"),
            )
        } else {
            let field = if path == "." { "body".to_owned() } else { path };
            ApiError::bad_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                &field,
                strip_position(&inner.to_string()),
            )
        }
    })?;
    deserializer.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            format!("trailing data after the JSON value: {e}"),
        )
    })?;
    Ok(value)
}

/// serde_json appends " at line 1 column 37"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A numeric id in the path.
pub struct Id(pub i64);

impl FromRequestParts<AppState> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("resource"))?;
        positive_id("id", &raw).map(Id)
    }
}

/// Two numeric ids in the path: a record and one of its parts (`/registrations/{id}/attachments/{attachment_id}`).
pub struct IdPair(pub i64, pub i64);

impl FromRequestParts<AppState> for IdPair {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("resource"))?;
        match params.as_slice() {
            [(first_name, first), (second_name, second)] => Ok(IdPair(
                positive_id(first_name, first)?,
                positive_id(second_name, second)?,
            )),
            _ => Err(ApiError::not_found("resource")),
        }
    }
}

fn positive_id(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_field(
            StatusCode::BAD_REQUEST,
            field,
            format!("'{raw}' is not a positive integer id"),
        )
    })
}

/// A file sent as the raw body of the request, of any content type (what it is, the domain tells
/// from its content), at most `discussion::MAX_ATTACHMENT_BYTES`.
pub struct FileBody(pub Bytes);

impl FromRequest<AppState> for FileBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = domain::registrations::discussion::MAX_ATTACHMENT_BYTES;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| unreadable(rejection, format!("the file exceeds {} MB", limit / (1024 * 1024))))?;
        Ok(FileBody(bytes))
    }
}

/// The page of a list endpoint: every list takes these, checked here.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// `next_cursor` of the previous page: the items after it.
    pub cursor: Option<String>,
    /// `prev_cursor` of the next page: the items before it (instead of `cursor`).
    pub before: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<String>,
}

/// Parses an optional query parameter, naming it in `errors` when it is not `what`.
pub fn parse_param<T: std::str::FromStr>(
    errors: &mut domain::FieldErrors,
    field: &str,
    raw: &Option<String>,
    what: &str,
) -> Option<T> {
    // A blank value is no filter: what a form's empty field sends (`?partner_id=`).
    let raw = raw.as_deref().filter(|r| !r.trim().is_empty())?;
    raw.trim()
        .parse()
        .map_err(|_| errors.add(field, format!("'{raw}' is not {what}")))
        .ok()
}

/// A code filter (`?status=offered`), read by its enum's `parse`: blank is no filter, anything else
/// must be one of the codes, or the parse's message names them.
pub fn parse_code_param<T>(
    errors: &mut domain::FieldErrors,
    field: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Result<T, String>,
) -> Option<T> {
    let raw = raw.as_deref().map(str::trim).filter(|r| !r.is_empty())?;
    parse(raw).map_err(|m| errors.add(field, m)).ok()
}

impl PageParams {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let mut errors = domain::FieldErrors::default();
        let cursor: Option<i64> = parse_param(&mut errors, "cursor", &self.cursor, "a cursor from a previous page");
        let before: Option<i64> = parse_param(&mut errors, "before", &self.before, "a cursor from a page");
        if cursor.is_some() && before.is_some() {
            errors.add("before", "give cursor or before, not both");
        }
        let limit: Option<u32> = parse_param(&mut errors, "limit", &self.limit, "a number");
        if limit.is_some_and(|l| !(1..=PageRequest::MAX_LIMIT).contains(&l)) {
            errors.add("limit", format!("must be between 1 and {}", PageRequest::MAX_LIMIT));
        }
        errors.into_result(())?;
        Ok(PageRequest {
            cursor,
            before,
            limit: limit.unwrap_or(PageRequest::DEFAULT_LIMIT),
        })
    }
}

/// Query parameters (a page, a list's filter), with malformed query strings answered as problems
/// too. A list takes one for its page and one for its filter, both read from the same query.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad-query", e.body_text()))
    }
}

/// Largest accepted CSV upload (imports of price lists, partners, customers).
pub const MAX_CSV_BYTES: usize = 32 * 1024 * 1024;

/// A CSV body (`Content-Type: text/csv`), UTF-8.
pub struct CsvBody(pub String);

impl FromRequest<AppState> for CsvBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_csv = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("text/csv")
            });
        if !is_csv {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the file as 'Content-Type: text/csv'",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| unreadable(rejection, format!("the file exceeds {MAX_CSV_BYTES} bytes; split it")))?;
        String::from_utf8(bytes.to_vec()).map(CsvBody).map_err(|e| {
            ApiError::bad_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "body",
                format!(
                    "the file is not UTF-8 text (byte {}); save it as CSV UTF-8",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }
}
