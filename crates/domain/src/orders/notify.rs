//! The messages of order entry (PLT-3).

use crate::notify::Draft;

/// ORD-2: the partner learns at once which lines of its PO were refused, and why.
pub fn order_refused(order_id: i64, po_number: &str, customer: &str, refused: &[(&str, &str)]) -> Draft {
    let lines: Vec<String> = refused
        .iter()
        .map(|(sku, reason)| format!("- {sku}: {reason}"))
        .collect();
    Draft {
        kind: "order_refused",
        subject: format!("Order refused: PO {po_number} for {customer}"),
        body: format!(
            "Order entry refused {} line(s) of your PO {po_number} for {customer} (order #{order_id}):\n{}\n\n\
             Lines without a valid SOR are not priced at the partner price. Correct the PO or have the SOR \
             updated or extended, then send a new PO.",
            refused.len(),
            lines.join("\n")
        ),
    }
}
