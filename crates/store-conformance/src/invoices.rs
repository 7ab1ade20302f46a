//! Invoices (issue 15, item 3): a draft, issued, paid in part and in whole, credited line by line,
//! cancelled while unpaid; a payment sent twice counts once; partners read only their own.

use crate::orders::{approved_school_sor, school_po};
use crate::{World, today, user, world};
use domain::invoices::InvoiceStatus;
use domain::invoices::files::parse_invoices;
use domain::invoices::input::{NewCreditNote, NewInvoice, NewInvoiceLine, NewPayment};
use domain::{Actor, Currency, Role};
use jiff::civil::date;
use std::sync::Arc;
use store::*;

async fn finance(w: &World) -> Actor {
    user(w.store.as_ref(), "finance@vendor.example", Role::Finance, None).await
}

fn line(sku: &str, quantity: i64, amount_minor: i64, cost_minor: i64) -> NewInvoiceLine {
    NewInvoiceLine {
        sku: sku.into(),
        description: None,
        quantity,
        amount_minor,
        cost_minor,
    }
}

/// Partner A's invoice INV-1: 10 × MB-100 at 8,000.00 (cost 5,600.00) and 4 × ST-20 at 2,000.00.
fn inv_1(w: &World) -> NewInvoice {
    NewInvoice {
        number: "INV-1".into(),
        partner_id: w.partner_a.partner_id,
        opportunity_id: None,
        order_id: None,
        currency: Currency::parse("USD").unwrap(),
        lines: vec![line("MB-100", 10, 800_000, 560_000), line("ST-20", 4, 200_000, 0)],
    }
}

fn payment(id: &str, amount_minor: i64, day: i8) -> NewPayment {
    NewPayment {
        external_id: id.into(),
        amount_minor,
        paid_on: date(2026, 12, day),
    }
}

