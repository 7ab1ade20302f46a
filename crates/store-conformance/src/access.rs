//! Access: browser sessions, sign-in lockout, password resets and API tokens (PLT-5, issue 12).

use crate::{notifications, today, ts, world};
use std::sync::Arc;
use store::*;

pub async fn browser_sessions_are_kept_until_their_user_is_signed_out(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let ann = w.partner_a.user_id;
    // Sessions: saved, read back until they expire, replaced, deleted, swept.
    s.save_session("abc", None, "{\"v\":1}", ts("2026-11-22T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        s.load_session("abc", today()).await.unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    s.save_session("abc", Some(ann), "{\"v\":2}", ts("2026-11-22T18:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        s.load_session("abc", today()).await.unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    assert_eq!(s.load_session("abc", ts("2026-11-22T18:00:00Z")).await.unwrap(), None);
    s.save_session("old", None, "{}", ts("2026-11-22T11:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        s.run_sweeps(ts("2026-11-22T12:00:00Z")).await.unwrap().sessions_removed,
        1
    );
    // A new session never takes the place of an existing one.
    assert!(
        !s.create_session("abc", None, "{}", ts("2026-11-22T18:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        s.create_session("new", None, "{}", ts("2026-11-22T18:00:00Z"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.load_session("abc", today()).await.unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    s.delete_session("abc").await.unwrap();
    assert_eq!(s.load_session("abc", today()).await.unwrap(), None);

    // "Sign out everywhere" ends every session of the user, and only theirs; the version moves on.
    let version = |id| async move { s.find_user(id).await.unwrap().unwrap().session_version };
    let before = version(ann).await;
    for (id, user) in [("ann-1", ann), ("ann-2", ann), ("bob-1", w.partner_b.user_id)] {
        s.save_session(id, Some(user), "{}", ts("2026-11-22T18:00:00Z"))
            .await
            .unwrap();
    }
    assert!(matches!(
        s.end_sessions(&w.partner_b, ann, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    s.end_sessions(&w.partner_a, ann, today()).await.unwrap();
    assert_eq!(s.load_session("ann-1", today()).await.unwrap(), None);
    assert_eq!(s.load_session("ann-2", today()).await.unwrap(), None);
    assert!(s.load_session("bob-1", today()).await.unwrap().is_some());
    assert_eq!(version(ann).await, before + 1);

    // Deactivation ends the sessions too, and reactivation brings none back.
    s.save_session("ann-3", Some(ann), "{}", ts("2026-11-22T18:00:00Z"))
        .await
        .unwrap();
    s.set_user_active(Some(&w.admin), ann, false, today()).await.unwrap();
    s.set_user_active(Some(&w.admin), ann, true, today()).await.unwrap();
    assert_eq!(s.load_session("ann-3", today()).await.unwrap(), None);
    assert_eq!(version(ann).await, before + 2);
    assert_eq!(s.verify_audit().await.unwrap().first_bad_id, None);
}

pub async fn sign_in_attempts_are_counted_before_the_password_is_checked(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let id = w.partner_a.user_id;
    // Five attempts are let through; the fifth locks for a minute; a success clears the count.
    for _ in 0..5 {
        let SignInClaim::Check(Some(user)) = s.claim_sign_in(&w.partner_a.email, today()).await.unwrap() else {
            panic!("let through");
        };
        assert_eq!(user.id, id);
    }
    let until = ts("2026-11-22T10:01:00Z");
    assert_eq!(
        s.claim_sign_in(&w.partner_a.email, today()).await.unwrap(),
        SignInClaim::Locked(until)
    );
    assert_eq!(s.find_user(id).await.unwrap().unwrap().locked_until, Some(until));
    // The sixth, after the lock, locks for two minutes.
    assert!(matches!(
        s.claim_sign_in(&w.partner_a.email, until).await.unwrap(),
        SignInClaim::Check(Some(_))
    ));
    assert_eq!(
        s.find_user(id).await.unwrap().unwrap().locked_until,
        Some(ts("2026-11-22T10:03:00Z"))
    );
    let cleared = s.clear_sign_in_failures(id, ts("2026-11-22T10:05:00Z")).await.unwrap();
    assert_eq!((cleared.locked_until, cleared.failed_sign_ins), (None, 0));

    // A burst of twenty at once, for an account and for an address without one: five each.
    for email in [w.partner_b.email.clone(), "nobody@nowhere.example".to_owned()] {
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let store = w.store.clone();
                let email = email.clone();
                tokio::spawn(async move { store.claim_sign_in(&email, today()).await.unwrap() })
            })
            .collect();
        let mut checked = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                SignInClaim::Check(user) => {
                    assert_eq!(user.is_some(), email == w.partner_b.email);
                    checked += 1;
                }
                SignInClaim::Locked(until) => assert_eq!(until, ts("2026-11-22T10:01:00Z")),
            }
        }
        assert_eq!(checked, 5, "{email}");
    }
    // An unknown address is remembered for a day after its last failure, then forgotten.
    let nobody = "Nobody@Nowhere.example";
    assert!(matches!(
        s.claim_sign_in(nobody, ts("2026-11-22T10:01:00Z")).await.unwrap(),
        SignInClaim::Check(None)
    ));
    s.run_sweeps(ts("2026-11-23T10:02:00Z")).await.unwrap();
    for _ in 0..5 {
        assert!(matches!(
            s.claim_sign_in(nobody, ts("2026-11-23T10:02:00Z")).await.unwrap(),
            SignInClaim::Check(None)
        ));
    }
}

pub async fn reset_links_are_secret_single_and_few(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let id = w.partner_a.user_id;
    let link = |n: u32| format!("http://dealreg.example/password/reset/secret-{n}");
    let expires = ts("2026-11-22T11:00:00Z");
    // The link goes out by e-mail, but is never listed in-app.
    assert!(
        s.create_password_reset(id, "hash-1", &link(1), expires, today())
            .await
            .unwrap()
    );
    assert!(
        notifications(&w, &w.partner_a)
            .await
            .iter()
            .all(|n| n.kind != "password_reset")
    );
    let sent = s
        .claim_outbox(today(), ts("2026-11-22T10:05:00Z"), 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == "password_reset")
        .unwrap();
    assert!(sent.body.contains(&link(1)), "{}", sent.body);
    s.mark_delivered(sent.id, today()).await.unwrap();

    // A newer link ends the older one; using one ends every other.
    assert!(
        s.create_password_reset(id, "hash-2", &link(2), expires, today())
            .await
            .unwrap()
    );
    assert!(matches!(
        s.reset_password("hash-1", "older", ts("2026-11-22T10:10:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(
        s.create_password_reset(id, "hash-3", &link(3), expires, today())
            .await
            .unwrap()
    );
    s.save_session("ann-1", Some(id), "{}", ts("2026-11-22T18:00:00Z"))
        .await
        .unwrap();
    let user = s
        .reset_password("hash-3", "new-hash", ts("2026-11-22T10:30:00Z"))
        .await
        .unwrap();
    assert_eq!(user.password_hash.as_deref(), Some("new-hash"));
    // The reset ended the user's browser sessions.
    assert_eq!(s.load_session("ann-1", ts("2026-11-22T10:30:00Z")).await.unwrap(), None);
    for (hash, at) in [("hash-3", "2026-11-22T10:31:00Z"), ("hash-2", "2026-11-22T10:31:00Z")] {
        assert!(matches!(
            s.reset_password(hash, "again", ts(at)).await,
            Err(StoreError::Invalid(_))
        ));
    }
    // Three links an hour: the fourth is not sent; an hour after the first, one is again.
    assert!(
        !s.create_password_reset(id, "hash-4", &link(4), expires, today())
            .await
            .unwrap()
    );
    assert!(matches!(
        s.reset_password("hash-4", "never", ts("2026-11-22T10:32:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    let later = ts("2026-11-22T11:00:01Z");
    assert!(
        s.create_password_reset(id, "hash-5", &link(5), ts("2026-11-22T12:00:00Z"), later)
            .await
            .unwrap()
    );
    // An expired link does not work.
    assert!(matches!(
        s.reset_password("hash-5", "late", ts("2026-11-22T12:00:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.verify_audit().await.unwrap().first_bad_id, None);
}

pub async fn api_tokens_may_expire(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let until = ts("2026-12-22T10:00:00Z");
    let token = s
        .create_token(None, w.partner_a.user_id, "ci", "hash-t", Some(until), today())
        .await
        .unwrap();
    assert_eq!(token.expires_at, Some(until));
    assert!(
        s.authenticate("hash-t", ts("2026-12-22T09:59:59Z"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(s.authenticate("hash-t", until).await.unwrap(), None);
    assert!(matches!(
        s.create_token(None, w.partner_a.user_id, "past", "hash-p", Some(today()), today())
            .await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn administrators_edit_users_with_an_audit_entry(store: Arc<dyn Store>) {
    use domain::Role;
    use domain::access::input::{Email, UserUpdate};
    let w = world(store).await;
    let s = w.store.as_ref();
    let rename = UserUpdate {
        display_name: Some("Ann Archer".into()),
        email: Some(Email::parse("Ann.Archer@Northwind.example").unwrap()),
        ..UserUpdate::default()
    };
    let link = |n: u32| format!("http://localhost/password/reset/{n}");
    let id = w.partner_a.user_id;
    assert!(
        s.create_password_reset(id, "hash-old", &link(1), ts("2026-11-22T11:00:00Z"), today())
            .await
            .unwrap()
    );
    let entries = s.verify_audit().await.unwrap().entries;
    let renamed = s.update_user(&w.admin, id, rename, today()).await.unwrap();
    assert_eq!(
        (renamed.display_name.as_str(), renamed.email.as_str()),
        ("Ann Archer", "ann.archer@northwind.example")
    );
    assert_eq!(renamed.partner_id, w.partner_a.partner_id, "the partner stays");
    assert_eq!(s.verify_audit().await.unwrap().entries, entries + 1);
    // The link went to the old address: it ends with it.
    assert!(matches!(
        s.reset_password("hash-old", "new", today()).await,
        Err(StoreError::Invalid(_))
    ));
    // Another partner; then staff, which leaves the partner behind.
    let moved = UserUpdate {
        partner_id: Some(w.partner_b.partner_id),
        role: Some(Role::PartnerAdmin),
        ..UserUpdate::default()
    };
    let moved = s.update_user(&w.admin, id, moved, today()).await.unwrap();
    assert_eq!(
        (moved.role, moved.partner_id),
        (Role::PartnerAdmin, w.partner_b.partner_id)
    );
    let staff = UserUpdate {
        role: Some(Role::Sales),
        ..UserUpdate::default()
    };
    let staff = s.update_user(&w.admin, id, staff, today()).await.unwrap();
    assert_eq!((staff.role, staff.partner_id), (Role::Sales, None));
    // Refusals: a partner role without a partner, a taken address, no such partner, their own
    // administrator role, anyone but an administrator, a partner (who is told of no user at all).
    let field_of = |r: StoreResult<User>| match r {
        Err(StoreError::Invalid(e)) => e.0[0].field.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let no_partner = UserUpdate {
        role: Some(Role::PartnerUser),
        ..UserUpdate::default()
    };
    assert_eq!(
        field_of(s.update_user(&w.admin, id, no_partner, today()).await),
        "partner_id"
    );
    let taken = UserUpdate {
        email: Some(Email::parse("west@vendor.example").unwrap()),
        ..UserUpdate::default()
    };
    assert!(matches!(
        s.update_user(&w.admin, id, taken, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    let nowhere = UserUpdate {
        role: Some(Role::PartnerUser),
        partner_id: Some(Some(9999)),
        ..UserUpdate::default()
    };
    assert_eq!(
        field_of(s.update_user(&w.admin, id, nowhere, today()).await),
        "partner_id"
    );
    let demote = UserUpdate {
        role: Some(Role::Sales),
        ..UserUpdate::default()
    };
    assert_eq!(
        field_of(s.update_user(&w.admin, w.admin.user_id, demote.clone(), today()).await),
        "role"
    );
    assert!(matches!(
        s.update_user(&w.west_manager, id, demote.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.update_user(&w.partner_c, id, demote.clone(), today()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.update_user(&w.admin, 9999, demote, today()).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.find_user(id).await.unwrap().unwrap().role,
        Role::Sales,
        "refusals change nothing"
    );
    assert_eq!(s.verify_audit().await.unwrap().first_bad_id, None);
}

pub async fn a_users_tokens_are_listed_for_administrators(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let id = w.partner_a.user_id;
    let until = ts("2027-02-20T10:00:00Z");
    let first = s
        .create_token(Some(&w.admin), id, "crm sync", "hash-l1", None, today())
        .await
        .unwrap();
    let second = s
        .create_token(
            Some(&w.admin),
            id,
            "laptop",
            "hash-l2",
            Some(until),
            ts("2026-11-22T11:00:00Z"),
        )
        .await
        .unwrap();
    s.create_token(None, w.partner_b.user_id, "other", "hash-l3", None, today())
        .await
        .unwrap();
    s.revoke_token(Some(&w.admin), first.id, ts("2026-11-22T12:00:00Z"))
        .await
        .unwrap();
    let tokens = s.list_tokens(&w.admin, id).await.unwrap();
    let seen: Vec<_> = tokens
        .iter()
        .map(|t| (t.id, t.label.as_str(), t.expires_at, t.revoked_at))
        .collect();
    assert_eq!(
        seen,
        [
            (second.id, "laptop", Some(until), None),
            (first.id, "crm sync", None, Some(ts("2026-11-22T12:00:00Z")))
        ],
        "newest first, this user's only"
    );
    assert!(matches!(
        s.list_tokens(&w.west_manager, id).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.list_tokens(&w.partner_a, id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.list_tokens(&w.admin, 9999).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn the_names_of_several_users_are_read_at_once(store: Arc<dyn Store>) {
    let w = world(store).await;
    let names = w
        .store
        .user_names(&[w.admin.user_id, w.partner_a.user_id, 999_999])
        .await
        .unwrap();
    assert_eq!(names.len(), 2, "an unknown id is left out: {names:?}");
    let admin = w.store.find_user(w.admin.user_id).await.unwrap().unwrap();
    assert_eq!(names[&w.admin.user_id], admin.display_name);
    assert!(w.store.user_names(&[]).await.unwrap().is_empty());
}
