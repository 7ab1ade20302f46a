//! Idempotency keys: a retried POST answers its first response instead of running twice.
//!
//! The guarantee rests on one rule: a key's answer is written **in the same transaction as the
//! write it guards** (see [`PendingKey`]), and `(user, key)` is unique in the database. So a write
//! that committed always left its answer behind, even if the server died before sending it, and a
//! write that did not commit left nothing, so its retry runs afresh. "In progress" is a lock held by
//! the running request ([`KeyGuard`]) that dies with it — never a lease that outlives a crash.

use crate::StoreResult;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What an `Idempotency-Key` allows the request carrying it to do.
pub enum Claim {
    /// No answer is recorded and no request with this key is running: run this one while holding
    /// the guard.
    Run(KeyGuard),
    /// The same request already ran: replay its answer.
    Done(StoredResponse),
    /// The same request is running right now, in this server or another.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// Marks a key's request as running for as long as it lives; dropping it (the request ended, or its
/// server died) lets the next request with the key run.
pub struct KeyGuard {
    _release_on_drop: Box<dyn Send + Sync>,
}

impl KeyGuard {
    pub fn new(release_on_drop: impl Send + Sync + 'static) -> Self {
        KeyGuard {
            _release_on_drop: Box::new(release_on_drop),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// Hash of method, path and body of the request that produced it.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// The key of the request being served, with the status its creation answers. The web layer runs
/// the request inside [`PendingKey::scope`]; the store's creating write then records the key with
/// its answer — the created record as JSON — before it commits, and hands that answer back here.
pub struct PendingKey {
    pub user_id: i64,
    pub key: String,
    pub fingerprint: String,
    pub status: u16,
    answer: Mutex<Option<StoredResponse>>,
}

tokio::task_local! {
    static PENDING: Arc<PendingKey>;
}

impl PendingKey {
    pub fn new(user_id: i64, key: String, fingerprint: String, status: u16) -> Arc<Self> {
        Arc::new(PendingKey {
            user_id,
            key,
            fingerprint,
            status,
            answer: Mutex::new(None),
        })
    }

    /// Runs `request` with this key pending: the first write that commits in it records the key.
    pub async fn scope<F: Future>(self: &Arc<Self>, request: F) -> F::Output {
        PENDING.scope(self.clone(), request).await
    }

    /// The key of the request being served, unless its answer is already recorded.
    pub fn current() -> Option<Arc<PendingKey>> {
        PENDING
            .try_with(|pending| pending.clone())
            .ok()
            .filter(|pending| pending.answer().is_none())
    }

    /// The answer recorded with the write, once it committed.
    pub fn answer(&self) -> Option<StoredResponse> {
        self.answer.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Called by the store after the recording transaction committed.
    pub fn recorded(&self, answer: StoredResponse) {
        *self.answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
    }
}

#[async_trait]
pub trait IdempotencyStore {
    /// Looks `key` up for a request with `fingerprint` before it runs: its recorded answer, a
    /// mismatch, a request still running with it, or the guard under which this one may run.
    async fn claim_idempotency_key(&self, user_id: i64, key: &str, fingerprint: &str) -> StoreResult<Claim>;
    /// Records an answer that no write recorded (a request that created nothing, such as a PO
    /// entered before); an answer already recorded is kept.
    async fn record_idempotent_answer(
        &self,
        user_id: i64,
        key: &str,
        answer: &StoredResponse,
        now: Timestamp,
    ) -> StoreResult<()>;
}
