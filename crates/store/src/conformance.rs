//! The behaviour every backend must show. Each backend's `tests/conformance.rs` runs every case
//! against a fresh database with [`conformance_tests!`](crate::conformance_tests).
//!
//! Dates are concrete: the suite's "today" is 2026-11-22 (UTC) unless a case moves the clock.

use crate::*;
use domain::Actor;
use domain::access::input::Email;
use domain::directory::customers::CustomerInput;
use domain::directory::files::{parse_customers, parse_partners, parse_price_list};
use domain::directory::products::ProductLineInput;
use domain::directory::{ActivationStage, PartnerLevel};
use domain::money::MoneyInput;
use domain::orders::input::{NewOrder, OrderInput, parse_order};
use domain::orders::{NoSorPricing, OrderStatus, OverOrderPolicy, PriceBasis};
use domain::registrations::ValidityChoice;
use domain::registrations::input::{Approval, NewRegistrationInput, parse_new_registration};
use domain::{Currency, Role};
use jiff::civil::{Date, date};
use std::sync::Arc;

/// Runs every conformance case as its own test. `$factory` is an async fn returning a fresh,
/// migrated, empty `Arc<dyn Store>`.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@cases $factory;
            submission_is_routed_to_the_regional_manager,
            fallback_approver_decides_when_the_region_has_none,
            approval_issues_sequential_sor_numbers_and_validity,
            partners_never_see_each_others_registrations,
            conflicts_are_found_across_spelling_variants,
            approval_needs_acknowledgement_when_another_partner_filed_first,
            two_partners_never_hold_the_same_customer_and_product,
            decline_records_the_reason_and_tells_the_partner,
            invalid_transitions_name_what_is_allowed,
            expiry_and_reminders_run_once_however_often_swept,
            extension_requests_are_asked_by_the_partner_and_decided_by_the_manager,
            update_requests_move_the_claims,
            withdrawal_releases_the_protection,
            the_audit_trail_verifies_and_tells_the_history,
            outbox_leases_hand_each_message_to_one_worker,
            concurrent_approvals_of_one_opportunity_approve_exactly_one,
            concurrent_approvals_never_duplicate_or_skip_sor_numbers,
            claim_check_answers_only_claimed_or_free,
            idempotency_keys_keep_the_first_response,
            lists_filter_and_page,
            master_data_is_validated_and_unique,
            orders_are_priced_under_a_valid_sor_and_by_policy_without,
            an_expired_sor_refuses_boards_but_prices_accessories,
            the_same_po_is_entered_once,
            orders_are_private_to_their_partner,
            follow_on_orders_draw_down_the_sor_and_closing_links_them,
            price_versions_apply_from_their_date_and_imports_are_whole,
            browser_sessions_sign_in_locks_and_password_resets,
            dashboard_figures_aggregate_by_week,
        );
    };
    (@cases $factory:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store = $factory().await;
                $crate::conformance::$case(store).await;
            }
        )+
    };
}

pub fn ts(raw: &str) -> jiff::Timestamp {
    raw.parse().expect("timestamp literal")
}

/// 2026-11-22, 10:00 UTC.
pub fn today() -> jiff::Timestamp {
    ts("2026-11-22T10:00:00Z")
}

/// A program with two regions, three partners and a small price list.
pub struct World {
    pub store: Arc<dyn Store>,
    pub admin: Actor,
    pub order_entry: Actor,
    /// Regional manager of "West" (partners A and B).
    pub west_manager: Actor,
    /// Regional manager of "East" (partner C).
    pub east_manager: Actor,
    pub partner_a: Actor,
    pub partner_b: Actor,
    pub partner_c: Actor,
    pub region_without_manager: i64,
}

async fn user(store: &dyn Store, email: &str, role: Role, partner_id: Option<i64>) -> Actor {
    let user = store
        .create_user(
            None,
            NewUserRecord {
                email: Email::parse(email).unwrap(),
                display_name: email.to_owned(),
                role,
                partner_id,
                password_hash: None,
            },
            today(),
        )
        .await
        .unwrap();
    Actor {
        user_id: user.id,
        email: user.email,
        role,
        partner_id,
    }
}

async fn partner(store: &dyn Store, name: &str, region_id: i64) -> i64 {
    store
        .create_partner(
            None,
            domain::directory::input::NewPartner {
                name: name.to_owned(),
                level: PartnerLevel::Gold,
                activation_stage: ActivationStage::FullyOperational,
                region_id,
            },
            today(),
        )
        .await
        .unwrap()
        .id
}

