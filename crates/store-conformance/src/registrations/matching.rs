//! Conflict matching: the same customer found across spellings, acknowledgement, one holder per
//! customer and product, and the claim check that tells a partner only claimed or free.

use crate::{approval, customer, registration, submit, today, world};
use std::sync::Arc;
use store::*;

pub async fn conflicts_are_found_across_spelling_variants(store: Arc<dyn Store>) {
    let w = world(store).await;
    let first = w
        .store
        .submit_registration(
            &w.partner_a,
            registration(
                customer(
                    "Springfield School District, Inc.",
                    Some("springfield.k12.il.us"),
                    "Springfield",
                ),
                &["MB-100", "PEN-2"],
            ),
            today(),
        )
        .await
        .unwrap();
    assert!(!first.possible_conflict);
    // Same organisation, spelled differently, with no domain: found by name.
    let second = w
        .store
        .submit_registration(
            &w.partner_b,
            registration(customer("Springfeld Sch. Dist.", None, "Springfield"), &["MB-100"]),
            today(),
        )
        .await
        .unwrap();
    assert!(second.possible_conflict);
    assert_eq!(second.conflicts, None, "a partner never learns who holds the match");
    let seen = w.store.get_registration(&w.west_manager, second.id).await.unwrap();
    let matches = seen.conflicts.unwrap();
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].registration_id, first.id);
    assert_eq!(matches[0].partner_name, "Northwind AV");
    assert!(matches[0].is_conflict);
    assert!(matches[0].score >= 0.6, "{}", matches[0].score);
    assert!(
        matches[0]
            .reasons
            .iter()
            .any(|r| matches!(r, domain::registrations::matching::MatchReason::SimilarName { .. }))
    );
    // Same domain under a different name: found by domain, strongest score.
    let third = w
        .store
        .submit_registration(
            &w.partner_c,
            registration(
                customer(
                    "District 186",
                    Some("https://www.springfield.k12.il.us/board"),
                    "Springfield",
                ),
                &["PEN-2"],
            ),
            today(),
        )
        .await
        .unwrap();
    let seen = w.store.get_registration(&w.east_manager, third.id).await.unwrap();
    let top = &seen.conflicts.unwrap()[0];
    assert_eq!(top.registration_id, first.id);
    assert_eq!(top.score, 1.0);
    assert!(
        top.reasons
            .iter()
            .any(|r| matches!(r, domain::registrations::matching::MatchReason::SameDomain { .. }))
    );
    // Matches compare what each partner typed: B gave no domain, so no domain evidence is claimed
    // for B's registration, even though A's shared customer row has one.
    let approved = w
        .store
        .approve_registration(&w.west_manager, first.id, approval(true), today())
        .await
        .unwrap();
    let b_match = approved
        .conflicts
        .unwrap()
        .into_iter()
        .find(|m| m.registration_id == second.id)
        .unwrap();
    assert!(
        b_match
            .reasons
            .iter()
            .any(|r| matches!(r, domain::registrations::matching::MatchReason::SimilarName { .. }))
    );
    assert!(
        !b_match
            .reasons
            .iter()
            .any(|r| matches!(r, domain::registrations::matching::MatchReason::SameDomain { .. }))
    );
    // An unrelated organisation is not a match.
    let other = submit(&w, &w.partner_b, "Globex Corporation", &["MB-100"]).await;
    assert!(!other.possible_conflict);
}

