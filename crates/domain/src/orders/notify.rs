//! The messages of order entry (PLT-3).

use crate::money::Money;
use crate::notify::Draft;
use crate::orders::OrderStatus;

/// An entered order as its partner is told of it.
pub struct EnteredOrder<'a> {
    pub order_id: i64,
    pub po_number: &'a str,
    pub customer: &'a str,
    pub status: OrderStatus,
    /// Lines on the PO.
    pub lines: usize,
    pub total: Money,
    /// (line number, SKU, reason) of each refused line.
    pub refused: Vec<(i64, &'a str, &'a str)>,
}

/// ORD-2: the partner learns at once what order entry made of its PO — accepted, partially
/// accepted (how many lines were priced, for how much, and why the others were refused) or refused.
/// The PO number is the partner's own and often starts with "PO", so it is written "PO number …".
pub fn order_entered(order: &EnteredOrder<'_>) -> Draft {
    let EnteredOrder {
        order_id,
        po_number,
        customer,
        status,
        lines,
        total,
        refused,
    } = order;
    let what = format!("your PO number {po_number} for {customer} (order #{order_id})");
    let refused_list: Vec<String> = refused
        .iter()
        .map(|(n, sku, reason)| format!("- Line {n}, {sku}: {reason}"))
        .collect();
    let refused_list = refused_list.join("\n");
    let plural = |n: usize| if n == 1 { "line" } else { "lines" };
    let (kind, headline, body) = match status {
        OrderStatus::Accepted => (
            "order_accepted",
            "Order accepted",
            format!("Order entry accepted {what}: every line priced ({lines} of {lines}), total {total}."),
        ),
        OrderStatus::PartiallyAccepted => {
            let priced = lines - refused.len();
            (
                "order_partially_accepted",
                "Order partially accepted",
                format!(
                    "Order entry partially accepted {what}: {priced} of {lines} {} priced, total {total}.\n\n\
                     Refused:\n{refused_list}\n\n\
                     The priced lines stand. Correct the refused ones or have the SOR updated or extended, \
                     then send them on a new PO.",
                    plural(*lines)
                ),
            )
        }
        OrderStatus::Refused => (
            "order_refused",
            "Order refused",
            format!(
                "Order entry refused {what}: no line could be priced.\n\n\
                 Refused:\n{refused_list}\n\n\
                 Correct the PO or have the SOR updated or extended, then send a new PO."
            ),
        ),
    };
    Draft {
        kind,
        subject: format!("{headline}: PO number {po_number} for {customer}"),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn order(
        status: OrderStatus,
        lines: usize,
        refused: Vec<(i64, &'static str, &'static str)>,
    ) -> EnteredOrder<'static> {
        EnteredOrder {
            order_id: 12,
            po_number: "PO-7001",
            customer: "Springfield School District",
            status,
            lines,
            total: Money {
                amount_minor: 1_234_500,
                currency: Currency::parse("USD").unwrap(),
            },
            refused,
        }
    }

    /// Issue 13, defect 6: a partly accepted PO is not announced as refused, and says how much stands.
    #[test]
    fn the_partner_is_told_what_happened_to_its_po() {
        let accepted = order_entered(&order(OrderStatus::Accepted, 3, vec![]));
        assert_eq!(
            accepted.subject,
            "Order accepted: PO number PO-7001 for Springfield School District"
        );
        assert!(
            accepted
                .body
                .contains("every line priced (3 of 3), total 12,345.00 USD"),
            "{}",
            accepted.body
        );
        let partly = order_entered(&order(
            OrderStatus::PartiallyAccepted,
            3,
            vec![(3, "MB-65", "refused: MB-65 is not on SOR-2026-000003")],
        ));
        assert_eq!(partly.kind, "order_partially_accepted");
        assert!(
            partly
                .subject
                .starts_with("Order partially accepted: PO number PO-7001")
        );
        assert!(
            partly.body.contains("2 of 3 lines priced, total 12,345.00 USD"),
            "{}",
            partly.body
        );
        assert!(
            partly
                .body
                .contains("- Line 3, MB-65: refused: MB-65 is not on SOR-2026-000003")
        );
        let refused = order_entered(&order(OrderStatus::Refused, 1, vec![(1, "MB-86", "refused: no SOR")]));
        assert!(refused.subject.starts_with("Order refused:"));
        assert!(refused.body.contains("no line could be priced"), "{}", refused.body);
        for draft in [accepted, partly, refused] {
            assert!(!format!("{} {}", draft.subject, draft.body).contains("PO PO-"));
        }
    }
}