pub async fn an_invoice_is_paid_in_parts_and_credited_line_by_line(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    let s = &w.store;
    let audited = s.verify_audit().await.unwrap().entries;
    let draft = s.create_invoice(&fin, inv_1(&w), today()).await.unwrap();
    assert_eq!(
        (draft.status, draft.total.amount_minor),
        (InvoiceStatus::Draft, 1_000_000)
    );
    assert!(draft.lines[0].product_id.is_some());
    // A draft takes no payment; issuing earns nothing and opens the whole amount.
    let early = s
        .record_payment(&fin, draft.id, payment("BANK-1", 100, 1), today())
        .await;
    assert!(matches!(early, Err(StoreError::Conflict { .. })), "{early:?}");
    let issued = s
        .issue_invoice(&fin, draft.id, date(2026, 11, 30), today())
        .await
        .unwrap();
    assert_eq!(
        (issued.status, issued.open.amount_minor),
        (InvoiceStatus::Issued, 1_000_000)
    );
    let again = s.issue_invoice(&fin, draft.id, date(2026, 11, 30), today()).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })));
    // 6,000.00 paid; 4,000.00 open; 4,000.01 is refused by name.
    let part = s
        .record_payment(&fin, draft.id, payment("BANK-1", 600_000, 5), today())
        .await
        .unwrap();
    assert_eq!((part.status, part.open.amount_minor), (InvoiceStatus::Issued, 400_000));
    match s
        .record_payment(&fin, draft.id, payment("BANK-2", 400_001, 6), today())
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.0[0].field, "amount_minor");
            assert_eq!(
                e.0[0].message,
                "is more than the 4,000.00 USD still open on the invoice"
            );
        }
        other => panic!("{other:?}"),
    }
    // The same payment sent again counts once; the same id with another amount is a conflict.
    let resent = s
        .record_payment(&fin, draft.id, payment("BANK-1", 600_000, 5), today())
        .await
        .unwrap();
    assert_eq!((resent.paid.amount_minor, resent.payments.len()), (600_000, 1));
    let changed = s
        .record_payment(&fin, draft.id, payment("BANK-1", 500_000, 5), today())
        .await;
    assert!(matches!(changed, Err(StoreError::Conflict { .. })), "{changed:?}");
    // A credit note of 1,000.00 on line 2 leaves 3,000.00 open; no line 3; line 1 holds 8,000.00.
    let bad = NewCreditNote {
        external_id: "CN-1".into(),
        credited_on: date(2026, 12, 7),
        lines: vec![(3, 100), (1, 800_001)],
    };
    match s.record_credit_note(&fin, draft.id, bad, today()).await {
        Err(StoreError::Invalid(e)) => {
            let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["lines[0].line_no", "lines[1].amount_minor"]);
        }
        other => panic!("{other:?}"),
    }
    let note = NewCreditNote {
        external_id: "CN-1".into(),
        credited_on: date(2026, 12, 7),
        lines: vec![(2, 100_000)],
    };
    let credited = s
        .record_credit_note(&fin, draft.id, note.clone(), today())
        .await
        .unwrap();
    assert_eq!(
        (credited.credited.amount_minor, credited.open.amount_minor),
        (100_000, 300_000)
    );
    assert_eq!(credited.lines[1].credited_minor, 100_000);
    let twice = s.record_credit_note(&fin, draft.id, note, today()).await.unwrap();
    assert_eq!((twice.credited.amount_minor, twice.credit_notes.len()), (100_000, 1));
    // 3,000.00 pays it; a paid invoice is not cancelled.
    let paid = s
        .record_payment(&fin, draft.id, payment("BANK-2", 300_000, 8), today())
        .await
        .unwrap();
    assert_eq!((paid.status, paid.open.amount_minor), (InvoiceStatus::Paid, 0));
    assert!(matches!(
        s.cancel_invoice(&fin, draft.id, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    // Credited whole after payment: the lines hold nothing more, the invoice stays paid.
    let rest = NewCreditNote {
        external_id: "CN-2".into(),
        credited_on: date(2026, 12, 9),
        lines: vec![(1, 800_000), (2, 100_000)],
    };
    let all = s.record_credit_note(&fin, draft.id, rest, today()).await.unwrap();
    assert_eq!(
        (all.status, all.credited.amount_minor),
        (InvoiceStatus::Paid, 1_000_000)
    );
    // Entered, issued, two payments, two credit notes: six entries; a refusal or a resend writes none.
    assert_eq!(s.verify_audit().await.unwrap().entries, audited + 6);
}

pub async fn an_unpaid_invoice_is_cancelled_or_credited_away(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    let s = &w.store;
    let draft = s.create_invoice(&fin, inv_1(&w), today()).await.unwrap();
    let cancelled = s.cancel_invoice(&fin, draft.id, today()).await.unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);
    let mut second = inv_1(&w);
    second.number = "INV-2".into();
    let issued = s.create_invoice(&fin, second, today()).await.unwrap();
    s.issue_invoice(&fin, issued.id, date(2026, 11, 30), today())
        .await
        .unwrap();
    let note = NewCreditNote {
        external_id: "CN-9".into(),
        credited_on: date(2026, 12, 2),
        lines: vec![(1, 800_000), (2, 200_000)],
    };
    let credited = s.record_credit_note(&fin, issued.id, note, today()).await.unwrap();
    assert_eq!(
        (credited.status, credited.open.amount_minor),
        (InvoiceStatus::Credited, 0)
    );
    let late = s
        .record_payment(&fin, issued.id, payment("BANK-9", 100, 3), today())
        .await;
    assert!(matches!(late, Err(StoreError::Conflict { .. })));
    // The ERP's number is entered once.
    let mut dup = inv_1(&w);
    dup.number = "INV-2".into();
    match s.create_invoice(&fin, dup, today()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].message, "invoice INV-2 was entered already"),
        other => panic!("{other:?}"),
    }
}

