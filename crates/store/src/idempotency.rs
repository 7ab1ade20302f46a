//! Idempotency keys: a retried POST answers its first response instead of running twice.

use crate::StoreResult;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What an `Idempotency-Key` allows the request carrying it to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is this request's: run it, then complete or release the key.
    Reserved,
    /// The same request already ran: replay its answer.
    Done(StoredResponse),
    /// The same request is running right now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// Hash of method, path and body of the request that produced it.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

#[async_trait]
pub trait IdempotencyStore {
    /// Claims `key` for a request with `fingerprint` before it runs, so that concurrent retries
    /// cannot both create; a key whose request died unanswered is taken over after a minute.
    async fn reserve_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
    ) -> StoreResult<Reservation>;
    /// Records the answer to replay for the reserved key.
    async fn complete_idempotency_key(&self, user_id: i64, key: &str, status: u16, body: &str) -> StoreResult<()>;
    /// Frees a reserved key whose request failed, so that it can be retried.
    async fn release_idempotency_key(&self, user_id: i64, key: &str) -> StoreResult<()>;
}