pub async fn world(store: Arc<dyn Store>) -> World {
    let s = store.as_ref();
    let admin = user(s, "admin@vendor.example", Role::Admin, None).await;
    let west_manager = user(s, "west@vendor.example", Role::ChannelManager, None).await;
    let east_manager = user(s, "east@vendor.example", Role::ChannelManager, None).await;
    let west = s
        .create_region(None, "West", Some(west_manager.user_id), today())
        .await
        .unwrap();
    let east = s
        .create_region(None, "East", Some(east_manager.user_id), today())
        .await
        .unwrap();
    let orphan = s.create_region(None, "Islands", None, today()).await.unwrap();
    let a = partner(s, "Northwind AV", west.id).await;
    let b = partner(s, "Contoso Classrooms", west.id).await;
    let c = partner(s, "Fabrikam Integration", east.id).await;
    let partner_a = user(s, "ann@northwind.example", Role::PartnerUser, Some(a)).await;
    let partner_b = user(s, "bob@contoso.example", Role::PartnerAdmin, Some(b)).await;
    let partner_c = user(s, "cat@fabrikam.example", Role::PartnerUser, Some(c)).await;
    let order_entry = user(s, "orders@vendor.example", Role::OrderEntry, None).await;
    // The issue's numbers: list 5,000.00, partner 3,500.00, Commercial MSRP 4,999.00, GOV/ED RRSP 4,599.00.
    for (sku, name, accessory, prices) in [
        (
            "MB-100",
            "MimioBoard 100 interactive display",
            false,
            [500_000, 350_000, 499_900, 459_900],
        ),
        (
            "MB-200",
            "MimioBoard 200 interactive display",
            false,
            [500_000, 350_000, 499_900, 459_900],
        ),
        ("PEN-2", "Replacement pen, 2 pack", true, [4_900, 3_200, 4_500, 4_100]),
    ] {
        let [list, partner_price, msrp, rrsp] = prices;
        s.create_product(
            None,
            domain::directory::products::NewProduct {
                sku: sku.into(),
                name: name.into(),
                category: if accessory {
                    "accessories".into()
                } else {
                    "displays".into()
                },
                is_accessory: accessory,
                list_price_minor: list,
                partner_price_minor: partner_price,
                msrp_minor: msrp,
                rrsp_minor: rrsp,
                currency: Currency::parse("USD").unwrap(),
                maintenance_term_months: None,
                effective_from: None,
            },
            today(),
        )
        .await
        .unwrap();
    }
    World {
        store,
        admin,
        order_entry,
        west_manager,
        east_manager,
        partner_a,
        partner_b,
        partner_c,
        region_without_manager: orphan.id,
    }
}

pub fn customer(name: &str, domain: Option<&str>, city: &str) -> CustomerInput {
    CustomerInput {
        name: Some(name.into()),
        domain: domain.map(Into::into),
        tax_id: None,
        city: Some(city.into()),
        postal_code: Some("62701".into()),
        country: Some("US".into()),
        segment: Some("education".into()),
    }
}

pub fn registration(customer: CustomerInput, skus: &[&str]) -> domain::registrations::input::NewRegistration {
    let input = NewRegistrationInput {
        customer: Some(customer),
        products: Some(
            skus.iter()
                .map(|s| ProductLineInput {
                    sku: Some((*s).into()),
                    quantity: Some(10),
                })
                .collect(),
        ),
        estimated_value: Some(MoneyInput {
            amount_minor: Some(3_500_000),
            currency: Some("USD".into()),
        }),
        expected_close_date: Some("2027-01-31".into()),
        description: None,
    };
    parse_new_registration(&input, date(2026, 11, 22)).unwrap()
}

pub fn approval(acknowledge: bool) -> Approval {
    Approval {
        validity: ValidityChoice::ProgramDefault,
        acknowledge_conflicts: acknowledge,
        note: None,
    }
}

/// Files a registration for `name` in Springfield as `who`, on 2026-11-22.
pub async fn submit(w: &World, who: &Actor, name: &str, skus: &[&str]) -> Registration {
    w.store
        .submit_registration(who, registration(customer(name, None, "Springfield"), skus), today())
        .await
        .unwrap()
}

