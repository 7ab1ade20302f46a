//! Access: browser sessions, sign-in lockout and password resets (PLT-5).

use crate::{notifications, today, ts, world};
use std::sync::Arc;
use store::*;

pub async fn browser_sessions_sign_in_locks_and_password_resets(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    // Sessions: saved, read back until they expire, replaced, deleted, swept.
    s.save_session("abc", "{\"v\":1}", ts("2026-11-22T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        s.load_session("abc", today()).await.unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    s.save_session("abc", "{\"v\":2}", ts("2026-11-22T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        s.load_session("abc", today()).await.unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    assert_eq!(s.load_session("abc", ts("2026-11-22T18:00:00Z")).await.unwrap(), None);
    s.save_session("old", "{}", ts("2026-11-22T11:00:00Z")).await.unwrap();
    assert_eq!(
        s.run_sweeps(ts("2026-11-22T12:00:00Z")).await.unwrap().sessions_removed,
        1
    );
    s.delete_session("abc").await.unwrap();
    assert_eq!(s.load_session("abc", today()).await.unwrap(), None);

    // Five failures in a row lock the account for a minute; the sixth for two; a success clears it.
    let id = w.partner_a.user_id;
    for _ in 0..4 {
        assert_eq!(s.record_sign_in(id, false, today()).await.unwrap().locked_until, None);
    }
    let locked = s.record_sign_in(id, false, today()).await.unwrap();
    assert_eq!(locked.locked_until, Some(ts("2026-11-22T10:01:00Z")));
    let longer = s.record_sign_in(id, false, ts("2026-11-22T10:02:00Z")).await.unwrap();
    assert_eq!(longer.locked_until, Some(ts("2026-11-22T10:04:00Z")));
    let cleared = s.record_sign_in(id, true, ts("2026-11-22T10:05:00Z")).await.unwrap();
    assert_eq!((cleared.locked_until, cleared.failed_sign_ins), (None, 0));
    assert_eq!(s.find_user(id).await.unwrap().unwrap().email, w.partner_a.email);

    // A reset link works once, before it expires, and its e-mail goes through the outbox.
    let link = "http://dealreg.example/password/reset/secret";
    s.create_password_reset(id, "hash-1", link, ts("2026-11-22T11:00:00Z"), today())
        .await
        .unwrap();
    let mail = notifications(&w, &w.partner_a).await;
    assert!(mail.iter().any(|n| n.kind == "password_reset" && n.body.contains(link)));
    let user = s
        .reset_password("hash-1", "new-hash", ts("2026-11-22T10:30:00Z"))
        .await
        .unwrap();
    assert_eq!(user.password_hash.as_deref(), Some("new-hash"));
    assert!(matches!(
        s.reset_password("hash-1", "again", ts("2026-11-22T10:31:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    s.create_password_reset(id, "hash-2", link, ts("2026-11-22T11:00:00Z"), today())
        .await
        .unwrap();
    assert!(matches!(
        s.reset_password("hash-2", "late", ts("2026-11-22T11:00:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.verify_audit().await.unwrap().first_bad_id, None);
}
