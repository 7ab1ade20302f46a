//! The demo's invoices: finance invoices every demo order that priced anything from the ERP's side — most paid in full,
//! some in part, one credited in part and one whole, a few still open and one draft — and the ERP's
//! invoices of projects sold outside the portal over six months, in USD and EUR, so the invoices'
//! pages show money as it moves and the commissions they earn span months and partners.

use super::data::PRODUCTS;
use domain::invoices::input::{NewCreditNote, NewInvoice, NewInvoiceLine, NewPayment};
use domain::orders::OrderStatus;
use domain::{Actor, Currency};
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

/// (partner, in `PARTNERS` order; months before this one; day of the month issued; currency;
/// (SKU, quantity); whether a unit of its first line is returned the month after).
type Project = (usize, i64, i64, &'static str, &'static [(&'static str, i64)], bool);

/// The ERP's invoices of projects sold outside the portal's orders, over the last six months, each
/// paid in full 12 days after it is issued: every partner's business; a project most months for
/// Northwind AV's quarterly volume tiers; services of every size for Gold's sections; and Contoso's
/// business in EUR — a first small invoice whose commission is below the minimum and carries, then
/// a display project, one display returned the month after, and this month's.
const PROJECTS: &[Project] = &[
    (0, 5, 6, "USD", &[("MB-75", 6), ("MNT-WALL", 6), ("INST-STD", 6)], false),
    (3, 5, 14, "USD", &[("DC-4K", 10), ("MYBL-SUB", 20)], false),
    (
        2,
        4,
        3,
        "USD",
        &[("PJ-X50", 10), ("LAMP-X50", 4), ("TRAIN-PD", 1)],
        false,
    ),
    (1, 4, 5, "EUR", &[("DC-HD", 1)], false),
    (5, 4, 11, "USD", &[("MB-65", 2), ("MNT-WALL", 2)], false),
    (0, 3, 9, "USD", &[("MB-86", 10), ("STUDIO-SW", 1)], false),
    (1, 3, 12, "USD", &[("MB-75", 4), ("CARE-3Y", 4)], false),
    (4, 3, 16, "USD", &[("VOTE-32", 3), ("MYBL-SUB", 25)], false),
    (0, 2, 4, "USD", &[("MB-65", 8), ("TRAIN-PD", 2)], false),
    (1, 2, 7, "EUR", &[("MB-86", 2), ("STUDIO-SW", 1)], true),
    (2, 2, 15, "USD", &[("STUDIO-SW", 2), ("MYBL-SUB", 40)], false),
    (0, 1, 6, "USD", &[("PJ-X80", 12), ("CARE-5Y", 12)], false),
    (
        1,
        1,
        10,
        "USD",
        &[("TRAIN-PD", 5), ("INST-STD", 2), ("CARE-3Y", 3)],
        false,
    ),
    (3, 1, 13, "USD", &[("PJ-P12", 4), ("DC-HD", 4)], false),
    (0, 0, 1, "USD", &[("MB-98", 4)], false),
    (1, 0, 1, "EUR", &[("PJ-P12", 3)], false),
];

/// An invoice line at the partner price (70 % of list) with the vendor's cost (45 % of list).
fn project_line(sku: &str, quantity: i64) -> anyhow::Result<NewInvoiceLine> {
    let Some(&(_, name, _, list_dollars, _, _)) = PRODUCTS.iter().find(|p| p.0 == sku) else {
        anyhow::bail!("demo project: no product {sku}");
    };
    Ok(NewInvoiceLine {
        sku: sku.to_owned(),
        description: Some(name.to_owned()),
        quantity,
        amount_minor: list_dollars * 70 * quantity,
        cost_minor: list_dollars * 45 * quantity,
    })
}

/// Enters, issues and pays `PROJECTS` as `finance` for `partners` (ids in `PARTNERS` order), dated
/// back from `now`; answers how many.
pub(super) async fn projects(
    s: &dyn Store,
    finance: &Actor,
    partners: &[i64],
    now: Timestamp,
) -> anyhow::Result<usize> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    for (k, &(partner, months_ago, day, currency, lines, returned)) in PROJECTS.iter().enumerate() {
        let month = today.first_of_month().saturating_sub(months_ago.months());
        let issued_on = month.saturating_add((day - 1).days()).min(today);
        let invoice = NewInvoice {
            number: format!("INV-{}-{:04}", issued_on.year(), 4200 + k),
            partner_id: partners.get(partner).copied(),
            opportunity_id: None,
            order_id: None,
            currency: Currency::parse(currency).map_err(anyhow::Error::msg)?,
            lines: lines
                .iter()
                .map(|&(sku, quantity)| project_line(sku, quantity))
                .collect::<anyhow::Result<_>>()?,
        };
        let invoice = s.create_invoice(finance, invoice, now).await?;
        let invoice = s.issue_invoice(finance, invoice.id, issued_on, now).await?;
        let payment = NewPayment {
            external_id: format!("BANK-{}-1", invoice.number),
            amount_minor: invoice.total.amount_minor,
            paid_on: issued_on.saturating_add(12.days()).min(today),
        };
        let invoice = s.record_payment(finance, invoice.id, payment, now).await?;
        if returned {
            let line = &invoice.lines[0];
            let note = NewCreditNote {
                external_id: format!("CN-{}", invoice.number),
                credited_on: month.saturating_add(1.month()).saturating_add(3.days()).min(today),
                lines: vec![(line.line_no, line.amount_minor / line.quantity.max(1))],
            };
            s.record_credit_note(finance, invoice.id, note, now).await?;
        }
    }
    Ok(PROJECTS.len())
}