async fn notifications(w: &World, who: &Actor) -> Vec<Notification> {
    w.store
        .list_notifications(who, PageRequest::default())
        .await
        .unwrap()
        .items
}

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
        .close_registration(
            &w.partner_a,
            reg.id,
            domain::registrations::input::Outcome::Won,
            None,
            today(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Transition(_)));
}

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
            sessions_removed: 0,
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
        .close_registration(
            &w.partner_b,
            next.id,
            domain::registrations::input::Outcome::Won,
            None,
            today(),
        )
        .await
        .unwrap();
    assert_eq!(won.status, domain::registrations::Status::Won);
}

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

pub async fn idempotency_keys_keep_the_first_response(store: Arc<dyn Store>) {
    let w = world(store).await;
    let (s, user) = (w.store.as_ref(), w.partner_a.user_id);
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f1", today()).await.unwrap(),
        Reservation::Reserved
    );
    // A concurrent retry waits; a different request under the same key is refused.
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f1", today()).await.unwrap(),
        Reservation::InProgress
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f2", today()).await.unwrap(),
        Reservation::Mismatch
    );
    s.complete_idempotency_key(user, "k-1", 201, "{\"id\":1}")
        .await
        .unwrap();
    let done = StoredResponse {
        fingerprint: "f1".into(),
        status: 201,
        body: "{\"id\":1}".into(),
    };
    assert_eq!(
        s.reserve_idempotency_key(user, "k-1", "f1", today()).await.unwrap(),
        Reservation::Done(done)
    );
    // Keys are per user.
    assert_eq!(
        s.reserve_idempotency_key(w.partner_b.user_id, "k-1", "f9", today())
            .await
            .unwrap(),
        Reservation::Reserved
    );
    // A failed request frees its key; one that died unanswered is taken over after a minute.
    s.release_idempotency_key(w.partner_b.user_id, "k-1").await.unwrap();
    assert_eq!(
        s.reserve_idempotency_key(w.partner_b.user_id, "k-1", "f3", today())
            .await
            .unwrap(),
        Reservation::Reserved
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-2", "f1", today()).await.unwrap(),
        Reservation::Reserved
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-2", "f1", ts("2026-11-22T10:00:30Z"))
            .await
            .unwrap(),
        Reservation::InProgress
    );
    assert_eq!(
        s.reserve_idempotency_key(user, "k-2", "f1", ts("2026-11-22T10:01:01Z"))
            .await
            .unwrap(),
        Reservation::Reserved
    );
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
                cursor: page2.next_cursor.unwrap().parse().ok(),
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page3.items.len(), 1);
    assert_eq!(page3.next_cursor, None);
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

