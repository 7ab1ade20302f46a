//! Order entry (ORD-1 … ORD-5). Prices: MB-100 list 5,000.00, partner 3,500.00, MSRP 4,999.00,
//! RRSP 4,599.00; PEN-2 (an accessory) partner 32.00.

use crate::{World, approval, customer, notifications, submit, today, ts, world};
use domain::Actor;
use domain::directory::customers::CustomerInput;
use domain::orders::input::{NewOrder, OrderInput, parse_order};
use domain::orders::{NoSorPricing, OrderStatus, OverOrderPolicy, PriceBasis};
use domain::registrations::input::Outcome;
use jiff::civil::date;
use std::sync::Arc;
use store::*;

/// A PO for `customer` citing `sor`, parsed as the API would.
pub fn order(po: &str, customer: CustomerInput, sor: Option<&str>, lines: &[(&str, i64)]) -> NewOrder {
    parse_order(&OrderInput {
        partner_id: None,
        po_number: Some(po.into()),
        customer: Some(customer),
        sor_number: sor.map(Into::into),
        lines: Some(crate::product_lines(lines)),
    })
    .unwrap()
}

fn school() -> CustomerInput {
    customer("Springfield School District", None, "Springfield")
}

/// Partner A's registration of 10 × MB-100 for the school district, approved on 2026-11-22 (valid
/// through 2027-02-20): SOR-2026-000001.
pub(crate) async fn approved_school_sor(w: &World) -> Registration {
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
pub(crate) async fn school_po(w: &World, po: &str, sor: Option<&str>, lines: &[(&str, i64)]) -> Order {
    school_po_at(w, po, sor, lines, today()).await
}

pub(crate) async fn school_po_at(
    w: &World,
    po: &str,
    sor: Option<&str>,
    lines: &[(&str, i64)],
    at: jiff::Timestamp,
) -> Order {
    enter(w, &w.partner_a, order(po, school(), sor, lines), at).await
}

pub(crate) async fn set_pricing(w: &World, no_sor: NoSorPricing, over_order: OverOrderPolicy) {
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

/// Issue 13, defect 6: a SKU no product has refuses its own line with the reason; the other lines
/// are priced, the PO is partially accepted (or refused when nothing else is on it), the partner is
/// told so, and the same PO sent again is the same order.
pub async fn an_unknown_sku_refuses_its_line_not_the_po(store: Arc<dyn Store>) {
    let w = world(store).await;
    approved_school_sor(&w).await;
    let po = order(
        "PO-7001",
        school(),
        Some("SOR-2026-000001"),
        &[("MB-100", 2), ("NOPE-9", 1)],
    );
    let o = enter(&w, &w.partner_a, po.clone(), today()).await;
    assert_eq!(
        (o.status, o.total.amount_minor),
        (OrderStatus::PartiallyAccepted, 700_000)
    );
    assert_eq!(o.lines[1].reason, "refused: no product with SKU NOPE-9");
    assert_eq!((o.lines[1].basis, o.lines[1].amount.amount_minor), (None, 0));
    let again = w.store.enter_order(&w.partner_a, po, today()).await.unwrap();
    assert_eq!((again.created, again.order.id), (false, o.id));
    let inbox = notifications(&w, &w.partner_a).await;
    let told = inbox
        .iter()
        .find(|n| n.entity_type == "order" && n.entity_id == o.id)
        .unwrap();
    assert_eq!(told.kind, "order_partially_accepted");
    assert!(
        told.body.contains("1 of 2 lines priced, total 7,000.00 USD"),
        "{}",
        told.body
    );
    let only = enter(
        &w,
        &w.partner_a,
        order("PO-7002", school(), None, &[("NOPE-9", 1)]),
        today(),
    )
    .await;
    assert_eq!(only.status, OrderStatus::Refused);
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
        .close_registration(&w.partner_a, reg.id, Outcome::Won, None, today())
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
