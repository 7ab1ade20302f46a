//! Opportunities and the rules of engagement (ROE-1 … ROE-5), with the suite's dates: today is
//! 2026-11-22; the program's grace is 90 days; MB-100 and MB-200 list at 5,000.00.

use crate::{World, approval, customer, notifications, submit, today, ts, user, world};
use domain::directory::{ActivationStage, PartnerLevel};
use domain::money::MoneyInput;
use domain::opportunities::input::{
    MajorAccount, NewOpportunity, NewOpportunityInput, OpportunityUpdate, Reassignment, Selection,
    parse_new_opportunity,
};
use domain::opportunities::{DocumentPurpose, MemberRole, Party, Source, Status};
use domain::registrations::input::Outcome;
use domain::{Actor, Currency, Role};
use jiff::civil::{Date, date};
use std::sync::Arc;
use store::*;

/// An opportunity for `account` in Springfield forecasting `lines` at 10,000.00, closing on `close`,
/// parsed as the API would on `on`.
fn opportunity(account: &str, lines: &[(&str, i64)], close: &str, on: Date) -> NewOpportunity {
    parse_new_opportunity(
        &NewOpportunityInput {
            customer: Some(customer(account, None, "Springfield")),
            name: Some(format!("{account} classrooms")),
            stage: None,
            forecast: Some(MoneyInput {
                amount_minor: Some(1_000_000),
                currency: Some("USD".into()),
            }),
            close_date: Some(close.into()),
            products: Some(crate::product_lines(lines)),
            plan: Some("Demo in the library, then a pilot".into()),
            manager: None,
        },
        on,
    )
    .unwrap()
}

async fn sales_management(w: &World) -> Actor {
    user(w.store.as_ref(), "salesmgmt@vendor.example", Role::SalesManager, None).await
}

fn kinds(list: &[Notification]) -> Vec<String> {
    list.iter().map(|n| n.kind.clone()).collect()
}

