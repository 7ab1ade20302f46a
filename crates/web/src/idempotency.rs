//! `Idempotency-Key` on creating POSTs: a retried request with the same key and body gets the first
//! answer again instead of creating a second record; the same key with another body is refused.
//! The store writes the key with its answer in the transaction that creates the record, so this
//! holds across a crash at any moment (see `store::PendingKey`).

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Actor;
use sha2::{Digest, Sha256};
use store::{Claim, PendingKey, StoredResponse};

pub const HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` of a request: a handler that takes one is retry-safe, and `once` takes
/// nothing else, so every keyed operation declares the header the same way, `params(IdempotencyKey)`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// Retry-safe: a retry with the same key and body answers as the first request did, without
    /// doing it again; the same key with another body is refused.
    #[param(rename = "Idempotency-Key", pattern = "^[!-~]{1,255}$")]
    key: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IdempotencyKey {
            key: key_from(&parts.headers)?,
        })
    }
}

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

fn answer(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        stored.body,
    )
        .into_response()
}

fn replay(stored: StoredResponse) -> Response {
    let mut response = answer(stored);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// What a keyed request that failed answers. The same request may have been sent before a crash and
/// its write have committed late — on PostgreSQL a dead server's COMMIT can land after its key lock
/// is gone — so that this run found no answer yet and then lost the race for the key: the answer is
/// there now, and the retry replays it. Otherwise the failure stands.
async fn after_failed_run(
    state: &AppState,
    actor: &Actor,
    key: &str,
    fingerprint: &str,
    error: ApiError,
) -> ApiResult<Response> {
    match state
        .store
        .claim_idempotency_key(actor.user_id, key, fingerprint)
        .await?
    {
        Claim::Done(stored) => Ok(replay(stored)),
        Claim::Run(guard) => {
            guard.release().await;
            Err(error)
        }
        Claim::Mismatch | Claim::InProgress => Err(error),
    }
}

/// Runs `create` once per (caller, key): later calls with the same key replay its answer. `created`
/// is the status the request answers when its write creates something.
pub async fn once<F, Fut>(
    state: &AppState,
    actor: &Actor,
    key: IdempotencyKey,
    route: &str,
    body: &[u8],
    created: StatusCode,
    create: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<(StatusCode, serde_json::Value)>>,
{
    let Some(key) = key.key else {
        let (status, value) = create().await?;
        return Ok((status, axum::Json(value)).into_response());
    };
    let mut hasher = Sha256::new();
    hasher.update(route.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    let fingerprint = crate::credentials::hex(&hasher.finalize());
    let store = &state.store;
    let running = match store.claim_idempotency_key(actor.user_id, &key, &fingerprint).await? {
        Claim::Done(stored) => return Ok(replay(stored)),
        Claim::Mismatch => {
            return Err(ApiError::bad_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key",
                "was already used for a different request; use a new key for a new request",
            ));
        }
        Claim::InProgress => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "request-in-progress",
                "a request with this Idempotency-Key is still running; retry in a moment",
            ));
        }
        Claim::Run(guard) => guard,
    };
    let pending = PendingKey::new(actor.user_id, key.clone(), fingerprint.clone(), created.as_u16());
    let (status, value) = match pending.scope(create()).await {
        Ok(created) => created,
        Err(error) => {
            running.release().await;
            return after_failed_run(state, actor, &key, &fingerprint, error).await;
        }
    };
    let first = match pending.answer() {
        Some(recorded) => recorded,
        // Nothing was created (a PO entered before): record the answer now.
        None => {
            let stored = StoredResponse {
                fingerprint,
                status: status.as_u16(),
                body: value.to_string(),
            };
            store
                .record_idempotent_answer(actor.user_id, &key, &stored, state.clock.now())
                .await?;
            stored
        }
    };
    running.release().await;
    Ok(answer(first))
}
