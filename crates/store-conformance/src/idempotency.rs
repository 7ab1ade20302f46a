//! Idempotency keys: the first response is kept and replayed.

use crate::{today, ts, world};
use std::sync::Arc;
use store::*;

pub async fn idempotency_keys_keep_the_first_response(store: Arc<dyn Store>) {
    let w = world(store).await;
    let (s, user) = (w.store.as_ref(), w.partner_a.user_id);
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f1", today()).await.unwrap(),
        Reservation::Reserved
    );
    // A concurrent retry waits; a different request under the same key is refused.
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f1", today()).await.unwrap(),
        Reservation::InProgress
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f2", today()).await.unwrap(),
        Reservation::Mismatch
    );
    s.complete_idempotency_key(user, "k-1", 201, "{\"id\":1}")
        .await
        .unwrap();
    let done = StoredResponse {
        fingerprint: "f1".into(),
        status: 201,
        body: "{\"id\":1}".into(),
    };
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f1", today()).await.unwrap(),
        Reservation::Done(done)
    );
    // Keys are per user.
    assert_eq!(
        s.reserve_idempotency_key(w.partner_b.user_id, "k-1", "f9", today())
            .await
            .unwrap(),
        Reservation::Reserved
    );
    // A failed request frees its key; one that died unanswered is taken over after a minute.
    s.release_idempotency_key(w.partner_b.user_id, "k-1").await.unwrap();
    assert_eq!(
        s.reserve_idempotency_key(w.partner_b.user_id, "k-1", "f3", today())
            .await
            .unwrap(),
        Reservation::Reserved
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-2", "f1", today()).await.unwrap(),
        Reservation::Reserved
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-2", "f1", ts("2026-11-22T10:00:30Z"))
            .await
            .unwrap(),
        Reservation::InProgress
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-2", "f1", ts("2026-11-22T10:01:01Z"))
            .await
            .unwrap(),
        Reservation::Reserved
    );
}
