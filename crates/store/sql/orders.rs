//! Order entry (ORD-1 … ORD-5) and the master-data files: part of `ops` (a child module, so it shares
//! its helpers), kept in its own file for size.

use super::*;
use domain::audit::content_hash;
use domain::orders::notify::order_refused;
use domain::orders::policy::{can_enter_orders, can_read_order};
use domain::orders::{
    CitedSor, LineDecision, LineRequest, OrderContext, OrderStatus, PriceBasis, PricedLine, SorLineUsage, SorOnFile,
    order_status, price_in_effect, price_order,
};
use std::collections::BTreeSet;

/// Rows written per step of an import; progress is reported after each.
const IMPORT_BATCH: usize = 500;

/// Counting rows of the row-by-row imports, telling `progress` once per batch.
trait CountRows {
    fn count_row(&mut self, progress: &(dyn Fn(u64) + Send + Sync));
}

impl CountRows for ImportReport {
    fn count_row(&mut self, progress: &(dyn Fn(u64) + Send + Sync)) {
        self.rows += 1;
        if self.rows.is_multiple_of(IMPORT_BATCH as u64) {
            progress(self.rows);
        }
    }
}

pub(super) async fn load_products(conn: &mut Conn, condition: &str, value: &str) -> StoreResult<Vec<Product>> {
    let sql = format!("SELECT * FROM products WHERE {condition} ORDER BY sku");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter().map(product_from_row).collect()
}

/// Every price in a file must be in the program's currency: orders sum lines in one currency.
fn check_currency(rows: &[Line<NewProduct>], currency: Currency) -> StoreResult<()> {
    let mut errors = FieldErrors::default();
    for row in rows.iter().filter(|r| r.value.currency != currency) {
        errors.add_at_line(
            row.line,
            "currency",
            format!("{} differs from the program's currency {currency}", row.value.currency),
        );
    }
    errors.into_result(()).map_err(StoreError::from)
}

/// Upserts products and their price versions (one version per row; a row without a date starts
/// today). Returns the SKUs that were new.
pub(super) async fn write_price_list(
    conn: &mut Conn,
    actor: Option<&Actor>,
    rows: &[Line<NewProduct>],
    today: Date,
    now: Timestamp,
) -> StoreResult<BTreeSet<String>> {
    // The last row of a SKU decides its name and flags; each row adds a version.
    let products: BTreeMap<&str, &NewProduct> = rows.iter().map(|r| (r.value.sku.as_str(), &r.value)).collect();
    let skus: Vec<&str> = products.keys().copied().collect();
    let existing = product_ids(conn, &skus).await?;
    upsert_rows(
        conn,
        "INSERT INTO products (sku, name, category, is_accessory, maintenance_term_months, created_us) ",
        " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, category = excluded.category, \
         is_accessory = excluded.is_accessory, maintenance_term_months = excluded.maintenance_term_months",
        &products.values().collect::<Vec<_>>(),
        |mut row, p| {
            row.push_bind(p.sku.clone())
                .push_bind(p.name.clone())
                .push_bind(p.category.clone())
                .push_bind(p.is_accessory)
                .push_bind(p.maintenance_term_months.map(i64::from))
                .push_bind(us(now));
        },
    )
    .await?;
    let ids = product_ids(conn, &skus).await?;
    let versions: Vec<(i64, &NewProduct, Date)> = rows
        .iter()
        .filter_map(|r| {
            let id = ids.get(&r.value.sku)?;
            Some((*id, &r.value, r.value.effective_from.unwrap_or(today)))
        })
        .collect();
    upsert_rows(
        conn,
        "INSERT INTO product_prices (product_id, effective_from, list_price_minor, partner_price_minor, msrp_minor, \
         rrsp_minor, currency, created_us) ",
        " ON CONFLICT (product_id, effective_from) DO UPDATE SET list_price_minor = excluded.list_price_minor, \
         partner_price_minor = excluded.partner_price_minor, msrp_minor = excluded.msrp_minor, \
         rrsp_minor = excluded.rrsp_minor, currency = excluded.currency",
        &versions,
        |mut row, (id, p, from)| {
            row.push_bind(*id)
                .push_bind(from.to_string())
                .push_bind(p.list_price_minor)
                .push_bind(p.partner_price_minor)
                .push_bind(p.msrp_minor)
                .push_bind(p.rrsp_minor)
                .push_bind(p.currency.as_str().to_owned())
                .push_bind(us(now));
        },
    )
    .await?;
    let snapshots: Vec<(i64, Value)> = versions
        .iter()
        .map(|(id, p, from)| {
            let after = json!({
                "sku": p.sku, "name": p.name, "category": p.category, "is_accessory": p.is_accessory,
                "maintenance_term_months": p.maintenance_term_months, "effective_from": from,
                "currency": p.currency, "list_price_minor": p.list_price_minor,
                "partner_price_minor": p.partner_price_minor, "msrp_minor": p.msrp_minor, "rrsp_minor": p.rrsp_minor,
            });
            (*id, after)
        })
        .collect();
    let changes: Vec<Change> = snapshots
        .iter()
        .map(|(id, after)| Change {
            actor,
            action: "product.price",
            entity_type: "product",
            entity_id: *id,
            before: None,
            after: Some(after),
        })
        .collect();
    audit_many(conn, &changes, now).await?;
    Ok(skus
        .into_iter()
        .filter(|sku| !existing.contains_key(*sku))
        .map(str::to_owned)
        .collect())
}