pub async fn master_data_is_validated_and_unique(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let dup = NewUserRecord {
        email: Email::parse("ANN@northwind.example").unwrap(),
        display_name: "Ann".into(),
        role: Role::PartnerUser,
        partner_id: w.partner_a.partner_id,
        password_hash: None,
    };
    assert!(matches!(
        s.create_user(None, dup, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    let orphan = NewUserRecord {
        email: Email::parse("x@y.example").unwrap(),
        display_name: "X".into(),
        role: Role::PartnerUser,
        partner_id: Some(9999),
        password_hash: None,
    };
    assert!(matches!(
        s.create_user(None, orphan, today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_region(None, "West", None, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.create_region(None, "North", Some(w.partner_a.user_id), today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_region(Some(&w.west_manager), "North", None, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let bad_region = domain::directory::input::NewPartner {
        name: "Nowhere AV".into(),
        level: PartnerLevel::Bronze,
        activation_stage: ActivationStage::FirstContact,
        region_id: 9999,
    };
    assert!(matches!(
        s.create_partner(None, bad_region, today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(s.find_user_by_email(" Ann@Northwind.example ").await.unwrap().is_some());
    let token = s
        .create_token(None, w.partner_a.user_id, "ci", "hash-1", today())
        .await
        .unwrap();
    assert_eq!(
        s.authenticate("hash-1").await.unwrap().unwrap().partner_id,
        w.partner_a.partner_id
    );
    s.revoke_token(Some(&w.admin), token.id, today()).await.unwrap();
    assert_eq!(s.authenticate("hash-1").await.unwrap(), None);
    // A deactivated user's tokens stop working at once; reactivated, they work again.
    let ann_token = s
        .create_token(None, w.partner_a.user_id, "ann", "hash-ann", today())
        .await
        .unwrap();
    assert!(matches!(
        s.set_user_active(Some(&w.partner_b), w.partner_a.user_id, false, today())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_user_active(Some(&w.west_manager), w.partner_a.user_id, false, today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(
        !s.set_user_active(Some(&w.admin), w.partner_a.user_id, false, today())
            .await
            .unwrap()
            .active
    );
    assert_eq!(s.authenticate("hash-ann").await.unwrap(), None);
    assert!(
        s.set_user_active(None, w.partner_a.user_id, true, today())
            .await
            .unwrap()
            .active
    );
    assert_eq!(
        s.authenticate("hash-ann").await.unwrap().map(|a| a.user_id),
        Some(ann_token.user_id)
    );
    let mut settings = s.settings().await.unwrap();
    settings.default_validity_days = 0;
    assert!(matches!(
        s.update_settings(&w.admin, settings.clone(), today()).await,
        Err(StoreError::Invalid(_))
    ));
    settings.default_validity_days = 60;
    assert!(matches!(
        s.update_settings(&w.west_manager, settings.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(
        s.update_settings(&w.admin, settings, today())
            .await
            .unwrap()
            .default_validity_days,
        60
    );
}

// ---------------------------------------------------------------------------------------------
// Order entry (ORD-1 … ORD-5). Prices: MB-100 list 5,000.00, partner 3,500.00, MSRP 4,999.00,
// RRSP 4,599.00; PEN-2 (an accessory) partner 32.00.

/// A PO for `customer` citing `sor`, parsed as the API would.
pub fn order(po: &str, customer: CustomerInput, sor: Option<&str>, lines: &[(&str, i64)]) -> NewOrder {
    parse_order(&OrderInput {
        partner_id: None,
        po_number: Some(po.into()),
        customer: Some(customer),
        sor_number: sor.map(Into::into),
        lines: Some(
            lines
                .iter()
                .map(|(sku, quantity)| ProductLineInput {
                    sku: Some((*sku).into()),
                    quantity: Some(*quantity),
                })
                .collect(),
        ),
    })
    .unwrap()
}

fn school() -> CustomerInput {
    customer("Springfield School District", None, "Springfield")
}

/// Partner A's registration of 10 × MB-100 for the school district, approved on 2026-11-22 (valid
/// through 2027-02-20): SOR-2026-000001.
async fn approved_school_sor(w: &World) -> Registration {
    let reg = submit(w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let reg = w
        .store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    assert_eq!(reg.sor_number.as_deref(), Some("SOR-2026-000001"));
    reg
}

async fn enter(w: &World, who: &Actor, order: NewOrder, at: jiff::Timestamp) -> Order {
    let entry = w.store.enter_order(who, order, at).await.unwrap();
    assert!(entry.created);
    entry.order
}

/// Partner A enters a PO for the school district today.
async fn school_po(w: &World, po: &str, sor: Option<&str>, lines: &[(&str, i64)]) -> Order {
    school_po_at(w, po, sor, lines, today()).await
}

async fn school_po_at(w: &World, po: &str, sor: Option<&str>, lines: &[(&str, i64)], at: jiff::Timestamp) -> Order {
    enter(w, &w.partner_a, order(po, school(), sor, lines), at).await
}

async fn set_pricing(w: &World, no_sor: NoSorPricing, over_order: OverOrderPolicy) {
    let mut settings = w.store.settings().await.unwrap();
    settings.no_sor_pricing = no_sor;
    settings.over_order = over_order;
    w.store.update_settings(&w.admin, settings, today()).await.unwrap();
}

pub async fn orders_are_priced_under_a_valid_sor_and_by_policy_without(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = approved_school_sor(&w).await;
    let o = school_po(&w, "PO-1", Some("sor-2026-000001"), &[("MB-100", 2)]).await;
    assert_eq!(
        (o.status, o.order_date, o.total.amount_minor),
        (OrderStatus::Accepted, date(2026, 11, 22), 700_000)
    );
    let line = &o.lines[0];
    assert_eq!(
        (line.basis, line.unit_price.map(|m| m.amount_minor)),
        (Some(PriceBasis::PartnerPrice), Some(350_000))
    );
    assert_eq!(line.reason, "partner price under SOR-2026-000001");
    assert_eq!(line.sor_number.as_deref(), Some("SOR-2026-000001"));
    // The SOR shows what has been ordered against it; those who may read orders see which.
    let seen = w.store.get_registration(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(
        (
            seen.products[0].ordered_quantity,
            seen.products[0].ordered_value.amount_minor
        ),
        (2, 700_000)
    );
    assert_eq!(seen.orders.as_ref().map(|o| o[0].po_number.as_str()), Some("PO-1"));
    assert_eq!(
        w.store.get_registration(&w.west_manager, reg.id).await.unwrap().orders,
        None
    );

    // No SOR under the seed's rule: refused, and the partner is told.
    let o = school_po(&w, "PO-2", None, &[("MB-100", 1)]).await;
    assert_eq!((o.status, o.total.amount_minor), (OrderStatus::Refused, 0));
    assert_eq!(o.lines[0].reason, "refused: no SOR");
    let inbox = notifications(&w, &w.partner_a).await;
    assert!(
        inbox
            .iter()
            .any(|n| n.kind == "order_refused" && n.entity_id == o.id && n.body.contains("refused: no SOR"))
    );

    // Re-pricing policy: MSRP for a commercial customer, RRSP for a school district.
    set_pricing(&w, NoSorPricing::Reprice, OverOrderPolicy::Warn).await;
    let o = school_po(&w, "PO-3", None, &[("MB-100", 1)]).await;
    assert_eq!(
        (o.lines[0].basis, o.total.amount_minor),
        (Some(PriceBasis::GovEdRrsp), 459_900)
    );
    assert_eq!(o.lines[0].reason, "GOV/ED RRSP: no SOR");
    let mut acme = customer("Acme Manufacturing", Some("acme.example"), "Springfield");
    acme.segment = Some("commercial".into());
    let o = enter(&w, &w.partner_a, order("PO-4", acme, None, &[("MB-100", 1)]), today()).await;
    assert_eq!(
        (o.lines[0].basis, o.total.amount_minor),
        (Some(PriceBasis::CommercialMsrp), 499_900)
    );
    assert_eq!(o.lines[0].reason, "Commercial MSRP: no SOR");

    // Order entry enters POs for a named partner; other staff do not enter orders.
    let mut for_a = order("PO-5", school(), Some("SOR-2026-000001"), &[("MB-100", 1)]);
    assert!(matches!(
        w.store.enter_order(&w.order_entry, for_a.clone(), today()).await,
        Err(StoreError::Invalid(e)) if e.0[0].field == "partner_id"
    ));
    for_a.partner_id = w.partner_a.partner_id;
    let o = enter(&w, &w.order_entry, for_a.clone(), today()).await;
    assert_eq!(
        (o.partner_id, o.entered_by),
        (w.partner_a.partner_id.unwrap(), w.order_entry.user_id)
    );
    assert!(matches!(
        w.store.enter_order(&w.west_manager, for_a, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    // Every decision is in the audit trail, and the chain holds.
    let verification = w.store.verify_audit().await.unwrap();
    assert_eq!(verification.first_bad_id, None);
}

pub async fn an_expired_sor_refuses_boards_but_prices_accessories(store: Arc<dyn Store>) {
    let w = world(store).await;
    approved_school_sor(&w).await;
    // The last valid day still counts (valid through 2027-02-20, inclusive).
    let last_day = ts("2027-02-20T10:00:00Z");
    let o = school_po_at(&w, "PO-10", Some("SOR-2026-000001"), &[("MB-100", 1)], last_day).await;
    assert_eq!(o.status, OrderStatus::Accepted);
    let later = ts("2027-03-01T10:00:00Z");
    w.store.run_sweeps(later).await.unwrap();
    let lines = [("MB-100", 1), ("PEN-2", 10)];
    let o = school_po_at(&w, "PO-11", Some("SOR-2026-000001"), &lines, later).await;
    assert_eq!(o.status, OrderStatus::PartiallyAccepted);
    assert_eq!(
        o.lines[0].reason,
        "refused: SOR-2026-000001 expired (valid through 2027-02-20)"
    );
    assert_eq!(
        (
            o.lines[1].unit_price.unwrap().amount_minor,
            o.lines[1].amount.amount_minor
        ),
        (3_200, 32_000)
    );
    assert_eq!(o.total.amount_minor, 32_000);
    // Citing nothing, accessories still go under the customer's most recent SOR (ORD-4).
    let o = enter(&w, &w.partner_a, order("PO-12", school(), None, &[("PEN-2", 4)]), later).await;
    assert_eq!(o.lines[0].sor_number.as_deref(), Some("SOR-2026-000001"));
    assert!(
        o.lines[0]
            .reason
            .starts_with("partner price under SOR-2026-000001 (accessory"),
        "{}",
        o.lines[0].reason
    );
    // Another partner gets nothing from partner A's SOR.
    let o = enter(&w, &w.partner_b, order("PO-12", school(), None, &[("PEN-2", 4)]), later).await;
    assert_eq!(o.lines[0].reason, "refused: no SOR");
}

pub async fn the_same_po_is_entered_once(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = approved_school_sor(&w).await;
    let po = order("PO-20", school(), Some("SOR-2026-000001"), &[("MB-100", 3)]);
    let first = enter(&w, &w.partner_a, po.clone(), today()).await;
    let OrderEntry { order: again, created } = w
        .store
        .enter_order(&w.partner_a, po.clone(), ts("2026-11-23T10:00:00Z"))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again, first);
    let changed = order("PO-20", school(), Some("SOR-2026-000001"), &[("MB-100", 4)]);
    assert!(matches!(
        w.store.enter_order(&w.partner_a, changed, today()).await,
        Err(StoreError::Conflict { message, .. }) if message.contains(&format!("order #{}", first.id))
    ));
    // The same PO sent eight times at once: one order.
    let po = order("PO-21", school(), Some("SOR-2026-000001"), &[("MB-100", 2)]);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, who, po) = (w.store.clone(), w.partner_a.clone(), po.clone());
            tokio::spawn(async move { store.enter_order(&who, po, today()).await.unwrap() })
        })
        .collect();
    let mut ids = Vec::new();
    let mut created = 0;
    for task in tasks {
        let entry = task.await.unwrap();
        ids.push(entry.order.id);
        created += usize::from(entry.created);
    }
    ids.dedup();
    assert_eq!((ids.len(), created), (1, 1));
    let seen = w.store.get_registration(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(seen.products[0].ordered_quantity, 5);
}

pub async fn orders_are_private_to_their_partner(store: Arc<dyn Store>) {
    let w = world(store).await;
    approved_school_sor(&w).await;
    let mine = school_po(&w, "PO-30", Some("SOR-2026-000001"), &[("MB-100", 1)]).await;
    // Partner B citing A's SOR learns no more than citing a number that does not exist.
    let mut b_orders = Vec::new();
    for (po, sor) in [("PO-30", "SOR-2026-000001"), ("PO-31", "SOR-2026-000999")] {
        let o = enter(
            &w,
            &w.partner_b,
            order(po, school(), Some(sor), &[("MB-100", 1)]),
            today(),
        )
        .await;
        assert_eq!(
            o.lines[0].reason,
            format!("refused: {sor} is not an SOR of this partner")
        );
        b_orders.insert(0, o.id);
    }
    assert!(matches!(
        w.store.get_order(&w.partner_b, mine.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store.get_order(&w.west_manager, mine.id).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(w.store.get_order(&w.order_entry, mine.id).await.unwrap().id, mine.id);
    let listed = w
        .store
        .list_orders(&w.partner_b, OrderFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.iter().map(|o| o.id).collect::<Vec<_>>(), b_orders);
    let a_only = OrderFilter {
        partner_id: w.partner_a.partner_id,
        ..OrderFilter::default()
    };
    assert!(
        w.store
            .list_orders(&w.partner_b, a_only.clone(), PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        w.store
            .list_orders(&w.admin, a_only, PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(matches!(
        w.store
            .list_orders(&w.west_manager, OrderFilter::default(), PageRequest::default())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let mut for_a = order("PO-32", school(), None, &[("MB-100", 1)]);
    for_a.partner_id = w.partner_a.partner_id;
    assert!(matches!(
        w.store.enter_order(&w.partner_b, for_a, today()).await,
        Err(StoreError::Invalid(e)) if e.0[0].field == "partner_id"
    ));
}

pub async fn follow_on_orders_draw_down_the_sor_and_closing_links_them(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = approved_school_sor(&w).await;
    let first = school_po(&w, "PO-40", Some("SOR-2026-000001"), &[("MB-100", 6)]).await;
    assert_eq!(first.lines[0].warning, None);
    let second = school_po(&w, "PO-41", Some("SOR-2026-000001"), &[("MB-100", 6)]).await;
    assert_eq!(second.status, OrderStatus::Accepted);
    assert_eq!(
        second.lines[0].warning.as_deref(),
        Some("exceeds the registration: 12 of 10 registered on SOR-2026-000001 would be ordered (6 before this line)")
    );
    set_pricing(&w, NoSorPricing::Reject, OverOrderPolicy::Refuse).await;
    let third = school_po(&w, "PO-42", Some("SOR-2026-000001"), &[("MB-100", 1)]).await;
    assert_eq!(third.status, OrderStatus::Refused);
    let seen = w.store.get_registration(&w.partner_a, reg.id).await.unwrap();
    assert_eq!(
        (
            seen.products[0].ordered_quantity,
            seen.products[0].ordered_value.amount_minor
        ),
        (12, 4_200_000)
    );
    // Filter by SOR: orders citing it, priced under it or not.
    let filter = OrderFilter {
        sor_number: Some("SOR-2026-000001".into()),
        status: Some(OrderStatus::Accepted),
        ..OrderFilter::default()
    };
    let listed = w
        .store
        .list_orders(&w.order_entry, filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [second.id, first.id]
    );
    // Closing as won links the orders drawn on the SOR.
    let won = w
        .store
        .close_registration(
            &w.partner_a,
            reg.id,
            domain::registrations::input::Outcome::Won,
            None,
            today(),
        )
        .await
        .unwrap();
    let links = won.orders.unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| (l.order_id, l.value.amount_minor))
            .collect::<Vec<_>>(),
        [(first.id, 2_100_000), (second.id, 2_100_000)]
    );
    let history = w.store.registration_history(&w.partner_a, reg.id).await.unwrap();
    let linked = history
        .iter()
        .find(|e| e.action == "registration.orders_linked")
        .unwrap();
    assert_eq!(linked.after.as_ref().unwrap()["ordered_value_minor"], 4_200_000);
}

pub async fn price_versions_apply_from_their_date_and_imports_are_whole(store: Arc<dyn Store>) {
    let w = world(store).await;
    approved_school_sor(&w).await;
    let header = "sku,name,category,accessory,currency,list_price,partner_price,msrp,rrsp,effective_from";
    let next_year = format!(
        "{header}\nMB-100,MimioBoard 100 interactive display,displays,no,USD,5200.00,3600.00,5199.00,4799.00,2026-12-01\n"
    );
    let rows = parse_price_list(&next_year, date(2026, 11, 22)).unwrap();
    let report = w
        .store
        .import_products(Some(&w.admin), rows, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.rows, report.created, report.updated), (1, 0, 1));
    let products = w
        .store
        .list_products(today(), PageRequest::default())
        .await
        .unwrap()
        .items;
    let board = products.iter().find(|p| p.sku == "MB-100").unwrap();
    assert_eq!(board.price.as_ref().unwrap().partner_price.amount_minor, 350_000);
    let next = board.next_price.as_ref().unwrap();
    assert_eq!(
        (next.effective_from, next.partner_price.amount_minor),
        (date(2026, 12, 1), 360_000)
    );
    let before = school_po(&w, "PO-50", Some("SOR-2026-000001"), &[("MB-100", 1)]).await;
    let after = ts("2026-12-01T10:00:00Z");
    let o = school_po_at(&w, "PO-51", Some("SOR-2026-000001"), &[("MB-100", 1)], after).await;
    assert_eq!(o.total.amount_minor, 360_000);
    // A new version never changes an order already entered.
    assert_eq!(
        w.store
            .get_order(&w.partner_a, before.id)
            .await
            .unwrap()
            .total
            .amount_minor,
        350_000
    );

    // A file with one bad row imports nothing; the row is named.
    let exported = w.store.export_products().await.unwrap();
    let bad = format!(
        "{header}\nNEW-1,New,displays,no,USD,1.00,1.00,1.00,1.00,\nNEW-2,Newer,displays,no,EUR,1.00,1.00,1.00,1.00,\n"
    );
    let rows = parse_price_list(&bad, date(2026, 11, 22)).unwrap();
    match w.store.import_products(Some(&w.admin), rows, today(), &|_| {}).await {
        Err(StoreError::Invalid(e)) => assert_eq!((e.0[0].line, e.0[0].field.as_str()), (Some(3), "currency")),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.store.export_products().await.unwrap(), exported);
    assert!(matches!(
        w.store
            .import_products(Some(&w.partner_a), Vec::new(), today(), &|_| {})
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // An export imports back unchanged.
    let text = crate::files::price_list_csv(&exported);
    let rows = parse_price_list(&text, date(2026, 11, 22)).unwrap();
    let report = w
        .store
        .import_products(Some(&w.admin), rows, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.rows, report.created, report.updated), (4, 0, 3));
    assert_eq!(w.store.export_products().await.unwrap(), exported);

    // Partners: regions by name; unknown ones are row errors.
    let partners = parse_partners("name,level,activation_stage,region\nNorthwind AV,platinum,fully_operational,west\nLitware,silver,ramp_up,Atlantis\n").unwrap();
    match w
        .store
        .import_partners(Some(&w.admin), partners, today(), &|_| {})
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!((e.0[0].line, e.0[0].field.as_str()), (Some(3), "region")),
        other => panic!("{other:?}"),
    }
    let partners = parse_partners("name,level,activation_stage,region\nNorthwind AV,platinum,fully_operational,west\nLitware,silver,ramp_up,East\n").unwrap();
    let report = w
        .store
        .import_partners(Some(&w.admin), partners, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (1, 1));
    let listed = w.store.export_partners(None).await.unwrap();
    let northwind = listed.iter().find(|p| p.partner.name == "Northwind AV").unwrap();
    assert_eq!(
        (northwind.partner.level, northwind.region.as_str()),
        (PartnerLevel::Platinum, "West")
    );

    // Customers: the vendor's segment decides RRSP or MSRP.
    set_pricing(&w, NoSorPricing::Reprice, OverOrderPolicy::Warn).await;
    let customers = parse_customers(
        "name,city,country,segment\nSpringfield School District,Springfield,US,commercial\nShelbyville Hospital,Shelbyville,US,commercial\n",
    )
    .unwrap();
    let report = w
        .store
        .import_customers(Some(&w.west_manager), customers, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.rows, report.created, report.updated), (2, 1, 1));
    let o = school_po(&w, "PO-52", None, &[("MB-100", 1)]).await;
    assert_eq!(o.lines[0].basis, Some(PriceBasis::CommercialMsrp));
    assert!(matches!(
        w.store.export_customers(Some(&w.partner_a)).await,
        Err(StoreError::Forbidden(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Browser sign-in (PLT-5).

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

pub async fn dashboard_figures_aggregate_by_week(store: Arc<dyn Store>) {
    let w = world(store).await;
    let first = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let second = submit(&w, &w.partner_c, "Capital City Schools", &["MB-200"]).await;
    w.store
        .approve_registration(&w.west_manager, first.id, approval(false), ts("2026-11-22T12:00:00Z"))
        .await
        .unwrap();
    w.store
        .decline_registration(
            &w.east_manager,
            second.id,
            "direct account".into(),
            ts("2026-11-22T15:00:00Z"),
        )
        .await
        .unwrap();
    let report = w.store.report(&w.admin, ts("2026-01-01T00:00:00Z")).await.unwrap();
    // Filed on Sunday 2026-11-22: the week starting Monday 2026-11-16.
    let week = date(2026, 11, 16);
    let filed: Vec<_> = report.filed.iter().map(|f| (f.week_start, f.status, f.count)).collect();
    assert_eq!(
        filed,
        [
            (week, domain::registrations::Status::Approved, 1),
            (week, domain::registrations::Status::Declined, 1)
        ]
    );
    // Decided after 2 and 5 hours: on average 3 h 30 min.
    assert_eq!(
        report.decision_minutes,
        [WeekValue {
            week_start: week,
            value: 210
        }]
    );
    assert_eq!((report.approved[0].value, report.declined[0].value), (1, 1));
    assert_eq!(report.pipeline.len(), 1);
    assert_eq!(
        (report.pipeline[0].partner.as_str(), report.pipeline[0].region.as_str()),
        ("Northwind AV", "West")
    );
    assert_eq!(report.pipeline[0].value.amount_minor, 3_500_000);
    // A partner's figures are its own.
    let mine = w.store.report(&w.partner_c, ts("2026-01-01T00:00:00Z")).await.unwrap();
    assert_eq!(mine.filed.iter().map(|f| f.count).sum::<i64>(), 1);
    assert!(mine.pipeline.is_empty());
    assert!(
        w.store
            .report(&w.admin, ts("2026-12-01T00:00:00Z"))
            .await
            .unwrap()
            .filed
            .is_empty()
    );
}
