//! The demo's invoices: finance invoices every demo order that priced anything from the ERP's side — most paid in full,
//! some in part, one credited in part and one whole, a few still open and one draft — so the
//! invoices' pages show money as it moves.

use domain::Actor;
use domain::invoices::input::{NewCreditNote, NewPayment};
use domain::orders::OrderStatus;
use jiff::{Timestamp, ToSpan};
use store::{OrderFilter, Store};

/// Invoices every order `reader` sees (oldest first) as `finance`; answers how many.
pub(super) async fn load(s: &dyn Store, finance: &Actor, reader: &Actor, now: Timestamp) -> anyhow::Result<usize> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut orders = store::every_page(|page| s.list_orders(reader, OrderFilter::default(), page))
        .await?
        .unwrap_or_default();
    // A refused order priced nothing, so nothing of it is invoiced.
    orders.retain(|o| o.status != OrderStatus::Refused);
    orders.sort_by_key(|o| o.id);
    for (i, order) in orders.iter().enumerate() {
        let number = format!("INV-{}-{:04}", order.order_date.year(), 4100 + i);
        let invoice = s.invoice_order(finance, order.id, number, now).await?;
        if i == orders.len() - 1 {
            continue; // Finance has not issued the newest yet.
        }
        let issued_on = order.order_date.saturating_add(2.days()).min(today);
        let invoice = s.issue_invoice(finance, invoice.id, issued_on, now).await?;
        let total = invoice.total.amount_minor;
        let paid_on = issued_on.saturating_add(21.days()).min(today);
        let pay = |n: usize, amount_minor: i64| NewPayment {
            external_id: format!("BANK-{}-{n}", invoice.number),
            amount_minor,
            paid_on,
        };
        match i % 6 {
            // Still open: the customer's 30 days are not over.
            4 => {}
            // Paid in part.
            3 => {
                s.record_payment(finance, invoice.id, pay(1, total / 2), now).await?;
            }
            // Paid, then a line credited in part (a board returned).
            1 => {
                s.record_payment(finance, invoice.id, pay(1, total), now).await?;
                let line = &invoice.lines[0];
                let note = NewCreditNote {
                    external_id: format!("CN-{}", invoice.number),
                    credited_on: paid_on.saturating_add(5.days()).min(today),
                    lines: vec![(line.line_no, line.amount_minor / line.quantity.max(1))],
                };
                s.record_credit_note(finance, invoice.id, note, now).await?;
            }
            // Once, credited whole before payment: the customer cancelled.
            5 if i == 5 => {
                let note = NewCreditNote {
                    external_id: format!("CN-{}", invoice.number),
                    credited_on: issued_on,
                    lines: invoice.lines.iter().map(|l| (l.line_no, l.amount_minor)).collect(),
                };
                s.record_credit_note(finance, invoice.id, note, now).await?;
            }
            _ => {
                s.record_payment(finance, invoice.id, pay(1, total), now).await?;
            }
        }
    }
    Ok(orders.len())
}