async fn product_ids(conn: &mut Conn, skus: &[&str]) -> StoreResult<BTreeMap<String, i64>> {
    let mut ids = BTreeMap::new();
    for chunk in skus.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new("SELECT id, sku FROM products WHERE sku IN (");
        let mut list = qb.separated(", ");
        for sku in chunk {
            list.push_bind(sku.to_string());
        }
        list.push_unseparated(")");
        for row in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
            ids.insert(get::<String>(&row, "sku")?, get::<i64>(&row, "id")?);
        }
    }
    Ok(ids)
}

fn require_customer_manager(actor: Option<&Actor>, what: &str) -> StoreResult<()> {
    match actor {
        Some(a) if !directory::can_manage_customers(a) => Err(StoreError::Forbidden(format!(
            "only administrators and channel managers may {what}"
        ))),
        _ => Ok(()),
    }
}

/// Orders that drew on a registration's SOR, with the value of their lines under it.
async fn linked_orders(conn: &mut Conn, registration_id: i64) -> StoreResult<Vec<OrderLink>> {
    let rows = sqlx::query(
        "SELECT o.id, o.po_number, o.order_date, o.currency, CAST(SUM(l.amount_minor) AS BIGINT) AS value \
         FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sor_registration_id = $1 \
         GROUP BY o.id, o.po_number, o.order_date, o.currency ORDER BY o.id",
    )
    .bind(registration_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
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
pub(super) async fn order_links(conn: &mut Conn, actor: &Actor, reg: &RegRow) -> StoreResult<Option<Vec<OrderLink>>> {
    if can_read_order(actor, reg.partner_id) != Access::Allowed {
        return Ok(None);
    }
    linked_orders(conn, reg.id).await.map(Some)
}

/// ORD-5: closing a registration as won links the orders that drew on its SOR, in the audit trail.
pub(super) async fn link_won_orders(
    conn: &mut Conn,
    actor: &Actor,
    registration_id: i64,
    now: Timestamp,
) -> StoreResult<()> {
    let orders = linked_orders(conn, registration_id).await?;
    let total: i64 = orders.iter().map(|o| o.value.amount_minor).sum();
    let after = json!({
        "orders": orders.iter().map(|o| json!({"order_id": o.order_id, "po_number": o.po_number, "value_minor": o.value.amount_minor})).collect::<Vec<_>>(),
        "ordered_value_minor": total,
    });
    audit(
        conn,
        Change {
            actor: Some(actor),
            action: "registration.orders_linked",
            entity_type: "registration",
            entity_id: registration_id,
            before: None,
            after: Some(&after),
        },
        now,
    )
    .await
}

/// Which SOR of a partner order entry looks up.
enum SorLookup<'a> {
    /// The number written on the PO.
    Number(&'a str),
    /// ORD-4: the most recently approved SOR for this customer, whatever its status now.
    LatestForCustomer(i64),
}

/// An SOR of `partner_id` as order entry needs it: status, validity and what each line allows.
async fn sor_on_file(conn: &mut Conn, partner_id: i64, lookup: SorLookup<'_>) -> StoreResult<Option<SorOnFile>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, sor_number, customer_id, status, valid_through FROM registrations WHERE partner_id = ",
    );
    qb.push_bind(partner_id);
    match lookup {
        SorLookup::Number(number) => qb.push(" AND sor_number = ").push_bind(number.to_owned()),
        SorLookup::LatestForCustomer(customer_id) => qb
            .push(" AND approved_us IS NOT NULL AND customer_id = ")
            .push_bind(customer_id)
            .push(" ORDER BY approved_us DESC, id DESC LIMIT 1"),
    };
    let Some(row) = qb.build().fetch_optional(&mut *conn).await.map_err(db)? else {
        return Ok(None);
    };
    let id: i64 = get(&row, "id")?;
    let mut lines = BTreeMap::new();
    for line in
        sqlx::query("SELECT product_id, quantity, ordered_quantity FROM registration_lines WHERE registration_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
    {
        lines.insert(
            get::<i64>(&line, "product_id")?,
            SorLineUsage {
                registered: get(&line, "quantity")?,
                ordered: get(&line, "ordered_quantity")?,
            },
        );
    }
    Ok(Some(SorOnFile {
        registration_id: id,
        number: get(&row, "sor_number")?,
        customer_id: get(&row, "customer_id")?,
        status: Status::parse(&get::<String>(&row, "status")?).map_err(corrupt)?,
        valid_through: get::<Option<String>>(&row, "valid_through")?
            .as_deref()
            .map(parse_date)
            .transpose()?,
        lines,
    }))
}

/// Which partner a PO is entered for: partners enter their own; order entry and administrators name it.
fn ordering_partner(actor: &Actor, named: Option<i64>) -> StoreResult<i64> {
    if !can_enter_orders(actor) {
        return Err(StoreError::Forbidden(
            "only order entry, administrators and partners enter orders".into(),
        ));
    }
    match (actor.role.is_partner(), actor.confined_to_partner(), named) {
        (true, Some(own), None) => Ok(own),
        (true, Some(own), Some(p)) if p == own => Ok(own),
        (true, Some(_), Some(_)) => Err(StoreError::invalid(
            "partner_id",
            "a partner enters its own orders only; omit partner_id",
        )),
        (true, None, _) => Err(StoreError::Forbidden("this user belongs to no partner".into())),
        (false, _, Some(p)) => Ok(p),
        (false, _, None) => Err(StoreError::invalid(
            "partner_id",
            "is required: name the partner whose PO this is",
        )),
    }
}

fn order_select() -> &'static str {
    "SELECT o.*, p.name AS partner_name FROM orders o JOIN partners p ON p.id = o.partner_id"
}

fn order_line_from_row(row: &DbRow, currency: Currency) -> StoreResult<OrderLine> {
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

fn order_from_row(row: &DbRow) -> StoreResult<Order> {
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
async fn with_lines(conn: &mut Conn, orders: &mut [Order]) -> StoreResult<()> {
    if orders.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT * FROM order_lines WHERE order_id IN ");
    push_id_list(&mut qb, &orders.iter().map(|o| o.id).collect::<Vec<_>>());
    qb.push(" ORDER BY order_id, line_no");
    let rows = qb.build().fetch_all(&mut *conn).await.map_err(db)?;
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

async fn load_order(conn: &mut Conn, id: i64) -> StoreResult<Order> {
    let sql = format!("{} WHERE o.id = $1", order_select());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("order"))?;
    let mut orders = vec![order_from_row(&row)?];
    with_lines(conn, &mut orders).await?;
    Ok(orders.remove(0))
}

/// What the audit trail keeps of an order decision.
fn order_snapshot(order: &Order) -> Value {
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

impl SqlStore {
    pub(super) async fn import_price_list(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<NewProduct>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        require_admin(actor, "change the price list")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let settings = load_settings(&mut tx).await?;
        check_currency(&rows, settings.currency)?;
        let today = business_date(now, &settings.zone());
        let mut created = BTreeSet::new();
        let mut touched = BTreeSet::new();
        let mut written = 0u64;
        for batch in rows.chunks(IMPORT_BATCH) {
            created.extend(write_price_list(&mut tx, actor, batch, today, now).await?);
            touched.extend(batch.iter().map(|r| r.value.sku.clone()));
            written += batch.len() as u64;
            progress(written);
        }
        tx.commit().await.map_err(db)?;
        Ok(ImportReport {
            rows: written,
            created: created.len() as u64,
            updated: touched.difference(&created).count() as u64,
        })
    }

    pub(super) async fn price_list(&self) -> StoreResult<Vec<PriceListEntry>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let rows = sqlx::query(
            "SELECT p.*, v.effective_from, v.list_price_minor, v.partner_price_minor, v.msrp_minor, v.rrsp_minor, \
             v.currency FROM products p JOIN product_prices v ON v.product_id = p.id ORDER BY p.sku, v.effective_from",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let product = product_from_row(row)?;
                Ok(PriceListEntry {
                    sku: product.sku,
                    name: product.name,
                    category: product.category,
                    is_accessory: product.is_accessory,
                    maintenance_term_months: product.maintenance_term_months,
                    price: price_version_from_row(row)?,
                })
            })
            .collect()
    }

    pub(super) async fn import_partner_rows(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<PartnerRow>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        require_admin(actor, "import partners")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let regions: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>("SELECT name, id FROM regions")
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .into_iter()
            .map(|(name, id)| (name.to_lowercase(), id))
            .collect();
        let mut errors = FieldErrors::default();
        for row in rows
            .iter()
            .filter(|r| !regions.contains_key(&r.value.region.to_lowercase()))
        {
            errors.add_at_line(row.line, "region", format!("no region is named '{}'", row.value.region));
        }
        errors.into_result(()).map_err(StoreError::from)?;
        let mut report = ImportReport::default();
        for row in &rows {
            let p = &row.value;
            let region_id = regions[&p.region.to_lowercase()];
            let before = sqlx::query("SELECT * FROM partners WHERE name = $1")
                .bind(&p.name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .as_ref()
                .map(partner_from_row)
                .transpose()?;
            let saved = sqlx::query(
                "INSERT INTO partners (name, level, activation_stage, region_id, created_us) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (name) DO UPDATE SET level = excluded.level, activation_stage = excluded.activation_stage, \
                 region_id = excluded.region_id RETURNING *",
            )
            .bind(&p.name)
            .bind(p.level.as_str())
            .bind(p.activation_stage.as_str())
            .bind(region_id)
            .bind(us(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let after = partner_from_row(&saved)?;
            let action = if before.is_some() {
                "partner.update"
            } else {
                "partner.create"
            };
            if before.is_some() {
                report.updated += 1;
            } else {
                report.created += 1;
            }
            let before = before.map(|b| json!(b));
            let change = Change {
                actor,
                action,
                entity_type: "partner",
                entity_id: after.id,
                before: before.as_ref(),
                after: Some(&json!(after)),
            };
            audit(&mut tx, change, now).await?;
            report.count_row(progress);
        }
        tx.commit().await.map_err(db)?;
        progress(report.rows);
        Ok(report)
    }

    pub(super) async fn partner_list(&self, actor: Option<&Actor>) -> StoreResult<Vec<PartnerEntry>> {
        require_admin(actor, "export partners")?;
        let rows = sqlx::query(
            "SELECT p.*, r.name AS region_name FROM partners p JOIN regions r ON r.id = p.region_id ORDER BY p.name",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(PartnerEntry {
                    partner: partner_from_row(row)?,
                    region: get(row, "region_name")?,
                })
            })
            .collect()
    }

    pub(super) async fn import_customer_rows(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<Customer>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        require_customer_manager(actor, "import customers")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let mut report = ImportReport::default();
        for row in &rows {
            let customer = &row.value;
            let identity = customer.identity();
            let (id, action) = match find_customer(&mut tx, &identity).await? {
                Some(id) => {
                    let changed = sqlx::query("UPDATE customers SET segment = $1 WHERE id = $2 AND segment <> $1")
                        .bind(customer.segment.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    (id, (changed.rows_affected() > 0).then_some("customer.segment"))
                }
                None => (
                    insert_customer(&mut tx, customer, &identity, now).await?,
                    Some("customer.create"),
                ),
            };
            match action {
                Some("customer.create") => report.created += 1,
                Some(_) => report.updated += 1,
                None => {}
            }
            if let Some(action) = action {
                let after = json!({"customer": customer, "line": row.line});
                let change = Change {
                    actor,
                    action,
                    entity_type: "customer",
                    entity_id: id,
                    before: None,
                    after: Some(&after),
                };
                audit(&mut tx, change, now).await?;
            }
            report.count_row(progress);
        }
        tx.commit().await.map_err(db)?;
        progress(report.rows);
        Ok(report)
    }

    pub(super) async fn customer_list(&self, actor: Option<&Actor>) -> StoreResult<Vec<CustomerRecord>> {
        require_customer_manager(actor, "export customers")?;
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers c ORDER BY c.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(customer_from_row).collect()
    }

    /// ORD-1 … ORD-5: one transaction that verifies the PO against what is on file, prices every
    /// line, records the order and its effect on the SOR, audits it and tells the partner of refusals.
    pub(super) async fn verify_and_price(
        &self,
        actor: &Actor,
        order: NewOrder,
        now: Timestamp,
    ) -> StoreResult<(Order, bool)> {
        let partner_id = ordering_partner(actor, order.partner_id)?;
        let fingerprint = content_hash(
            &json!({
                "partner_id": partner_id,
                "po_number": order.po_number,
                "customer": order.customer,
                "sor_number": order.sor_number.map(|n| n.to_string()),
                "lines": order.lines.iter().map(|l| json!([l.sku, l.quantity])).collect::<Vec<_>>(),
            })
            .to_string(),
        );
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let entered: Option<(i64, String)> =
            sqlx::query_as("SELECT id, request_hash FROM orders WHERE partner_id = $1 AND po_number = $2")
                .bind(partner_id)
                .bind(&order.po_number)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if let Some((id, hash)) = entered {
            if hash != fingerprint {
                return Err(StoreError::conflict(format!(
                    "PO {} of this partner was already entered as order #{id} with other content; \
                     a changed order needs a new PO number",
                    order.po_number
                )));
            }
            return Ok((load_order(&mut tx, id).await?, false));
        }
        let partner_known: Option<i64> = sqlx::query_scalar("SELECT id FROM partners WHERE id = $1")
            .bind(partner_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if partner_known.is_none() {
            return Err(StoreError::invalid(
                "partner_id",
                format!("no partner has id {partner_id}"),
            ));
        }
        let settings = load_settings(&mut tx).await?;
        let order_date = business_date(now, &settings.zone());
        let products = products_for(&mut tx, "lines", &order.lines).await?;
        let customer_id = resolve_customer(&mut tx, &order.customer, now).await?;
        let segment: String = sqlx::query_scalar("SELECT segment FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let segment = Segment::parse(&segment).map_err(corrupt)?;
        let ids: Vec<i64> = products.iter().map(|(id, _)| *id).collect();
        let mut versions = price_versions(&mut tx, &ids).await?;
        let mut qb = QueryBuilder::<Db>::new("SELECT id FROM products WHERE is_accessory = ");
        qb.push_bind(true).push(" AND id IN ");
        push_id_list(&mut qb, &ids);
        let accessories: BTreeSet<i64> = qb
            .build_query_scalar()
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .into_iter()
            .collect();
        let requests: Vec<LineRequest> = products
            .iter()
            .map(|(id, line)| LineRequest {
                product_id: *id,
                sku: line.sku.clone(),
                quantity: line.quantity,
                is_accessory: accessories.contains(id),
                price: price_in_effect(
                    &versions
                        .remove(id)
                        .unwrap_or_default()
                        .iter()
                        .map(price_rule)
                        .collect::<Vec<_>>(),
                    order_date,
                ),
            })
            .collect();
        let cited = match order.sor_number {
            None => CitedSor::None,
            Some(number) => {
                let number = number.to_string();
                match sor_on_file(&mut tx, partner_id, SorLookup::Number(&number)).await? {
                    Some(sor) => CitedSor::Found(sor),
                    None => CitedSor::NotThisPartners(number),
                }
            }
        };
        let latest_for_customer = sor_on_file(&mut tx, partner_id, SorLookup::LatestForCustomer(customer_id)).await?;
        let context = OrderContext {
            order_date,
            customer_id,
            segment,
            cited,
            latest_for_customer,
            no_sor: settings.no_sor_pricing,
            over_order: settings.over_order,
        };
        let priced = price_order(&context, &requests);
        let status = order_status(&priced);
        let total: i64 = priced.iter().map(|l| l.amount_minor()).sum();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO orders (partner_id, po_number, customer_id, customer_name, segment, sor_number, order_date, status, \
             total_minor, currency, request_hash, entered_by, entered_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(partner_id)
        .bind(&order.po_number)
        .bind(customer_id)
        .bind(&order.customer.name)
        .bind(segment.as_str())
        .bind(order.sor_number.map(|n| n.to_string()))
        .bind(order_date.to_string())
        .bind(status.as_str())
        .bind(total)
        .bind(settings.currency.as_str())
        .bind(&fingerprint)
        .bind(actor.user_id)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_or_db("this PO number of this partner was entered at the same moment; send it again"))?;
        let lines: Vec<(i64, &LineRequest, &PricedLine)> = (1..)
            .zip(requests.iter())
            .zip(priced.iter())
            .map(|((n, r), p)| (n, r, p))
            .collect();
        insert_rows(
            &mut tx,
            "INSERT INTO order_lines (order_id, line_no, product_id, sku, quantity, basis, unit_price_minor, amount_minor, \
             sor_registration_id, sor_number, reason, warning) ",
            &lines,
            |mut row, (n, request, line)| {
                let (basis, unit, sor) = match &line.decision {
                    LineDecision::Priced {
                        basis, unit_minor, sor, ..
                    } => (Some(basis.as_str()), Some(*unit_minor), sor.clone()),
                    LineDecision::Refused => (None, None, None),
                };
                row.push_bind(id)
                    .push_bind(*n)
                    .push_bind(request.product_id)
                    .push_bind(request.sku.clone())
                    .push_bind(request.quantity)
                    .push_bind(basis)
                    .push_bind(unit)
                    .push_bind(line.amount_minor())
                    .push_bind(sor.as_ref().map(|s| s.0))
                    .push_bind(sor.map(|s| s.1))
                    .push_bind(line.reason.clone())
                    .push_bind(line.warning.clone());
            },
        )
        .await?;
        for (_, request, line) in &lines {
            if let LineDecision::Priced {
                amount_minor,
                sor: Some((registration_id, _)),
                ..
            } = &line.decision
            {
                sqlx::query(
                    "UPDATE registration_lines SET ordered_quantity = ordered_quantity + $1, \
                     ordered_minor = ordered_minor + $2 WHERE registration_id = $3 AND product_id = $4",
                )
                .bind(request.quantity)
                .bind(*amount_minor)
                .bind(*registration_id)
                .bind(request.product_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        let entered = load_order(&mut tx, id).await?;
        audit(
            &mut tx,
            Change {
                actor: Some(actor),
                action: &format!("order.{status}"),
                entity_type: "order",
                entity_id: id,
                before: None,
                after: Some(&order_snapshot(&entered)),
            },
            now,
        )
        .await?;
        if status != OrderStatus::Accepted {
            let refused: Vec<(&str, &str)> = entered
                .lines
                .iter()
                .filter(|l| l.basis.is_none())
                .map(|l| (l.sku.as_str(), l.reason.as_str()))
                .collect();
            let draft = order_refused(id, &entered.po_number, &entered.customer_name, &refused);
            let recipients: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM users WHERE partner_id = $1 AND active = $2 AND (role = 'partner_admin' OR id = $3) ORDER BY id",
            )
            .bind(partner_id)
            .bind(true)
            .bind(actor.user_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for recipient in recipients {
                enqueue(
                    &mut tx,
                    &format!("order:{id}:refused:{recipient}"),
                    recipient,
                    &draft,
                    ("order", id),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok((entered, true))
    }

    pub(super) async fn order(&self, actor: &Actor, id: i64) -> StoreResult<Order> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let order = load_order(&mut conn, id).await?;
        check(can_read_order(actor, order.partner_id), "order", "read orders")?;
        Ok(order)
    }

    pub(super) async fn orders(
        &self,
        actor: &Actor,
        filter: OrderFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Order>> {
        if actor.is_staff() && !can_enter_orders(actor) {
            return Err(StoreError::Forbidden(
                "only order entry, administrators and partners read orders".into(),
            ));
        }
        let mut qb = QueryBuilder::<Db>::new(order_select());
        qb.push(" WHERE o.id < ").push_bind(page_cursor(&page));
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
        qb.push(" ORDER BY o.id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let mut conn = self.read.acquire().await.map_err(db)?;
        let rows = qb.build().fetch_all(&mut *conn).await.map_err(db)?;
        let orders = rows.iter().map(order_from_row).collect::<StoreResult<Vec<_>>>()?;
        let mut page = Page::from_rows(orders, page.limit, |o| o.id);
        with_lines(&mut conn, &mut page.items).await?;
        Ok(page)
    }
}
