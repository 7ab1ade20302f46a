//! Jobs: the sweeps that expire registrations and queue reminders, and the outbox's leases.

use crate::{approval, notifications, submit, today, ts, world};
use std::sync::Arc;
use store::*;

pub async fn expiry_and_reminders_run_once_however_often_swept(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    w.store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    // Valid through 2027-02-20; reminders 14 days ahead, from 2027-02-06.
    assert_eq!(
        w.store.run_sweeps(ts("2027-02-05T12:00:00Z")).await.unwrap(),
        SweepReport::default()
    );
    let report = w.store.run_sweeps(ts("2027-02-06T12:00:00Z")).await.unwrap();
    assert_eq!(
        report,
        SweepReport {
            expired: 0,
            reminders_queued: 1,
            ..SweepReport::default()
        }
    );
    assert_eq!(
        w.store.run_sweeps(ts("2027-02-07T12:00:00Z")).await.unwrap(),
        SweepReport::default()
    );
    // Still valid on its last day.
    assert_eq!(w.store.run_sweeps(ts("2027-02-20T23:59:00Z")).await.unwrap().expired, 0);
    let report = w.store.run_sweeps(ts("2027-02-21T00:00:00Z")).await.unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(
        w.store.run_sweeps(ts("2027-02-21T00:05:00Z")).await.unwrap(),
        SweepReport::default()
    );
    let expired = w.store.get_registration(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(expired.status, domain::registrations::Status::Expired);
    let kinds: Vec<String> = notifications(&w, &w.partner_a)
        .await
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        kinds,
        ["registration_expired", "expiry_reminder", "registration_approved"]
    );
    // An expired SOR no longer protects: another partner can now be approved for that customer.
    let next = submit(&w, &w.partner_b, "Springfield School District", &["MB-100"]).await;
    w.store
        .approve_registration(&w.west_manager, next.id, approval(true), ts("2027-02-21T09:00:00Z"))
        .await
        .unwrap();
}

pub async fn outbox_leases_hand_each_message_to_one_worker(store: Arc<dyn Store>) {
    let w = world(store).await;
    for name in ["Alpha School", "Beta School", "Gamma School"] {
        submit(&w, &w.partner_a, name, &["MB-100"]).await;
    }
    let now = today();
    let lease = ts("2026-11-22T10:01:00Z");
    let first = w.store.claim_outbox(now, lease, 2).await.unwrap();
    let second = w.store.claim_outbox(now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 1);
    assert!(w.store.claim_outbox(now, lease, 10).await.unwrap().is_empty());
    w.store.mark_delivered(first[0].id, now).await.unwrap();
    w.store
        .mark_failed(first[1].id, "connection refused", ts("2026-11-22T10:00:30Z"))
        .await
        .unwrap();
    // The failed one is retried at its time; the one whose worker died comes back after its lease.
    let retry = w
        .store
        .claim_outbox(ts("2026-11-22T10:00:31Z"), ts("2026-11-22T10:02:00Z"), 10)
        .await
        .unwrap();
    assert_eq!(retry.iter().map(|m| m.id).collect::<Vec<_>>(), [first[1].id]);
    assert_eq!(retry[0].attempts, 2);
    let after_lease = w
        .store
        .claim_outbox(ts("2026-11-22T10:01:01Z"), ts("2026-11-22T10:03:00Z"), 10)
        .await
        .unwrap();
    assert_eq!(after_lease.iter().map(|m| m.id).collect::<Vec<_>>(), [second[0].id]);
    // Delivered messages are never handed out again.
    assert!(
        w.store
            .claim_outbox(ts("2026-11-23T00:00:00Z"), ts("2026-11-23T00:01:00Z"), 10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.id != first[0].id)
    );
}

pub async fn notifications_are_read_by_their_recipient_only(store: Arc<dyn Store>) {
    let w = world(store).await;
    for name in ["Alpha School", "Beta School"] {
        let reg = submit(&w, &w.partner_a, name, &["MB-100"]).await;
        w.store
            .approve_registration(&w.west_manager, reg.id, approval(true), today())
            .await
            .unwrap();
    }
    let unread = |who: domain::Actor| {
        let store = w.store.clone();
        async move { store.count_unread_notifications(&who).await.unwrap() }
    };
    let listed = notifications(&w, &w.partner_a).await;
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|n| n.read_at.is_none()));
    assert_eq!(unread(w.partner_a.clone()).await, 2);
    let manager_unread = unread(w.west_manager.clone()).await;
    assert!(manager_unread > 0);
    // Another person's message is not found, whoever they are, and stays unread.
    for stranger in [&w.partner_b, &w.west_manager, &w.admin] {
        assert!(matches!(
            w.store.mark_notification_read(stranger, listed[0].id, today()).await,
            Err(StoreError::NotFound(_))
        ));
    }
    assert!(matches!(
        w.store.mark_notification_read(&w.partner_a, i64::MAX, today()).await,
        Err(StoreError::NotFound(_))
    ));
    let read = w
        .store
        .mark_notification_read(&w.partner_a, listed[0].id, today())
        .await
        .unwrap();
    assert_eq!(read.read_at, Some(today()));
    // Reading again keeps the first reading time.
    let again = w
        .store
        .mark_notification_read(&w.partner_a, listed[0].id, ts("2026-11-23T09:00:00Z"))
        .await
        .unwrap();
    assert_eq!(again.read_at, Some(today()));
    assert_eq!(unread(w.partner_a.clone()).await, 1);
    assert_eq!(
        w.store
            .mark_all_notifications_read(&w.partner_a, today())
            .await
            .unwrap(),
        1
    );
    assert_eq!(unread(w.partner_a.clone()).await, 0);
    assert!(
        notifications(&w, &w.partner_a)
            .await
            .iter()
            .all(|n| n.read_at.is_some())
    );
    // Marking all reads only one's own.
    assert_eq!(unread(w.west_manager.clone()).await, manager_unread);
}
