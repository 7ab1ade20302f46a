//! Registrations: routing to an approver, approval with SOR numbers and validity, decline,
//! withdrawal, the lifecycle's refusals, partner isolation, and the lists.

pub mod discussion;
pub mod matching;
pub mod requests;

use crate::{approval, customer, notifications, partner, registration, submit, today, ts, user, world};
use domain::Role;
use domain::directory::customers::CustomerInput;
use domain::registrations::ValidityChoice;
use domain::registrations::contact::ContactInput;
use domain::registrations::input::{Approval, Outcome};
use jiff::civil::{Date, date};
use std::sync::Arc;
use store::*;

pub async fn submission_is_routed_to_the_regional_manager(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    assert_eq!(reg.status, domain::registrations::Status::Submitted);
    assert_eq!(reg.approver_id, Some(w.west_manager.user_id));
    assert_eq!(reg.products[0].sku, "MB-100");
    assert_eq!(reg.estimated_value.amount_minor, 3_500_000);
    assert_eq!(reg.sor_number, None);
    let inbox = notifications(&w, &w.west_manager).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "registration_submitted");
    assert_eq!(inbox[0].entity_id, reg.id);
    assert!(notifications(&w, &w.east_manager).await.is_empty());
    // Only the routed manager (or an admin) decides.
    let err = w
        .store
        .approve_registration(&w.east_manager, reg.id, approval(false), today())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
    let err = w
        .store
        .approve_registration(&w.partner_a, reg.id, approval(false), today())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
    // Staff cannot file registrations: partners do.
    assert!(matches!(
        w.store
            .submit_registration(
                &w.admin,
                registration(customer("X Corp", None, "Y"), &["MB-100"]),
                today()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
}

pub async fn fallback_approver_decides_when_the_region_has_none(store: Arc<dyn Store>) {
    let w = world(store).await;
    let islander = partner(w.store.as_ref(), "Island AV", w.region_without_manager).await;
    let islander_user = user(
        w.store.as_ref(),
        "ivy@island.example",
        Role::PartnerUser,
        Some(islander),
    )
    .await;
    // No regional manager and no fallback: every administrator hears of it.
    let reg = submit(&w, &islander_user, "Lighthouse Academy", &["MB-100"]).await;
    assert_eq!(reg.approver_id, None);
    assert_eq!(notifications(&w, &w.admin).await.len(), 1);
    let mut settings = w.store.settings().await.unwrap();
    settings.fallback_approver_id = Some(w.east_manager.user_id);
    w.store.update_settings(&w.admin, settings, today()).await.unwrap();
    let reg = submit(&w, &islander_user, "Harbour College", &["MB-100"]).await;
    assert_eq!(reg.approver_id, Some(w.east_manager.user_id));
    let approved = w
        .store
        .approve_registration(&w.east_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    assert_eq!(approved.status, domain::registrations::Status::Approved);
}

pub async fn approval_issues_sequential_sor_numbers_and_validity(store: Arc<dyn Store>) {
    let w = world(store).await;
    let first = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let second = submit(&w, &w.partner_b, "Shelbyville Community College", &["MB-200"]).await;
    let first = w
        .store
        .approve_registration(&w.west_manager, first.id, approval(false), today())
        .await
        .unwrap();
    assert_eq!(first.sor_number.as_deref(), Some("SOR-2026-000001"));
    // Approved 2026-11-22 for the default 90 days: valid through 2027-02-20, inclusive.
    assert_eq!(first.valid_through, Some(date(2027, 2, 20)));
    assert_eq!(first.decided_by, Some(w.west_manager.user_id));
    let custom = Approval {
        validity: ValidityChoice::Days(30),
        acknowledge_conflicts: false,
        note: Some("short pilot".into()),
    };
    let second = w
        .store
        .approve_registration(&w.admin, second.id, custom, today())
        .await
        .unwrap();
    assert_eq!(second.sor_number.as_deref(), Some("SOR-2026-000002"));
    assert_eq!(second.valid_through, Some(date(2026, 12, 22)));
    // A new year starts a new sequence.
    let third = submit(&w, &w.partner_c, "Capital City Schools", &["MB-100"]).await;
    let third = w
        .store
        .approve_registration(&w.east_manager, third.id, approval(false), ts("2027-01-02T09:00:00Z"))
        .await
        .unwrap();
    assert_eq!(third.sor_number.as_deref(), Some("SOR-2027-000001"));
    // Validity beyond the program maximum is refused and changes nothing.
    let fourth = submit(&w, &w.partner_c, "Ogdenville Library", &["MB-100"]).await;
    let too_long = Approval {
        validity: ValidityChoice::Days(400),
        acknowledge_conflicts: false,
        note: None,
    };
    let err = w
        .store
        .approve_registration(&w.east_manager, fourth.id, too_long, today())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let unchanged = w.store.get_registration(&w.admin, fourth.id).await.unwrap();
    assert_eq!(unchanged.status, domain::registrations::Status::Submitted);
    let approved_mail = notifications(&w, &w.partner_a).await;
    assert_eq!(
        approved_mail[0].subject,
        "APPROVED: SOR-2026-000001 for Springfield School District"
    );
}

pub async fn concurrent_approvals_never_duplicate_or_skip_sor_numbers(store: Arc<dyn Store>) {
    let w = Arc::new(world(store).await);
    let mut ids = Vec::new();
    for i in 0..16 {
        ids.push(
            submit(
                &w,
                &w.partner_a,
                &format!("Distinct Organisation {i} Holdings"),
                &["MB-100"],
            )
            .await
            .id,
        );
    }
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let w = w.clone();
            tokio::spawn(async move {
                w.store
                    .approve_registration(&w.admin, id, approval(true), today())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().sor_number.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=16).map(|n| format!("SOR-2026-{n:06}")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(w.store.verify_audit().await.unwrap().first_bad_id, None);
}

pub async fn partners_never_see_each_others_registrations(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let b = &w.partner_b;
    assert!(matches!(
        w.store.get_registration(b, reg.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.registration_history(b, reg.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.list_change_requests(b, reg.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.withdraw_registration(b, reg.id, None, today()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.approve_registration(b, reg.id, approval(true), today()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store
            .request_change(
                b,
                reg.id,
                domain::registrations::input::ChangeRequest::Extension {
                    valid_through: date(2027, 6, 1)
                },
                None,
                today()
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let listed = w
        .store
        .list_registrations(
            b,
            RegistrationFilter {
                partner_id: Some(w.partner_a.partner_id.unwrap()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    assert!(
        w.store
            .list_customers(b, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        w.store
            .list_customers(&w.partner_a, PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let partners = w.store.list_partners(b, PageRequest::default()).await.unwrap();
    assert_eq!(partners.items.len(), 1);
    assert_eq!(Some(partners.items[0].id), b.partner_id);
    assert!(matches!(
        w.store.get_partner(b, w.partner_a.partner_id.unwrap()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(notifications(&w, b).await.is_empty());
    assert!(matches!(
        w.store.list_users(b, PageRequest::default()).await,
        Err(StoreError::Forbidden(_))
    ));
    // Registering the same organisation shares its customer row, but not what A typed about it.
    let a_typed = CustomerInput {
        tax_id: Some("US-12-3456789".into()),
        ..customer("Springfield School District", None, "Springfield")
    };
    let a_reg = w
        .store
        .submit_registration(&w.partner_a, registration(a_typed, &["MB-200"]), today())
        .await
        .unwrap();
    let b_reg = submit(&w, b, "Springfield School District", &["PEN-2"]).await;
    assert_eq!(a_reg.customer.id, b_reg.customer.id);
    assert_eq!(b_reg.customer.tax_id, None, "B never sees A's tax id");
    let b_customers = w.store.list_customers(b, PageRequest::default()).await.unwrap().items;
    assert_eq!(b_customers.len(), 1);
    assert_eq!(b_customers[0].tax_id, None);
    let a_view = w.store.get_registration(&w.partner_a, a_reg.id).await.unwrap();
    assert_eq!(a_view.customer.tax_id.as_deref(), Some("US-12-3456789"));
}

pub async fn decline_records_the_reason_and_tells_the_partner(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let declined = w
        .store
        .decline_registration(
            &w.west_manager,
            reg.id,
            "Duplicate of an existing opportunity".into(),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(declined.status, domain::registrations::Status::Declined);
    assert_eq!(
        declined.decision_reason.as_deref(),
        Some("Duplicate of an existing opportunity")
    );
    let inbox = notifications(&w, &w.partner_a).await;
    assert_eq!(inbox[0].kind, "registration_declined");
    assert!(inbox[0].subject.starts_with("DECLINED"));
    assert!(inbox[0].body.contains("Duplicate of an existing opportunity"));
}

pub async fn invalid_transitions_name_what_is_allowed(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    w.store
        .decline_registration(&w.west_manager, reg.id, "no".into(), today())
        .await
        .unwrap();
    let err = w
        .store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap_err();
    let StoreError::Transition(t) = err else {
        panic!("expected a transition error, got {err:?}")
    };
    assert_eq!(t.from, domain::registrations::Status::Declined);
    assert!(t.allowed.is_empty());
    let err = w
        .store
        .close_registration(&w.partner_a, reg.id, Outcome::Won, None, today())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Transition(_)));
}

pub async fn withdrawal_releases_the_protection(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    w.store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    let withdrawn = w
        .store
        .withdraw_registration(
            &w.partner_a,
            reg.id,
            Some("customer chose another brand".into()),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.status, domain::registrations::Status::Withdrawn);
    assert!(withdrawn.closed_at.is_some());
    assert_eq!(withdrawn.sor_number.as_deref(), Some("SOR-2026-000001"));
    let next = submit(&w, &w.partner_b, "Springfield School District", &["MB-100"]).await;
    assert!(!next.possible_conflict, "a withdrawn registration no longer competes");
    w.store
        .approve_registration(&w.west_manager, next.id, approval(false), today())
        .await
        .unwrap();
    let won = w
        .store
        .close_registration(&w.partner_b, next.id, Outcome::Won, None, today())
        .await
        .unwrap();
    assert_eq!(won.status, domain::registrations::Status::Won);
}

pub async fn lists_filter_and_page(store: Arc<dyn Store>) {
    let w = world(store).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            submit(&w, &w.partner_a, &format!("Unrelated Org Number {i}"), &["MB-100"])
                .await
                .id,
        );
    }
    submit(&w, &w.partner_b, "Someone Else Entirely", &["MB-200"]).await;
    w.store
        .approve_registration(&w.west_manager, ids[1], approval(false), today())
        .await
        .unwrap();
    let page1 = w
        .store
        .list_registrations(&w.partner_a, RegistrationFilter::default(), PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(page1.items.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[4], ids[3]]);
    let cursor = page1.next_cursor.unwrap().parse().unwrap();
    let page2 = w
        .store
        .list_registrations(
            &w.partner_a,
            RegistrationFilter::default(),
            PageRequest {
                cursor: Some(cursor),
                before: None,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page2.items.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
    let page3 = w
        .store
        .list_registrations(
            &w.partner_a,
            RegistrationFilter::default(),
            PageRequest {
                cursor: page2.next_cursor.clone().unwrap().parse().ok(),
                before: None,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page3.items.len(), 1);
    assert_eq!(page3.next_cursor, None);
    // Back again, newest first and oldest first: the same pages in the same order.
    let back = |oldest_first: bool, before: Option<String>| {
        let w = &w;
        async move {
            let filter = RegistrationFilter {
                oldest_first,
                ..Default::default()
            };
            let before = before.map(|b| b.parse().unwrap());
            let page = PageRequest {
                cursor: None,
                before,
                limit: 2,
            };
            w.store.list_registrations(&w.partner_a, filter, page).await.unwrap()
        }
    };
    let newer = back(false, page3.prev_cursor.clone()).await;
    assert_eq!(newer.items.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
    assert_eq!(newer.next_cursor, page2.next_cursor);
    let newest = back(false, newer.prev_cursor).await;
    assert_eq!(newest.items.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[4], ids[3]]);
    assert_eq!(newest.prev_cursor, None, "the first page has none before it");
    let older = back(true, Some(ids[3].to_string())).await;
    assert_eq!(older.items.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[1], ids[2]]);
    assert_eq!(older.prev_cursor, Some(ids[1].to_string()));
    let approved = w
        .store
        .list_registrations(
            &w.admin,
            RegistrationFilter {
                status: Some(domain::registrations::Status::Approved),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(approved.items.len(), 1);
    // Search: customer, partner or SOR number, in any case; `%` and `_` are only text.
    let found = |who: &'static str, text: &'static str| {
        let w = &w;
        async move {
            let actor = if who == "admin" { &w.admin } else { &w.partner_a };
            let filter = RegistrationFilter {
                search: Some(text.to_owned()),
                ..Default::default()
            };
            let listed = w
                .store
                .list_registrations(actor, filter, PageRequest::default())
                .await
                .unwrap();
            listed.items.iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("partner", "org number 3").await, [ids[3]]);
    assert_eq!(found("partner", "sor-2026-000001").await, [ids[1]]);
    assert_eq!(
        found("partner", "someone else").await,
        Vec::<i64>::new(),
        "another partner's stays hidden"
    );
    assert_eq!(found("admin", "someone else").await.len(), 1);
    assert_eq!(found("admin", "CONTOSO").await.len(), 1, "by partner name");
    assert_eq!(found("admin", "%").await, Vec::<i64>::new());
    assert_eq!(found("admin", "org_number").await, Vec::<i64>::new());
    let expiring = |before: Date| RegistrationFilter {
        expiring_before: Some(before),
        ..Default::default()
    };
    assert_eq!(
        w.store
            .list_registrations(&w.admin, expiring(date(2027, 2, 19)), PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        0
    );
    assert_eq!(
        w.store
            .list_registrations(&w.admin, expiring(date(2027, 2, 20)), PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // The one approved registration is expected to close on 2027-01-31: its outcome is due after.
    let outcome_due = |today: Date| RegistrationFilter {
        close_date_before: Some(today),
        ..Default::default()
    };
    for (today, due) in [(date(2027, 1, 31), 0), (date(2027, 2, 1), 1)] {
        let found = w
            .store
            .list_registrations(&w.admin, outcome_due(today), PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(found.len(), due, "outcome due on {today}");
    }
    let by_partner = RegistrationFilter {
        partner_id: w.partner_b.partner_id,
        ..Default::default()
    };
    assert_eq!(
        w.store
            .list_registrations(&w.admin, by_partner, PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // An approval queue: routed to one manager, first filed first, paging forward.
    let ids = |page: Page<RegistrationSummary>| page.items.iter().map(|r| r.id).collect::<Vec<_>>();
    let routed = RegistrationFilter {
        approver_id: Some(w.west_manager.user_id),
        ..Default::default()
    };
    let newest_first = ids(w
        .store
        .list_registrations(&w.admin, routed.clone(), PageRequest::default())
        .await
        .unwrap());
    let queue = RegistrationFilter {
        oldest_first: true,
        ..routed
    };
    let mut oldest_first = Vec::new();
    let mut page = PageRequest::first(1);
    loop {
        let listed = w.store.list_registrations(&w.admin, queue.clone(), page).await.unwrap();
        let next = listed.next_cursor.clone();
        oldest_first.extend(ids(listed));
        match next {
            Some(cursor) => page.cursor = Some(cursor.parse().unwrap()),
            None => break,
        }
    }
    assert!(newest_first.len() >= 2);
    assert_eq!(oldest_first, newest_first.into_iter().rev().collect::<Vec<_>>());
    // Counts by status: a partner's own, everyone's for staff.
    let total: i64 = w
        .store
        .registration_counts(&w.admin)
        .await
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum();
    let b_only = w.store.registration_counts(&w.partner_b).await.unwrap();
    assert_eq!(b_only.iter().map(|c| c.count).sum::<i64>(), 1);
    assert!(total > 1);
}

/// Issue 13, defect 12: the end customer's contact is stored with the registration as parsed, and
/// shown (on the record and in the lists) to its partner, its approver and administrators only.
pub async fn the_customer_contact_is_stored_for_its_partner_and_approver(store: Arc<dyn Store>) {
    let w = world(store).await;
    let mut filing = registration(
        customer("Springfield School District", None, "Springfield"),
        &["MB-100"],
    );
    let mut errors = domain::FieldErrors::default();
    filing.contact = domain::registrations::contact::parse_contact(
        &Some(ContactInput {
            name: Some("Dana Whitfield".into()),
            email: Some("Dana.Whitfield@Springfield.k12.il.us".into()),
            phone: Some("+1 (217) 555-0142".into()),
        }),
        "customer_contact",
        &mut errors,
    );
    assert!(errors.0.is_empty(), "{errors:?}");
    let filed = w
        .store
        .submit_registration(&w.partner_a, filing, today())
        .await
        .unwrap();
    let contact = filed.customer_contact.clone().expect("the partner sees its contact");
    assert_eq!(contact.name, "Dana Whitfield");
    assert_eq!(
        contact.email.as_ref().map(|e| e.as_str()),
        Some("dana.whitfield@springfield.k12.il.us")
    );
    assert_eq!(contact.phone.as_deref(), Some("+1 (217) 555-0142"));
    for (who, sees) in [
        (&w.partner_a, true),
        (&w.west_manager, true),
        (&w.admin, true),
        (&w.east_manager, false),
        (&w.order_entry, false),
    ] {
        let shown = w.store.get_registration(who, filed.id).await.unwrap();
        assert_eq!(shown.customer_contact.is_some(), sees, "{:?}", who.role);
        assert_eq!(
            shown.customer_contact.as_ref().map(|c| &c.name),
            sees.then_some(&contact.name)
        );
        let listed = w
            .store
            .list_registrations(who, RegistrationFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        let row = listed.items.iter().find(|r| r.id == filed.id).unwrap();
        assert_eq!(
            row.customer_contact.as_ref(),
            shown.customer_contact.as_ref(),
            "{:?}",
            who.role
        );
    }
    // Another partner never reaches it.
    assert!(matches!(
        w.store.get_registration(&w.partner_b, filed.id).await,
        Err(StoreError::NotFound(_))
    ));
    // Without a contact, none is stored.
    let plain = submit(&w, &w.partner_a, "Shelbyville Library", &["MB-100"]).await;
    assert_eq!(
        w.store
            .get_registration(&w.west_manager, plain.id)
            .await
            .unwrap()
            .customer_contact,
        None
    );
}
