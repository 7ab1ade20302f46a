//! Change requests on an approved registration: extensions and updates, asked by the partner and
//! decided by the manager.

use crate::{approval, notifications, submit, today, ts, world};
use domain::Currency;
use jiff::civil::date;
use std::sync::Arc;
use store::*;

pub async fn extension_requests_are_asked_by_the_partner_and_decided_by_the_manager(store: Arc<dyn Store>) {
    use domain::registrations::input::ChangeRequest;
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let ask = ChangeRequest::Extension {
        valid_through: date(2027, 4, 30),
    };
    // Only approved registrations can be extended.
    assert!(matches!(
        w.store
            .request_change(&w.partner_a, reg.id, ask.clone(), None, today())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    w.store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    // The partner alone asks.
    assert!(matches!(
        w.store
            .request_change(&w.west_manager, reg.id, ask.clone(), None, today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let earlier = ChangeRequest::Extension {
        valid_through: date(2027, 2, 1),
    };
    assert!(matches!(
        w.store
            .request_change(&w.partner_a, reg.id, earlier, None, today())
            .await,
        Err(StoreError::Invalid(_))
    ));
    let request = w
        .store
        .request_change(
            &w.partner_a,
            reg.id,
            ask.clone(),
            Some("board meets in April".into()),
            ts("2027-02-10T10:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(request.status, domain::registrations::RequestStatus::Pending);
    assert!(matches!(
        w.store.request_change(&w.partner_a, reg.id, ask, None, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    // It waits in the routed manager's queue (and an administrator's), in no one else's.
    let waiting = |who: &'static str| {
        let w = &w;
        async move {
            let actor = match who {
                "west" => &w.west_manager,
                "east" => &w.east_manager,
                "admin" => &w.admin,
                _ => &w.partner_a,
            };
            let pending = w.store.pending_change_requests(actor, 50).await.unwrap();
            pending.iter().map(|p| p.request.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(waiting("west").await, [request.id]);
    assert_eq!(waiting("admin").await, [request.id]);
    assert!(waiting("east").await.is_empty() && waiting("partner").await.is_empty());
    let queued = w.store.pending_change_requests(&w.west_manager, 50).await.unwrap();
    assert_eq!(
        (queued[0].customer_name.as_str(), queued[0].sor_number.as_deref()),
        ("Springfield School District", Some("SOR-2026-000001"))
    );
    assert_eq!(queued[0].valid_through, Some(date(2027, 2, 20)));
    assert!(matches!(
        w.store
            .decide_change(&w.east_manager, request.id, true, None, today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        w.store
            .decide_change(&w.partner_b, request.id, true, None, today())
            .await,
        Err(StoreError::NotFound(_))
    ));
    let decided = w
        .store
        .decide_change(&w.west_manager, request.id, true, None, ts("2027-02-11T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(decided.status, domain::registrations::RequestStatus::Approved);
    assert!(waiting("west").await.is_empty(), "a decided request leaves the queue");
    let extended = w.store.get_registration(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(extended.valid_through, Some(date(2027, 4, 30)));
    assert_eq!(
        extended.sor_number.as_deref(),
        Some("SOR-2026-000001"),
        "an extension keeps the SOR number"
    );
    assert!(matches!(
        w.store
            .decide_change(&w.west_manager, request.id, false, None, today())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let requests = w.store.list_change_requests(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(notifications(&w, &w.partner_a).await[0].kind, "change_decided");
    // Not expired on 2027-02-21 any more.
    assert_eq!(w.store.run_sweeps(ts("2027-02-21T10:00:00Z")).await.unwrap().expired, 0);
}

pub async fn update_requests_move_the_claims(store: Arc<dyn Store>) {
    use domain::directory::products::ProductLine;
    use domain::registrations::input::ChangeRequest;
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    w.store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    let update = ChangeRequest::Update {
        lines: Some(vec![ProductLine {
            sku: "MB-200".into(),
            quantity: 40,
        }]),
        estimated_value: Some(domain::Money {
            amount_minor: 9_000_000,
            currency: Currency::parse("USD").unwrap(),
        }),
        expected_close: None,
    };
    let request = w
        .store
        .request_change(&w.partner_a, reg.id, update, None, today())
        .await
        .unwrap();
    w.store
        .decide_change(&w.west_manager, request.id, true, None, today())
        .await
        .unwrap();
    let updated = w.store.get_registration(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(updated.products.len(), 1);
    assert_eq!(updated.products[0].sku, "MB-200");
    assert_eq!(updated.products[0].quantity, 40);
    assert_eq!(updated.estimated_value.amount_minor, 9_000_000);
    // MB-100 is free again for the same customer; MB-200 is not.
    let other = submit(&w, &w.partner_b, "Springfield School District", &["MB-100"]).await;
    w.store
        .approve_registration(&w.west_manager, other.id, approval(true), today())
        .await
        .unwrap();
    let blocked = submit(&w, &w.partner_b, "Springfield School District", &["MB-200"]).await;
    assert!(matches!(
        w.store
            .approve_registration(&w.west_manager, blocked.id, approval(true), today())
            .await,
        Err(StoreError::Conflict { .. })
    ));
}

/// The dashboard offers an extension only where none waits: the list leaves out registrations
/// with a pending request of either kind, and takes them back once it is decided.
pub async fn lists_leave_out_registrations_with_a_pending_request(store: Arc<dyn Store>) {
    use domain::registrations::input::ChangeRequest;
    let w = world(store).await;
    let mut ids = Vec::new();
    for customer in [
        "Springfield School District",
        "Shelbyville Library",
        "Ogdenville Museum",
    ] {
        let reg = submit(&w, &w.partner_a, customer, &["MB-100"]).await;
        w.store
            .approve_registration(&w.west_manager, reg.id, approval(false), today())
            .await
            .unwrap();
        ids.push(reg.id);
    }
    let extension = ChangeRequest::Extension {
        valid_through: date(2027, 4, 30),
    };
    let update = ChangeRequest::Update {
        lines: None,
        estimated_value: None,
        expected_close: Some(date(2027, 3, 31)),
    };
    let asked = w
        .store
        .request_change(&w.partner_a, ids[0], extension, None, today())
        .await
        .unwrap();
    w.store
        .request_change(&w.partner_a, ids[2], update, None, today())
        .await
        .unwrap();
    let may_ask = |who: &'static str| {
        let w = &w;
        async move {
            let actor = if who == "a" { &w.partner_a } else { &w.admin };
            let filter = RegistrationFilter {
                expiring_before: Some(date(2027, 12, 31)),
                without_pending_request: true,
                ..RegistrationFilter::default()
            };
            let page = w.store.list_registrations(actor, filter, PageRequest::first(10)).await;
            page.unwrap().items.iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(may_ask("a").await, [ids[1]]);
    assert_eq!(may_ask("admin").await, [ids[1]]);
    w.store
        .decide_change(&w.west_manager, asked.id, false, Some("not yet".into()), today())
        .await
        .unwrap();
    assert_eq!(may_ask("a").await, [ids[1], ids[0]], "newest first, as every list");
    let all = w
        .store
        .list_registrations(&w.partner_a, RegistrationFilter::default(), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        all.items.len(),
        3,
        "without the filter, pending requests change nothing"
    );
}
