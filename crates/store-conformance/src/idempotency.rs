//! Idempotency keys: the answer is recorded in the write it guards, so a retry after any crash
//! replays it if the write committed and runs once if it did not; a key is "in progress" only while
//! its request really runs.

use crate::{customer, registration, today, world};
use std::sync::Arc;
use store::*;

fn run(claim: Claim) -> KeyGuard {
    match claim {
        Claim::Run(guard) => guard,
        Claim::Done(_) => panic!("expected to run, the key has an answer"),
        Claim::InProgress => panic!("expected to run, the key is in progress"),
        Claim::Mismatch => panic!("expected to run, the key is a mismatch"),
    }
}

fn done(claim: Claim) -> StoredResponse {
    match claim {
        Claim::Done(stored) => stored,
        _ => panic!("expected the recorded answer"),
    }
}

fn submission() -> domain::registrations::input::NewRegistration {
    registration(customer("Shelbyville Library", None, "Shelbyville"), &["MB-100"])
}

pub async fn idempotency_keys_keep_the_first_response(store: Arc<dyn Store>) {
    let w = world(store).await;
    let (s, user) = (w.store.as_ref(), w.partner_a.user_id);
    let guard = run(s.claim_idempotency_key(user, "k-1", "f1").await.unwrap());
    let pending = PendingKey::new(user, "k-1".into(), "f1".into(), 201);
    let reg = pending
        .scope(s.submit_registration(&w.partner_a, submission(), today()))
        .await
        .unwrap();
    let answer = pending.answer().expect("recorded with the write");
    assert_eq!(answer.status, 201);
    assert_eq!(answer.body, serde_json::to_string(&reg).unwrap());
    drop(guard);
    assert_eq!(done(s.claim_idempotency_key(user, "k-1", "f1").await.unwrap()), answer);
    // A different request under the same key is refused; keys are per user.
    assert!(matches!(
        s.claim_idempotency_key(user, "k-1", "f2").await.unwrap(),
        Claim::Mismatch
    ));
    run(s.claim_idempotency_key(w.partner_b.user_id, "k-1", "f9").await.unwrap());
    // An answer no write recorded (nothing was created) is recorded once; the first one stays.
    let first = StoredResponse {
        fingerprint: "f3".into(),
        status: 200,
        body: "{\"id\":7}".into(),
    };
    s.record_idempotent_answer(user, "k-3", &first, today()).await.unwrap();
    let later = StoredResponse {
        body: "{\"id\":8}".into(),
        ..first.clone()
    };
    s.record_idempotent_answer(user, "k-3", &later, today()).await.unwrap();
    assert_eq!(done(s.claim_idempotency_key(user, "k-3", "f3").await.unwrap()), first);
}

pub async fn a_committed_write_is_replayed_after_its_answer_was_lost(store: Arc<dyn Store>) {
    let w = world(store).await;
    let (s, user) = (w.store.as_ref(), w.partner_a.user_id);
    let guard = run(s.claim_idempotency_key(user, "lost", "f").await.unwrap());
    let pending = PendingKey::new(user, "lost".into(), "f".into(), 201);
    let reg = pending
        .scope(s.submit_registration(&w.partner_a, submission(), today()))
        .await
        .unwrap();
    // The server dies here: the write committed, the answer never left, the guard dies with it.
    drop((guard, pending));
    let replayed = done(s.claim_idempotency_key(user, "lost", "f").await.unwrap());
    assert_eq!(replayed.body, serde_json::to_string(&reg).unwrap());
    let filed = s
        .list_registrations(&w.partner_a, RegistrationFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(filed.items.len(), 1, "filed once");
}

pub async fn a_key_is_in_progress_only_while_its_request_runs(store: Arc<dyn Store>) {
    let w = world(store).await;
    let (s, user) = (w.store.as_ref(), w.partner_a.user_id);
    let running = run(s.claim_idempotency_key(user, "k", "f").await.unwrap());
    assert!(matches!(
        s.claim_idempotency_key(user, "k", "f").await.unwrap(),
        Claim::InProgress
    ));
    // The request fails (an unknown product): nothing is recorded and the key is free at once.
    let pending = PendingKey::new(user, "k".into(), "f".into(), 201);
    let refused = pending
        .scope(s.submit_registration(
            &w.partner_a,
            registration(customer("Ogdenville Zoo", None, "Ogdenville"), &["NO-SUCH-SKU"]),
            today(),
        ))
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!(pending.answer(), None);
    drop(running);
    let retry = run(s.claim_idempotency_key(user, "k", "f").await.unwrap());
    // A request that died before committing (its guard dropped, nothing written) blocks nothing.
    drop(retry);
    run(s.claim_idempotency_key(user, "k", "f").await.unwrap());
}