pub async fn approval_needs_acknowledgement_when_another_partner_filed_first(store: Arc<dyn Store>) {
    let w = world(store).await;
    let first = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let later = submit(&w, &w.partner_b, "Springfield Sch. Dist.", &["MB-200"]).await;
    // Different products of the same customer: reported, but not a conflict.
    assert!(!later.possible_conflict);
    let clash = submit(&w, &w.partner_b, "Springfield School Dist", &["MB-100"]).await;
    let err = w
        .store
        .approve_registration(&w.west_manager, clash.id, approval(false), today())
        .await
        .unwrap_err();
    match err {
        StoreError::Conflict { matches, .. } => assert_eq!(matches[0].registration_id, first.id),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Shown to its approver, the first-filed registration names the ones filed since (issue 13,
    // defect 4); its partner still learns nothing of them.
    let first_seen = w.store.get_registration(&w.west_manager, first.id).await.unwrap();
    let since: Vec<i64> = first_seen
        .conflicts
        .unwrap()
        .iter()
        .map(|m| m.registration_id)
        .collect();
    assert!(since.contains(&clash.id), "{since:?}");
    assert!(first_seen.possible_conflict);
    assert!(
        w.store
            .get_registration(&w.partner_a, first.id)
            .await
            .unwrap()
            .conflicts
            .is_none()
    );
    // The first filer is approved without fuss.
    w.store
        .approve_registration(&w.west_manager, first.id, approval(false), today())
        .await
        .unwrap();
    // The approver sees the match as it is now, not as it was when it was found.
    let seen = w
        .store
        .get_registration(&w.west_manager, clash.id)
        .await
        .unwrap()
        .conflicts
        .unwrap();
    let now_approved = seen.iter().find(|m| m.registration_id == first.id).unwrap();
    assert_eq!(now_approved.status, domain::registrations::Status::Approved);
    assert_eq!(now_approved.sor_number.as_deref(), Some("SOR-2026-000001"));
    // Acknowledging does not beat the database: the customer and MB-100 are taken.
    let err = w
        .store
        .approve_registration(&w.west_manager, clash.id, approval(true), today())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    // The other product is free to approve.
    w.store
        .approve_registration(&w.west_manager, later.id, approval(true), today())
        .await
        .unwrap();
}

pub async fn two_partners_never_hold_the_same_customer_and_product(store: Arc<dyn Store>) {
    let w = world(store).await;
    let a = w
        .store
        .submit_registration(
            &w.partner_a,
            registration(customer("Acme Corp", Some("acme.com"), "Dayton"), &["MB-100"]),
            today(),
        )
        .await
        .unwrap();
    let c = w
        .store
        .submit_registration(
            &w.partner_c,
            registration(
                customer("ACME Corporation", Some("sales@acme.com"), "Dayton"),
                &["MB-100", "MB-200"],
            ),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(a.customer.id, c.customer.id, "exact domain resolves to one customer");
    w.store
        .approve_registration(&w.west_manager, a.id, approval(false), today())
        .await
        .unwrap();
    let err = w
        .store
        .approve_registration(&w.east_manager, c.id, approval(true), today())
        .await
        .unwrap_err();
    let StoreError::Conflict { message, .. } = err else {
        panic!("expected conflict")
    };
    assert!(message.contains("MB-100"), "{message}");
    let still = w.store.get_registration(&w.admin, c.id).await.unwrap();
    assert_eq!(still.status, domain::registrations::Status::Submitted);
    assert_eq!(still.sor_number, None);
}

pub async fn concurrent_approvals_of_one_opportunity_approve_exactly_one(store: Arc<dyn Store>) {
    let w = Arc::new(world(store).await);
    let mut ids = Vec::new();
    for who in [&w.partner_a, &w.partner_b, &w.partner_c] {
        ids.push(submit(&w, who, "Springfield School District", &["MB-100"]).await.id);
    }
    let approvers = [w.west_manager.clone(), w.west_manager.clone(), w.east_manager.clone()];
    let tasks: Vec<_> = ids
        .iter()
        .zip(approvers)
        .map(|(id, approver)| {
            let w = w.clone();
            let id = *id;
            tokio::spawn(async move {
                w.store
                    .approve_registration(&approver, id, approval(true), today())
                    .await
            })
        })
        .collect();
    let mut approved = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => approved += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(approved, 1);
}

pub async fn claim_check_answers_only_claimed_or_free(store: Arc<dyn Store>) {
    let w = world(store).await;
    let ask = |name: &str| {
        domain::directory::customers::parse_customer(&customer(name, None, "Springfield"), "", &mut Default::default())
            .unwrap()
    };
    assert_eq!(
        w.store
            .check_claim(&w.partner_b, ask("Springfield School District"), vec![])
            .await
            .unwrap(),
        ClaimStatus::Free
    );
    submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    assert_eq!(
        w.store
            .check_claim(&w.partner_b, ask("Springfield Sch. Dist."), vec![])
            .await
            .unwrap(),
        ClaimStatus::Claimed
    );
    assert_eq!(
        w.store
            .check_claim(&w.partner_b, ask("Springfield Sch. Dist."), vec!["MB-100".into()])
            .await
            .unwrap(),
        ClaimStatus::Claimed
    );
    assert_eq!(
        w.store
            .check_claim(&w.partner_b, ask("Springfield Sch. Dist."), vec!["MB-200".into()])
            .await
            .unwrap(),
        ClaimStatus::Free
    );
    // A partner's own registration does not count against it.
    assert_eq!(
        w.store
            .check_claim(&w.partner_a, ask("Springfield School District"), vec![])
            .await
            .unwrap(),
        ClaimStatus::Free
    );
}
