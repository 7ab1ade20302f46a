//! `Idempotency-Key` on creating POSTs: a retried request with the same key and body gets the first
//! answer again instead of creating a second record; the same key with another body is refused.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Actor;
use sha2::{Digest, Sha256};
use store::{Reservation, StoredResponse};

pub const HEADER: &str = "idempotency-key";

fn key_from(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(raw) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        ApiError::bad_field(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )
    })
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        stored.body,
    )
        .into_response();
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Runs `create` once per (caller, key): later calls with the same key replay its answer.
pub async fn once<F, Fut>(
    state: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    create: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<(StatusCode, serde_json::Value)>>,
{
    let Some(key) = key_from(headers)? else {
        let (status, value) = create().await?;
        return Ok((status, axum::Json(value)).into_response());
    };
    let mut hasher = Sha256::new();
    hasher.update(route.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    let fingerprint = crate::credentials::hex(&hasher.finalize());
    let store = &state.store;
    match store
        .reserve_idempotency_key(actor.user_id, &key, &fingerprint, state.clock.now())
        .await?
    {
        Reservation::Done(stored) => return Ok(replay(stored)),
        Reservation::Mismatch => {
            return Err(ApiError::bad_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key",
                "was already used for a different request; use a new key for a new request",
            ));
        }
        Reservation::InProgress => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "request-in-progress",
                "a request with this Idempotency-Key is still running; retry in a moment",
            ));
        }
        Reservation::Reserved => {}
    }
    match create().await {
        Ok((status, value)) => {
            store
                .complete_idempotency_key(actor.user_id, &key, status.as_u16(), &value.to_string())
                .await?;
            Ok((status, axum::Json(value)).into_response())
        }
        Err(error) => {
            store.release_idempotency_key(actor.user_id, &key).await?;
            Err(error)
        }
    }
}
