//! Order entry (ORD-1 … ORD-5).

pub(crate) mod entry;
pub(crate) mod links;
pub(crate) mod rows;

use crate::sql::kit::*;
use crate::sql::orders::entry::{
    announce_order, entered_before, load_order_context, ordering_partner, po_fingerprint, write_order,
};
use crate::sql::orders::rows::{load_order, order_from_row, order_select, order_snapshot, with_lines};
use crate::sql::write::Change;

#[async_trait]
impl OrderStore for SqlStore {
    /// ORD-1 … ORD-5: one transaction that verifies the PO against what is on file, prices every
    /// line, records the order and its effect on the SOR, audits it and tells the partner the outcome.
    async fn enter_order(&self, actor: &Actor, order: NewOrder, now: Timestamp) -> StoreResult<OrderEntry> {
        let partner_id = ordering_partner(actor, order.partner_id)?;
        let fingerprint = po_fingerprint(partner_id, &order);
        let mut tx = self.begin(Some(actor), now).await?;
        if let Some(id) = entered_before(&mut tx, partner_id, &order.po_number, &fingerprint).await? {
            let order = load_order(&mut tx, id).await?;
            return Ok(OrderEntry { order, created: false });
        }
        let loaded = load_order_context(&mut tx, partner_id, &order, now).await?;
        let priced = ordering::price_order(&loaded.context, &loaded.requests);
        let id = write_order(&mut tx, &order, &loaded, &priced, &fingerprint, actor, now).await?;
        let entered = load_order(&mut tx, id).await?;
        tx.audit(Change {
            action: &format!("order.{}", entered.status),
            entity_type: "order",
            entity_id: id,
            before: None,
            after: Some(&order_snapshot(&entered)),
        })
        .await?;
        announce_order(&mut tx, actor, &entered).await?;
        tx.commit_answering(&entered).await?;
        Ok(OrderEntry {
            order: entered,
            created: true,
        })
    }

    async fn get_order(&self, actor: &Actor, id: i64) -> StoreResult<Order> {
        let mut conn = self.read.acquire().await?;
        let order = load_order(&mut conn, id).await?;
        check(
            domain::orders::policy::can_read_order(actor, order.partner_id),
            "order",
            "read orders",
        )?;
        Ok(order)
    }

    async fn list_orders(&self, actor: &Actor, filter: OrderFilter, page: PageRequest) -> StoreResult<Page<Order>> {
        if actor.is_staff() && !domain::orders::policy::can_enter_orders(actor) {
            return Err(StoreError::Forbidden(
                "only order entry, administrators and partners read orders".into(),
            ));
        }
        let mut qb = QueryBuilder::<Db>::new(order_select());
        qb.push(" WHERE ");
        push_keyset(&mut qb, "o.id", &page, false);
        if let Some(own) = actor.confined_to_partner().or(actor.role.is_partner().then_some(-1)) {
            qb.push(" AND o.partner_id = ").push_bind(own);
        }
        if let Some(partner) = filter.partner_id {
            qb.push(" AND o.partner_id = ").push_bind(partner);
        }
        if let Some(customer) = filter.customer_id {
            qb.push(" AND o.customer_id = ").push_bind(customer);
        }
        if let Some(status) = filter.status {
            qb.push(" AND o.status = ").push_bind(status.as_str());
        }
        if let Some(from) = filter.from {
            qb.push(" AND o.order_date >= ").push_bind(from.to_string());
        }
        if let Some(to) = filter.to {
            qb.push(" AND o.order_date <= ").push_bind(to.to_string());
        }
        if let Some(sor) = filter.sor_number {
            qb.push(" AND (o.sor_number = ")
                .push_bind(sor.clone())
                .push(" OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sor_number = ")
                .push_bind(sor)
                .push("))");
        }
        push_page_order(&mut qb, "o.id", &page, false);
        let mut conn = self.read.acquire().await?;
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let orders = rows.iter().map(order_from_row).collect::<StoreResult<Vec<_>>>()?;
        let mut page = Page::from_rows(orders, &page, |o| o.id);
        with_lines(&mut conn, &mut page.items).await?;
        Ok(page)
    }
}
