//! ORD-5: what orders drew on each SOR, and registrations closed as won by their orders.

use crate::sql::kit::*;
use crate::sql::registrations::rows::RegRow;
use crate::sql::write::{Change, Write};

/// Orders that drew on a registration's SOR, with the value of their lines under it.
pub(crate) async fn linked_orders(conn: &mut Conn, registration_id: i64) -> StoreResult<Vec<OrderLink>> {
    let rows = sqlx::query(
        "SELECT o.id, o.po_number, o.order_date, o.currency, CAST(SUM(l.amount_minor) AS BIGINT) AS value \
         FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sor_registration_id = $1 \
         GROUP BY o.id, o.po_number, o.order_date, o.currency ORDER BY o.id",
    )
    .bind(registration_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OrderLink {
                order_id: get(row, "id")?,
                po_number: get(row, "po_number")?,
                order_date: parse_date(&get::<String>(row, "order_date")?)?,
                value: Money {
                    amount_minor: get(row, "value")?,
                    currency: parse_currency(&get::<String>(row, "currency")?)?,
                },
            })
        })
        .collect()
}

/// The orders of a registration, for an actor who may read that partner's orders.
pub(crate) async fn order_links(conn: &mut Conn, actor: &Actor, reg: &RegRow) -> StoreResult<Option<Vec<OrderLink>>> {
    if domain::orders::policy::can_read_order(actor, reg.partner_id) != Access::Allowed {
        return Ok(None);
    }
    linked_orders(conn, reg.id).await.map(Some)
}

/// ORD-5: closing a registration as won links the orders that drew on its SOR, in the audit trail.
pub(crate) async fn link_won_orders(tx: &mut Write<'_>, registration_id: i64) -> StoreResult<()> {
    let orders = linked_orders(tx, registration_id).await?;
    let total: i64 = orders.iter().map(|o| o.value.amount_minor).sum();
    let after = json!({
        "orders": orders.iter().map(|o| json!({"order_id": o.order_id, "po_number": o.po_number, "value_minor": o.value.amount_minor})).collect::<Vec<_>>(),
        "ordered_value_minor": total,
    });
    tx.audit(Change {
        action: "registration.orders_linked",
        entity_type: "registration",
        entity_id: registration_id,
        before: None,
        after: Some(&after),
    })
    .await
}
