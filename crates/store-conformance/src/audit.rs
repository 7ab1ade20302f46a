//! The audit trail: its hash chain verifies, and it tells a registration's history.

use crate::{approval, submit, today, world};
use std::sync::Arc;
use store::*;

pub async fn the_audit_trail_verifies_and_tells_the_history(store: Arc<dyn Store>) {
    let w = world(store).await;
    let first = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let second = submit(&w, &w.partner_b, "Springfield Sch Dist", &["MB-100"]).await;
    w.store
        .approve_registration(&w.west_manager, first.id, approval(false), today())
        .await
        .unwrap();
    let verification = w.store.verify_audit().await.unwrap();
    assert_eq!(verification.first_bad_id, None);
    assert_eq!(verification.head_hash.len(), 64);
    // Any further change moves the head.
    w.store
        .decline_registration(&w.west_manager, second.id, "duplicate".into(), today())
        .await
        .unwrap();
    let later = w.store.verify_audit().await.unwrap();
    assert_eq!(later.entries, verification.entries + 1);
    assert_ne!(later.head_hash, verification.head_hash);
    assert!(verification.entries >= 15, "{verification:?}");
    let history = w.store.registration_history(&w.partner_a, first.id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["registration.submit", "registration.approve"]);
    assert_eq!(history[1].actor_user_id, Some(w.west_manager.user_id));
    assert_eq!(history[1].before.as_ref().unwrap()["status"], "submitted");
    assert_eq!(history[1].after.as_ref().unwrap()["sor_number"], "SOR-2026-000001");
    // Partners do not see the conflict evidence in the history either.
    let theirs = w.store.registration_history(&w.partner_b, second.id).await.unwrap();
    assert!(theirs[0].after.as_ref().unwrap().get("conflicts").is_none());
    let staff = w.store.registration_history(&w.west_manager, second.id).await.unwrap();
    assert_eq!(
        staff[0].after.as_ref().unwrap()["conflicts"][0]["registration_id"],
        first.id
    );
}
