//! Tampering with the audit trail is detected: an edited entry, and entries cut off the end.

use sqlx::Connection;
use store_conformance::{approval, submit, today, world};

async fn store_with_history(path: &std::path::Path) -> std::sync::Arc<dyn store::Store> {
    let store: std::sync::Arc<dyn store::Store> = std::sync::Arc::new(store_sqlite::open(path).await.unwrap());
    let w = world(store.clone()).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    store
}

async fn tamper(path: &std::path::Path, sql: &'static str) {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
}

#[tokio::test]
async fn the_database_refuses_edits_to_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    store_with_history(&path).await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let err = sqlx::raw_sql("UPDATE audit_log SET actor_user_id = 1 WHERE id = 3")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[tokio::test]
async fn an_edited_entry_breaks_the_chain_from_there_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let store = store_with_history(&path).await;
    let before = store.verify_audit().await.unwrap();
    assert_eq!(before.first_bad_id, None);
    // Someone rewrites who filed first.
    tamper(
        &path,
        "UPDATE audit_log SET at_us = at_us - 86400000000 WHERE action = 'registration.submit'",
    )
    .await;
    let after = store.verify_audit().await.unwrap();
    let bad = after.first_bad_id.expect("tampering detected");
    assert!(bad as u64 <= before.entries);
}

#[tokio::test]
async fn entries_cut_off_the_end_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let store = store_with_history(&path).await;
    tamper(
        &path,
        "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)",
    )
    .await;
    assert!(store.verify_audit().await.unwrap().first_bad_id.is_some());
}