fn conflict_message(result: StoreResult<OpportunityDetail>) -> String {
    match result {
        Err(StoreError::Conflict { message, .. }) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn an_approved_registration_makes_its_partner_the_manager(store: Arc<dyn Store>) {
    let w = world(store).await;
    let reg = submit(&w, &w.partner_a, "Lincoln High", &["MB-100"]).await;
    assert_eq!(
        reg.opportunity_id, None,
        "a submitted registration has no opportunity yet"
    );
    let reg = w
        .store
        .approve_registration(&w.west_manager, reg.id, approval(false), today())
        .await
        .unwrap();
    let id = reg.opportunity_id.expect("approval links an opportunity");
    let o = w.store.get_opportunity(&w.partner_a, id).await.unwrap();
    assert_eq!(o.opportunity.number, "OPP-2026-000001");
    assert_eq!(o.opportunity.source, Source::Registration);
    assert_eq!(
        o.opportunity.manager.party,
        Party::partner(w.partner_a.partner_id.unwrap())
    );
    assert_eq!(o.opportunity.forecast.amount_minor, 3_500_000);
    // Expected close 2027-01-31 + 90 days = 2027-05-01, later than the SOR's 2027-02-20.
    assert_eq!(o.opportunity.rights_through, date(2027, 5, 1));
    assert_eq!(o.registrations[0].sor_number.as_deref(), Some("SOR-2026-000001"));
    assert_eq!(o.managers.len(), 1);
    // An order under its SOR shows on the opportunity.
    let sor = reg.sor_number.clone().unwrap();
    let po = crate::orders::order(
        "PO-OPP-1",
        customer("Lincoln High", None, "Springfield"),
        Some(&sor),
        &[("MB-100", 2)],
    );
    w.store.enter_order(&w.partner_a, po, today()).await.unwrap();
    let o = w.store.get_opportunity(&w.partner_a, id).await.unwrap();
    assert_eq!(o.orders.len(), 1);
    assert_eq!(o.orders[0].value.amount_minor, 700_000);
    // An extension of the SOR past the grace moves the rights with it.
    let asked = w
        .store
        .request_change(
            &w.partner_a,
            reg.id,
            domain::registrations::input::ChangeRequest::Extension {
                valid_through: date(2027, 6, 30),
            },
            None,
            today(),
        )
        .await
        .unwrap();
    w.store
        .decide_change(&w.west_manager, asked.id, true, None, today())
        .await
        .unwrap();
    let o = w.store.get_opportunity(&w.admin, id).await.unwrap();
    assert_eq!(o.opportunity.rights_through, date(2027, 6, 30));
    // Another partner neither reads nor lists it.
    assert!(matches!(
        w.store.get_opportunity(&w.partner_b, id).await,
        Err(StoreError::NotFound(_))
    ));
    let listed = w
        .store
        .list_opportunities(&w.partner_b, OpportunityFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert!(listed.items.is_empty());
}

pub async fn rights_cover_the_forecast_until_the_grace_ends(store: Arc<dyn Store>) {
    let w = world(store).await;
    let on = date(2026, 11, 22);
    let a = w
        .store
        .open_opportunity(
            &w.partner_a,
            opportunity("Jefferson Elementary", &[("MB-100", 4)], "2026-12-31", on),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(a.opportunity.rights_through, date(2027, 3, 31));
    assert_eq!(a.opportunity.stage, "Qualification");
    // Another partner cannot pursue the forecasted product, and learns until when, not whose.
    let refused = w
        .store
        .open_opportunity(
            &w.partner_b,
            opportunity("Jefferson Elementary", &[("MB-100", 1)], "2027-01-31", on),
            today(),
        )
        .await;
    let message = conflict_message(refused);
    assert!(message.contains("through 2027-03-31"), "{message}");
    assert!(!message.contains("OPP-"), "{message}");
    // Products the manager did not forecast are free, without a conflict.
    w.store
        .open_opportunity(
            &w.partner_b,
            opportunity("Jefferson Elementary", &[("MB-200", 1)], "2027-01-31", on),
            today(),
        )
        .await
        .unwrap();
    // Reminded 14 days before the rights end, once; still holding on their last day.
    let report = w.store.run_sweeps(ts("2027-03-17T12:00:00Z")).await.unwrap();
    assert_eq!((report.rights_reminders, report.rights_ended), (1, 0));
    assert_eq!(
        w.store
            .run_sweeps(ts("2027-03-18T12:00:00Z"))
            .await
            .unwrap()
            .rights_reminders,
        0
    );
    assert_eq!(
        w.store
            .run_sweeps(ts("2027-03-31T23:00:00Z"))
            .await
            .unwrap()
            .rights_ended,
        0
    );
    let report = w.store.run_sweeps(ts("2027-04-01T00:30:00Z")).await.unwrap();
    assert_eq!(report.rights_ended, 1, "the MB-200 opportunity closes later and holds");
    let lapsed = w.store.get_opportunity(&w.admin, a.opportunity.id).await.unwrap();
    assert_eq!(lapsed.opportunity.status, Status::Lapsed);
    assert!(kinds(&notifications(&w, &w.partner_a).await).contains(&"opportunity_rights_ended".to_owned()));
    assert!(kinds(&notifications(&w, &w.west_manager).await).contains(&"opportunity_rights_ended".to_owned()));
    // The account is open to all: partner B may now pursue MB-100.
    w.store
        .open_opportunity(
            &w.partner_b,
            opportunity("Jefferson Elementary", &[("MB-100", 1)], "2027-05-31", date(2027, 4, 1)),
            ts("2027-04-01T09:00:00Z"),
        )
        .await
        .unwrap();
}

pub async fn a_later_close_date_waits_for_sales_management(store: Arc<dyn Store>) {
    let w = world(store).await;
    let lead = sales_management(&w).await;
    let o = w
        .store
        .open_opportunity(
            &w.partner_a,
            opportunity("Adams Academy", &[("MB-100", 2)], "2027-01-31", date(2026, 11, 22)),
            today(),
        )
        .await
        .unwrap();
    let id = o.opportunity.id;
    let later = OpportunityUpdate {
        close_date: Some(date(2027, 3, 31)),
        ..OpportunityUpdate::default()
    };
    assert!(matches!(
        w.store.update_opportunity(&w.partner_a, id, later, today()).await,
        Err(StoreError::Invalid(_))
    ));
    let earlier = OpportunityUpdate {
        close_date: Some(date(2027, 1, 15)),
        stage: Some("proposal".into()),
        ..OpportunityUpdate::default()
    };
    let o = w
        .store
        .update_opportunity(&w.partner_a, id, earlier, today())
        .await
        .unwrap();
    assert_eq!(
        (o.opportunity.rights_through, o.opportunity.stage.as_str()),
        (date(2027, 4, 15), "Proposal")
    );
    w.store
        .request_close_date(
            &w.partner_a,
            id,
            date(2027, 3, 31),
            "Budget moved to Q1".into(),
            today(),
        )
        .await
        .unwrap();
    assert!(matches!(
        w.store
            .request_close_date(&w.partner_a, id, date(2027, 4, 30), "Again".into(), today())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(kinds(&notifications(&w, &lead).await).contains(&"close_date_requested".to_owned()));
    assert!(matches!(
        w.store.decide_close_date(&w.partner_a, id, true, None, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let o = w
        .store
        .decide_close_date(&lead, id, true, Some("Agreed".into()), today())
        .await
        .unwrap();
    assert_eq!(o.opportunity.close_date, date(2027, 3, 31));
    assert_eq!(o.opportunity.rights_through, date(2027, 6, 29));
    assert_eq!(o.requests[0].status, "approved");
    assert!(kinds(&notifications(&w, &w.partner_a).await).contains(&"close_date_approved".to_owned()));
}

pub async fn a_major_account_turns_business_over_and_shares_only_with_consent(store: Arc<dyn Store>) {
    let w = world(store).await;
    let lead = sales_management(&w).await;
    let mam_user = user(w.store.as_ref(), "mam@vendor.example", Role::Sales, None).await;
    let mam = Party::user(mam_user.user_id);
    let a_party = Party::partner(w.partner_a.partner_id.unwrap());
    let on = date(2026, 11, 22);
    let o = w
        .store
        .open_opportunity(
            &w.partner_a,
            opportunity("Roosevelt District", &[("MB-100", 3)], "2027-02-28", on),
            today(),
        )
        .await
        .unwrap();
    let id = o.opportunity.id;
    let account = MajorAccount {
        customer_id: o.opportunity.customer_id,
        manager: mam,
        plan: "Grow the district to every campus by 2028".into(),
    };
    assert!(matches!(
        w.store.elevate_account(&w.west_manager, account.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let record = w.store.elevate_account(&lead, account, today()).await.unwrap();
    assert_eq!((record.manager.party, record.open_opportunities), (mam, 1));
    let turned = w.store.get_opportunity(&w.partner_a, id).await.unwrap();
    assert_eq!(turned.opportunity.manager.party, mam);
    assert_eq!(turned.members[0].role, MemberRole::TurnedOver);
    assert_eq!(turned.managers.len(), 2);
    // The MAM's rights cover the whole account: another partner's other product is in their way.
    conflict_message(
        w.store
            .open_opportunity(
                &w.partner_c,
                opportunity("Roosevelt District", &[("MB-200", 1)], "2027-02-28", on),
                today(),
            )
            .await,
    );
    // Shares must total 100%.
    assert!(matches!(
        w.store
            .ask_revenue_share(&w.partner_a, id, vec![(a_party, 3000), (mam, 8000)], today())
            .await,
        Err(StoreError::Invalid(_))
    ));
    w.store
        .ask_revenue_share(&w.partner_a, id, vec![(a_party, 3000), (mam, 7000)], today())
        .await
        .unwrap();
    assert!(kinds(&notifications(&w, &mam_user).await).contains(&"revenue_share_asked".to_owned()));
    // Consent is the MAM's own: sales management cannot give it.
    assert!(matches!(
        w.store.decide_revenue_share(&lead, id, true, None, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let agreed = w
        .store
        .decide_revenue_share(&mam_user, id, true, Some("Happy to team".into()), today())
        .await
        .unwrap();
    assert_eq!(agreed.opportunity.manager.party, a_party);
    let mut shares: Vec<(Party, Option<u32>)> = agreed
        .members
        .iter()
        .filter(|m| m.role == MemberRole::RevenueShare)
        .map(|m| (m.member.party, m.share_bp))
        .collect();
    shares.sort();
    let mut expected = vec![(a_party, Some(3000)), (mam, Some(7000))];
    expected.sort();
    assert_eq!(shares, expected);
    // A team of the original manager and the MAM holds only its forecast; another party's new
    // opportunity on the major account goes to the MAM.
    let b = w
        .store
        .open_opportunity(
            &w.partner_b,
            opportunity("Roosevelt District", &[("MB-200", 1)], "2027-03-31", on),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(b.opportunity.manager.party, mam);
}

pub async fn a_new_opportunity_on_a_major_account_goes_to_its_mam(store: Arc<dyn Store>) {
    let w = world(store).await;
    let lead = sales_management(&w).await;
    let mam_user = user(w.store.as_ref(), "mam@vendor.example", Role::Sales, None).await;
    let mam = Party::user(mam_user.user_id);
    let customer_id = w
        .store
        .create_customer(
            Some(&w.admin),
            domain::directory::customers::parse_customer(
                &customer("Hoover County Schools", None, "Springfield"),
                "",
                &mut domain::FieldErrors::default(),
            )
            .unwrap(),
            today(),
        )
        .await
        .unwrap()
        .id;
    w.store
        .elevate_account(
            &lead,
            MajorAccount {
                customer_id,
                manager: mam,
                plan: "County-wide refresh".into(),
            },
            today(),
        )
        .await
        .unwrap();
    let b = w
        .store
        .open_opportunity(
            &w.partner_b,
            opportunity(
                "Hoover County Schools",
                &[("MB-200", 1)],
                "2027-03-31",
                date(2026, 11, 22),
            ),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(b.opportunity.manager.party, mam);
    assert_eq!(
        b.managers[0].manager.party,
        Party::partner(w.partner_b.partner_id.unwrap())
    );
    assert!(kinds(&notifications(&w, &mam_user).await).contains(&"opportunity_assigned".to_owned()));
    let id = b.opportunity.id;
    let b_party = Party::partner(w.partner_b.partner_id.unwrap());
    w.store
        .ask_revenue_share(&w.partner_b, id, vec![(b_party, 5000), (mam, 5000)], today())
        .await
        .unwrap();
    let refused = w
        .store
        .decide_revenue_share(&mam_user, id, false, None, today())
        .await
        .unwrap();
    assert_eq!(refused.opportunity.manager.party, mam);
    assert!(refused.members.iter().all(|m| m.role != MemberRole::RevenueShare));
    assert_eq!(refused.requests[0].status, "declined");
    // Without a MAM's turnover there is nobody to ask.
    assert!(matches!(
        w.store.ask_revenue_share(&w.partner_a, id, vec![], today()).await,
        Err(StoreError::NotFound(_))
    ));
}

/// A product with a 12-month support term, listed at 300.00.
async fn support_product(w: &World) {
    w.store
        .create_product(
            None,
            domain::directory::products::NewProduct {
                sku: "SUP-12".into(),
                name: "MimioCare support, 12 months".into(),
                category: "services".into(),
                is_accessory: false,
                list_price_minor: 30_000,
                partner_price_minor: 21_000,
                msrp_minor: 29_900,
                rrsp_minor: 27_500,
                currency: Currency::parse("USD").unwrap(),
                maintenance_term_months: Some(12),
                effective_from: None,
            },
            today(),
        )
        .await
        .unwrap();
}

pub async fn a_won_renewal_keeps_its_manager_until_sales_management_moves_the_stream(store: Arc<dyn Store>) {
    let w = world(store).await;
    let lead = sales_management(&w).await;
    support_product(&w).await;
    let o = w
        .store
        .open_opportunity(
            &w.partner_a,
            opportunity(
                "Madison Middle School",
                &[("MB-100", 2), ("SUP-12", 2)],
                "2026-12-15",
                date(2026, 11, 22),
            ),
            today(),
        )
        .await
        .unwrap();
    let won = w
        .store
        .close_opportunity(
            &w.partner_a,
            o.opportunity.id,
            Outcome::Won,
            None,
            ts("2026-12-15T15:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(won.opportunity.status, Status::Won);
    let renewal_id = won.renewals[0];
    let renewal = w
        .store
        .get_opportunity(&w.partner_a, renewal_id)
        .await
        .unwrap()
        .opportunity;
    assert_eq!(renewal.source, Source::Renewal);
    assert_eq!(renewal.renewal_of, Some(o.opportunity.id));
    assert_eq!(renewal.manager.party, Party::partner(w.partner_a.partner_id.unwrap()));
    assert_eq!(renewal.close_date, date(2027, 12, 15));
    assert_eq!(renewal.forecast.amount_minor, 60_000, "2 × 300.00 of support renews");
    assert_eq!(renewal.products.len(), 1);
    // Sales management moves the won business with its open renewal to partner B.
    let to = Party::partner(w.partner_b.partner_id.unwrap());
    let reassignment = Reassignment {
        selection: Selection::Ids(vec![o.opportunity.id]),
        to,
        reason: "Partner A leaves the Springfield territory".into(),
    };
    assert!(matches!(
        w.store.reassign(&w.west_manager, reassignment.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let moved = w
        .store
        .reassign(&lead, reassignment, ts("2026-12-16T09:00:00Z"))
        .await
        .unwrap();
    let moved: Vec<(i64, bool)> = moved.moved.iter().map(|m| (m.id, m.as_renewal)).collect();
    assert_eq!(moved, vec![(o.opportunity.id, false), (renewal_id, true)]);
    // Partner A's portal loses both at once; partner B has both; both were told.
    assert!(matches!(
        w.store.get_opportunity(&w.partner_a, renewal_id).await,
        Err(StoreError::NotFound(_))
    ));
    let renewal = w.store.get_opportunity(&w.partner_b, renewal_id).await.unwrap();
    assert_eq!(
        renewal.managers.last().unwrap().reason,
        "Re-assigned by sales management: Partner A leaves the Springfield territory"
    );
    assert!(kinds(&notifications(&w, &w.partner_a).await).contains(&"opportunity_moved_away".to_owned()));
    assert!(kinds(&notifications(&w, &w.partner_b).await).contains(&"opportunity_assigned".to_owned()));
    // In bulk: all of B's open opportunities in West go to an internal seller.
    let seller = user(w.store.as_ref(), "seller@vendor.example", Role::Sales, None).await;
    let bulk = w
        .store
        .reassign(
            &lead,
            Reassignment {
                selection: Selection::PartnersOpen {
                    partner_id: w.partner_b.partner_id.unwrap(),
                    region_id: None,
                },
                to: Party::user(seller.user_id),
                reason: "Coverage".into(),
            },
            today(),
        )
        .await
        .unwrap();
    assert_eq!(bulk.moved.len(), 1, "the open renewal; the won one is not open");
}

pub async fn co_sell_partners_follow_the_shared_timeline(store: Arc<dyn Store>) {
    let w = world(store).await;
    let o = w
        .store
        .open_opportunity(
            &w.partner_a,
            opportunity("Monroe College", &[("MB-100", 1)], "2027-01-31", date(2026, 11, 22)),
            today(),
        )
        .await
        .unwrap();
    let id = o.opportunity.id;
    let c = w.partner_c.partner_id.unwrap();
    assert!(matches!(
        w.store.add_co_sell(&w.partner_b, id, c, today()).await,
        Err(StoreError::NotFound(_))
    ));
    let o = w.store.add_co_sell(&w.partner_a, id, c, today()).await.unwrap();
    assert_eq!(o.members[0].role, MemberRole::CoSell);
    let o = w
        .store
        .add_timeline_note(&w.partner_c, id, "Our AV install quote, copy shared".into(), today())
        .await
        .unwrap();
    assert_eq!(o.timeline[0].author_id, w.partner_c.user_id);
    // The co-sell partner shares a copy of its quote; the manager is told and reads it as shared.
    let quote = domain::documents::parse_attachment("Quote AV-7.pdf", b"%PDF-1.7 quote AV-7".to_vec()).unwrap();
    let shared = w
        .store
        .add_document(&w.partner_c, id, DocumentPurpose::Quote, quote.clone(), today())
        .await
        .unwrap();
    assert_eq!(shared.uploader_partner.as_deref(), Some("Fabrikam Integration"));
    assert!(kinds(&notifications(&w, &w.partner_a).await).contains(&"opportunity_document".to_owned()));
    let read = w.store.document(&w.partner_a, id, shared.id).await.unwrap();
    assert_eq!(
        (read.content, read.document.sha256),
        (quote.content.clone(), quote.sha256.clone())
    );
    assert!(matches!(
        w.store.document(&w.partner_b, id, shared.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        w.store
            .add_document(&w.order_entry, id, DocumentPurpose::Other, quote, today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let listed = w
        .store
        .list_opportunities(&w.partner_c, OpportunityFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    // The co-sell partner takes part; it does not run the opportunity.
    assert!(matches!(
        w.store
            .close_opportunity(&w.partner_c, id, Outcome::Won, None, today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        w.store.add_timeline_note(&w.order_entry, id, "…".into(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let filtered = w
        .store
        .list_opportunities(
            &w.admin,
            OpportunityFilter {
                partner_id: Some(c),
                ..OpportunityFilter::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        filtered.items.len(),
        1,
        "lists filter by assigned partner, co-sell included"
    );
}

pub async fn a_partner_without_a_level_opens_nothing(store: Arc<dyn Store>) {
    let w = world(store).await;
    let region = w.store.list_regions().await.unwrap()[0].id;
    let partner = w
        .store
        .create_partner(
            None,
            domain::directory::input::NewPartner {
                name: "Newcomer AV".into(),
                level: PartnerLevel::None,
                activation_stage: ActivationStage::FirstContact,
                region_id: region,
                reach: Default::default(),
            },
            today(),
        )
        .await
        .unwrap();
    let newcomer = user(
        w.store.as_ref(),
        "new@newcomer.example",
        Role::PartnerUser,
        Some(partner.id),
    )
    .await;
    assert!(matches!(
        w.store
            .open_opportunity(
                &newcomer,
                opportunity("Polk Prep", &[("MB-100", 1)], "2027-01-31", date(2026, 11, 22)),
                today()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        w.store
            .open_opportunity(
                &w.order_entry,
                opportunity("Polk Prep", &[("MB-100", 1)], "2027-01-31", date(2026, 11, 22)),
                today()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
}