pub async fn an_order_is_invoiced_to_its_partner_and_partners_see_their_own(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    let s = &w.store;
    let sor = approved_school_sor(&w).await;
    let order = school_po(&w, "PO-77", sor.sor_number.as_deref(), &[("MB-100", 2)]).await;
    let invoice = s.invoice_order(&fin, order.id, "INV-77".into(), today()).await.unwrap();
    assert_eq!(invoice.partner_id, w.partner_a.partner_id.unwrap());
    assert_eq!(invoice.customer_id, Some(order.customer_id));
    assert_eq!(invoice.total.amount_minor, order.total.amount_minor);
    assert_eq!(invoice.lines[0].quantity, 2);
    // Naming partner B on partner A's order is refused by field.
    let mut crossed = inv_1(&w);
    crossed.number = "INV-78".into();
    crossed.partner_id = w.partner_b.partner_id;
    crossed.order_id = Some(order.id);
    match s.create_invoice(&fin, crossed, today()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "order_id"),
        other => panic!("{other:?}"),
    }
    // Partner A reads it; partner B does not know it; neither keeps invoices.
    let theirs = s.get_invoice(&w.partner_a, invoice.id).await.unwrap();
    assert_eq!(theirs.number, "INV-77");
    // The vendor's cost is for its staff: the partner's view has none, finance's has it.
    assert_eq!(theirs.lines[0].cost_minor, None);
    assert_eq!(
        s.get_invoice(&fin, invoice.id).await.unwrap().lines[0].cost_minor,
        Some(0)
    );
    let listed = s
        .list_invoices(&w.partner_a, InvoiceFilter::default(), PageRequest::first(50))
        .await
        .unwrap();
    assert!(
        listed
            .items
            .iter()
            .all(|i| i.lines.iter().all(|l| l.cost_minor.is_none()))
    );
    assert!(matches!(
        s.get_invoice(&w.partner_b, invoice.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.issue_invoice(&w.partner_b, invoice.id, date(2026, 12, 1), today())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.issue_invoice(&w.partner_a, invoice.id, date(2026, 12, 1), today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.create_invoice(&w.order_entry, inv_1(&w), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let first = PageRequest::first(50);
    let of_b = s
        .list_invoices(&w.partner_b, InvoiceFilter::default(), first)
        .await
        .unwrap();
    assert!(of_b.items.is_empty());
    let of_a = s
        .list_invoices(&w.partner_a, InvoiceFilter::default(), first)
        .await
        .unwrap();
    assert_eq!(of_a.items.len(), 1);
    let issued_only = InvoiceFilter {
        status: Some(InvoiceStatus::Issued),
        ..InvoiceFilter::default()
    };
    assert!(
        s.list_invoices(&fin, issued_only, first)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn an_invoice_file_imports_whole_or_not_at_all(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    let s = &w.store;
    let (a, b) = (w.partner_a.partner_id.unwrap(), w.partner_b.partner_id.unwrap());
    let first = PageRequest::first(50);
    // Line 4 names no partner of the program; the file writes nothing.
    let bad = format!(
        "number,partner_id,currency,issued_on,sku,quantity,amount,cost\n\
         INV-10,{a},USD,2026-11-30,MB-100,10,8000.00,5600.00\n\
         INV-10,{a},USD,2026-11-30,ST-20,4,2000.00,\n\
         INV-11,999,USD,,ST-20,1,500.00,\n"
    );
    match s.import_invoices(&fin, parse_invoices(&bad).unwrap(), today()).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!((e.0[0].line, e.0[0].field.as_str()), (Some(4), "partner_id"));
            assert_eq!(e.0[0].message, "there is no partner 999");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        s.list_invoices(&fin, InvoiceFilter::default(), first)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let good = bad.replace("999", &b.to_string());
    let report = s
        .import_invoices(&fin, parse_invoices(&good).unwrap(), today())
        .await
        .unwrap();
    assert_eq!((report.rows, report.created), (2, 2));
    let all = s
        .list_invoices(&fin, InvoiceFilter::default(), first)
        .await
        .unwrap()
        .items;
    let found: Vec<(&str, InvoiceStatus, i64, usize)> = all
        .iter()
        .map(|i| (i.number.as_str(), i.status, i.total.amount_minor, i.lines.len()))
        .collect();
    assert_eq!(
        found,
        [
            ("INV-11", InvoiceStatus::Draft, 50_000, 1),
            ("INV-10", InvoiceStatus::Issued, 1_000_000, 2)
        ]
    );
    // The same file again: each invoice was entered already, on its line.
    match s.import_invoices(&fin, parse_invoices(&good).unwrap(), today()).await {
        Err(StoreError::Invalid(e)) => {
            let lines: Vec<Option<u64>> = e.0.iter().map(|e| e.line).collect();
            assert_eq!(lines, [Some(2), Some(4)]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.import_invoices(&w.west_manager, parse_invoices(&good).unwrap(), today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
}
