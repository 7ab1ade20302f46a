//! A registration's discussion: comments and files between its partner and the channel team.

use crate::{notifications, submit, today, ts, world};
use domain::registrations::discussion::{FileKind, parse_attachment};
use std::sync::Arc;
use store::*;

pub async fn both_sides_discuss_a_registration_and_no_one_else_does(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let asked = w
        .store
        .add_comment(
            &w.partner_a,
            reg.id,
            "The board meets on 2026-12-15.\nCan you decide before?".into(),
            ts("2026-12-01T09:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(asked.body, "The board meets on 2026-12-15.\nCan you decide before?");
    assert_eq!(asked.author_role, domain::Role::PartnerUser);
    // The approver hears of it, linked to the registration.
    let inbox = notifications(&w, &w.west_manager).await;
    assert!(
        inbox
            .iter()
            .any(|n| n.kind == "registration_discussed" && n.entity_id == reg.id),
        "{inbox:?}"
    );
    w.store
        .add_comment(
            &w.west_manager,
            reg.id,
            "Yes, by Friday.".into(),
            ts("2026-12-01T10:00:00Z"),
        )
        .await
        .unwrap();
    assert!(
        notifications(&w, &w.partner_a)
            .await
            .iter()
            .any(|n| n.kind == "registration_discussed")
    );

    let letter = parse_attachment("LOI Springfield.pdf", b"%PDF-1.7 letter of intent".to_vec()).unwrap();
    let sha256 = letter.sha256.clone();
    let attached = w
        .store
        .add_attachment(&w.partner_a, reg.id, letter, today())
        .await
        .unwrap();
    assert_eq!((attached.kind, attached.size_bytes), (FileKind::Pdf, 25));
    assert_eq!(attached.sha256, sha256);

    // Both sides read the same discussion, oldest first.
    for reader in [&w.partner_a, &w.west_manager, &w.admin] {
        let discussion = w.store.discussion(reader, reg.id).await.unwrap();
        let bodies: Vec<_> = discussion.comments.iter().map(|c| c.body.as_str()).collect();
        assert_eq!(
            bodies,
            [
                "The board meets on 2026-12-15.\nCan you decide before?",
                "Yes, by Friday."
            ]
        );
        assert_eq!(discussion.attachments, std::slice::from_ref(&attached));
        let file = w.store.attachment(reader, reg.id, attached.id).await.unwrap();
        assert_eq!(file.content, b"%PDF-1.7 letter of intent");
    }
    // Another partner finds nothing; order entry has no part in it; nothing was added by them.
    let other = parse_attachment("x.txt", b"x".to_vec()).unwrap();
    assert!(matches!(
        w.store.discussion(&w.partner_b, reg.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.attachment(&w.partner_b, reg.id, attached.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.add_comment(&w.partner_b, reg.id, "mine".into(), today()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store
            .add_attachment(&w.partner_b, reg.id, other.clone(), today())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.add_comment(&w.order_entry, reg.id, "hi".into(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(w.store.discussion(&w.admin, reg.id).await.unwrap().comments.len(), 2);
    // An attachment is found only under its own registration.
    let elsewhere = submit(&w, &w.partner_a, "Shelbyville Library", &["MB-100"]).await;
    assert!(matches!(
        w.store.attachment(&w.partner_a, elsewhere.id, attached.id).await,
        Err(StoreError::NotFound(_))
    ));
    // The timeline records who added what.
    let history = w.store.registration_history(&w.partner_a, reg.id).await.unwrap();
    let actions: Vec<_> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "registration.submit",
            "registration.comment",
            "registration.comment",
            "registration.attach"
        ]
    );
}

pub async fn each_side_sees_the_questions_waiting_for_its_answer(store: Arc<dyn Store>) {
    let w = world(store).await;
    let west = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let east = submit(&w, &w.partner_c, "Capital City College", &["MB-100"]).await;
    let waiting = |who: &domain::Actor| {
        let store = w.store.clone();
        let who = who.clone();
        async move {
            store
                .awaiting_reply(&who, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.registration_id, r.comment.body))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(waiting(&w.partner_a).await, []);
    let at = |hour: u8| ts(&format!("2026-12-01T{hour:02}:00:00Z"));
    w.store
        .add_comment(&w.west_manager, west.id, "Which campus?".into(), at(9))
        .await
        .unwrap();
    w.store
        .add_comment(&w.partner_c, east.id, "Any news?".into(), at(10))
        .await
        .unwrap();
    // The partner answers the channel team; the routed manager (or any admin) answers the partner.
    assert_eq!(waiting(&w.partner_a).await, [(west.id, "Which campus?".to_owned())]);
    assert_eq!(waiting(&w.partner_b).await, []);
    assert_eq!(waiting(&w.east_manager).await, [(east.id, "Any news?".to_owned())]);
    assert_eq!(waiting(&w.west_manager).await, []);
    assert_eq!(waiting(&w.admin).await, [(east.id, "Any news?".to_owned())]);
    assert_eq!(waiting(&w.order_entry).await, []);
    // Answered, it waits on the other side.
    w.store
        .add_comment(&w.partner_a, west.id, "The north one.".into(), at(11))
        .await
        .unwrap();
    assert_eq!(waiting(&w.partner_a).await, []);
    assert_eq!(waiting(&w.west_manager).await, [(west.id, "The north one.".to_owned())]);
    let newest_first: Vec<i64> = waiting(&w.admin).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(newest_first, [west.id, east.id]);
    // A closed registration waits for no one.
    w.store
        .withdraw_registration(&w.partner_a, west.id, None, at(12))
        .await
        .unwrap();
    assert_eq!(waiting(&w.west_manager).await, []);
}
