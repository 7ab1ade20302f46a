//! Reading orders and their lines.

use crate::sql::kit::*;

pub(crate) fn order_select() -> &'static str {
    "SELECT o.*, p.name AS partner_name FROM orders o JOIN partners p ON p.id = o.partner_id"
}

pub(crate) fn order_line_from_row(row: &DbRow, currency: Currency) -> StoreResult<OrderLine> {
    let money = |minor: i64| Money {
        amount_minor: minor,
        currency,
    };
    Ok(OrderLine {
        line_no: get(row, "line_no")?,
        sku: get(row, "sku")?,
        quantity: get(row, "quantity")?,
        basis: get::<Option<String>>(row, "basis")?
            .as_deref()
            .map(PriceBasis::parse)
            .transpose()
            .map_err(corrupt)?,
        unit_price: get::<Option<i64>>(row, "unit_price_minor")?.map(money),
        amount: money(get(row, "amount_minor")?),
        sor_number: get(row, "sor_number")?,
        reason: get(row, "reason")?,
        warning: get(row, "warning")?,
    })
}

pub(crate) fn order_from_row(row: &DbRow) -> StoreResult<Order> {
    Ok(Order {
        id: get(row, "id")?,
        partner_id: get(row, "partner_id")?,
        partner_name: get(row, "partner_name")?,
        po_number: get(row, "po_number")?,
        customer_id: get(row, "customer_id")?,
        customer_name: get(row, "customer_name")?,
        segment: Segment::parse(&get::<String>(row, "segment")?).map_err(corrupt)?,
        sor_number: get(row, "sor_number")?,
        order_date: parse_date(&get::<String>(row, "order_date")?)?,
        status: OrderStatus::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        total: Money {
            amount_minor: get(row, "total_minor")?,
            currency: parse_currency(&get::<String>(row, "currency")?)?,
        },
        entered_by: get(row, "entered_by")?,
        entered_at: at(get(row, "entered_us")?),
        lines: Vec::new(),
    })
}

/// Fills in the lines of these orders, in one query.
pub(crate) async fn with_lines(conn: &mut Conn, orders: &mut [Order]) -> StoreResult<()> {
    if orders.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT * FROM order_lines WHERE order_id IN ");
    push_id_list(&mut qb, &orders.iter().map(|o| o.id).collect::<Vec<_>>());
    qb.push(" ORDER BY order_id, line_no");
    let rows = qb.build().fetch_all(&mut *conn).await?;
    let mut by_order: BTreeMap<i64, Vec<&DbRow>> = BTreeMap::new();
    for row in &rows {
        by_order.entry(get(row, "order_id")?).or_default().push(row);
    }
    for order in orders {
        let currency = order.total.currency;
        order.lines = by_order
            .remove(&order.id)
            .unwrap_or_default()
            .into_iter()
            .map(|row| order_line_from_row(row, currency))
            .collect::<StoreResult<_>>()?;
    }
    Ok(())
}

pub(crate) async fn load_order(conn: &mut Conn, id: i64) -> StoreResult<Order> {
    let sql = format!("{} WHERE o.id = $1", order_select());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("order"))?;
    let mut orders = vec![order_from_row(&row)?];
    with_lines(conn, &mut orders).await?;
    Ok(orders.remove(0))
}

/// What the audit trail keeps of an order decision.
pub(crate) fn order_snapshot(order: &Order) -> Value {
    json!({
        "partner_id": order.partner_id,
        "po_number": order.po_number,
        "customer_id": order.customer_id,
        "sor_number": order.sor_number,
        "order_date": order.order_date,
        "status": order.status,
        "total_minor": order.total.amount_minor,
        "lines": order.lines.iter().map(|l| json!({
            "sku": l.sku, "quantity": l.quantity, "basis": l.basis,
            "unit_price_minor": l.unit_price.map(|m| m.amount_minor), "reason": l.reason, "warning": l.warning,
        })).collect::<Vec<_>>(),
    })
}
