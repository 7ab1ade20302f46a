//! Entering a PO, step by step: whether it was entered before, loading what it is checked against
//! (the partner, the customer, the prices in force, the cited SOR and the SORs on file), writing the
//! priced order, and telling the partner what became of its PO. The pricing decision between loading
//! and writing is the domain's (`ordering::price_order`).

use crate::sql::directory::customers::resolve_customer;
use crate::sql::directory::load_settings;
use crate::sql::directory::products::{price_rule, price_versions};
use crate::sql::kit::*;
use crate::sql::registrations::rows::product_ids;
use crate::sql::write::Write;
use domain::orders::notify::EnteredOrder;

/// Which SOR of a partner order entry looks up.
pub(crate) enum SorLookup<'a> {
    /// The number written on the PO.
    Number(&'a str),
    /// ORD-4: the most recently approved SOR for this customer, whatever its status now.
    LatestForCustomer(i64),
}

/// An SOR of `partner_id` as order entry needs it: status, validity and what each line allows.
pub(crate) async fn sor_on_file(
    conn: &mut Conn,
    partner_id: i64,
    lookup: SorLookup<'_>,
) -> StoreResult<Option<SorOnFile>> {
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
    let Some(row) = qb.build().fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let id: i64 = get(&row, "id")?;
    let mut lines = BTreeMap::new();
    for line in
        sqlx::query("SELECT product_id, quantity, ordered_quantity FROM registration_lines WHERE registration_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
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
pub(crate) fn ordering_partner(actor: &Actor, named: Option<i64>) -> StoreResult<i64> {
    if !domain::orders::policy::can_enter_orders(actor) {
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

/// What identifies a PO's content: the same PO number sent again with this fingerprint is a retry.
pub(crate) fn po_fingerprint(partner_id: i64, order: &NewOrder) -> String {
    content_hash(
        &json!({
            "partner_id": partner_id,
            "po_number": order.po_number,
            "customer": order.customer,
            "sor_number": order.sor_number.map(|n| n.to_string()),
            "lines": order.lines.iter().map(|l| json!([l.sku, l.quantity])).collect::<Vec<_>>(),
        })
        .to_string(),
    )
}

/// The order already entered under this partner's PO number, if its content is the same; a
/// conflict if the content differs (a changed order needs a new PO number).
pub(crate) async fn entered_before(
    conn: &mut Conn,
    partner_id: i64,
    po_number: &str,
    fingerprint: &str,
) -> StoreResult<Option<i64>> {
    let entered: Option<(i64, String)> =
        sqlx::query_as("SELECT id, request_hash FROM orders WHERE partner_id = $1 AND po_number = $2")
            .bind(partner_id)
            .bind(po_number)
            .fetch_optional(&mut *conn)
            .await?;
    match entered {
        Some((id, hash)) if hash != fingerprint => Err(StoreError::conflict(format!(
            "PO {po_number} of this partner was already entered as order #{id} with other content; \
             a changed order needs a new PO number"
        ))),
        Some((id, _)) => Ok(Some(id)),
        None => Ok(None),
    }
}

/// Everything the pricing decision needs, loaded in the write's transaction.
pub(crate) struct LoadedOrder {
    pub(crate) partner_id: i64,
    pub(crate) context: OrderContext,
    pub(crate) requests: Vec<LineRequest>,
    pub(crate) currency: Currency,
}

pub(crate) async fn load_order_context(
    conn: &mut Conn,
    partner_id: i64,
    order: &NewOrder,
    now: Timestamp,
) -> StoreResult<LoadedOrder> {
    let partner_known: Option<i64> = sqlx::query_scalar("SELECT id FROM partners WHERE id = $1")
        .bind(partner_id)
        .fetch_optional(&mut *conn)
        .await?;
    if partner_known.is_none() {
        return Err(StoreError::invalid(
            "partner_id",
            format!("no partner has id {partner_id}"),
        ));
    }
    let settings = load_settings(conn).await?;
    let order_date = business_date(now, &settings.zone());
    // A SKU the price list does not know is the domain's to refuse, line by line.
    let products = product_ids(conn, &order.lines).await?;
    let customer_id = resolve_customer(conn, &order.customer, now).await?;
    let segment: String = sqlx::query_scalar("SELECT segment FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_one(&mut *conn)
        .await?;
    let segment = Segment::parse(&segment).map_err(corrupt)?;
    let ids: Vec<i64> = products.iter().filter_map(|(id, _)| *id).collect();
    let mut versions = price_versions(conn, &ids).await?;
    let mut accessories = BTreeSet::new();
    if !ids.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("SELECT id FROM products WHERE is_accessory = ");
        qb.push_bind(true).push(" AND id IN ");
        push_id_list(&mut qb, &ids);
        accessories.extend(qb.build_query_scalar::<i64>().fetch_all(&mut *conn).await?);
    }
    let requests: Vec<LineRequest> = products
        .iter()
        .map(|(id, line)| LineRequest {
            product_id: *id,
            sku: line.sku.clone(),
            quantity: line.quantity,
            is_accessory: id.is_some_and(|id| accessories.contains(&id)),
            price: id.and_then(|id| {
                ordering::price_in_effect(
                    &versions
                        .remove(&id)
                        .unwrap_or_default()
                        .iter()
                        .map(price_rule)
                        .collect::<Vec<_>>(),
                    order_date,
                )
            }),
        })
        .collect();
    let cited = match order.sor_number {
        None => CitedSor::None,
        Some(number) => {
            let number = number.to_string();
            match sor_on_file(conn, partner_id, SorLookup::Number(&number)).await? {
                Some(sor) => CitedSor::Found(sor),
                None => CitedSor::NotThisPartners(number),
            }
        }
    };
    let latest_for_customer = sor_on_file(conn, partner_id, SorLookup::LatestForCustomer(customer_id)).await?;
    let context = OrderContext {
        order_date,
        customer_id,
        segment,
        cited,
        latest_for_customer,
        no_sor: settings.no_sor_pricing,
        over_order: settings.over_order,
    };
    Ok(LoadedOrder {
        partner_id,
        context,
        requests,
        currency: settings.currency,
    })
}

/// Writes the priced order and its lines, and draws the priced quantities on the SORs' lines (ORD-5).
pub(crate) async fn write_order(
    conn: &mut Conn,
    order: &NewOrder,
    loaded: &LoadedOrder,
    priced: &[ordering::PricedLine],
    fingerprint: &str,
    entered_by: &Actor,
    now: Timestamp,
) -> StoreResult<i64> {
    let context = &loaded.context;
    let status = ordering::order_status(priced);
    let total: i64 = priced.iter().map(|l| l.amount_minor()).sum();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (partner_id, po_number, customer_id, customer_name, segment, sor_number, order_date, status, \
         total_minor, currency, request_hash, entered_by, entered_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(loaded.partner_id)
    .bind(&order.po_number)
    .bind(context.customer_id)
    .bind(&order.customer.name)
    .bind(context.segment.as_str())
    .bind(order.sor_number.map(|n| n.to_string()))
    .bind(context.order_date.to_string())
    .bind(status.as_str())
    .bind(total)
    .bind(loaded.currency.as_str())
    .bind(fingerprint)
    .bind(entered_by.user_id)
    .bind(us(now))
    .fetch_one(&mut *conn)
    .await
    .on_unique("this PO number of this partner was entered at the same moment; send it again")?;
    let lines: Vec<(i64, &LineRequest, &ordering::PricedLine)> = (1..)
        .zip(loaded.requests.iter())
        .zip(priced.iter())
        .map(|((n, r), p)| (n, r, p))
        .collect();
    insert_rows(
        conn,
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
    draw_on_sors(conn, &lines).await?;
    Ok(id)
}

/// ORD-5: what each line priced under an SOR draws on that SOR's registered line.
async fn draw_on_sors(conn: &mut Conn, lines: &[(i64, &LineRequest, &ordering::PricedLine)]) -> StoreResult<()> {
    for (_, request, line) in lines {
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
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// ORD-2: the partner's administrators and the user who sent the PO learn at once what became of
/// it: accepted, partially accepted (with the refused lines and why) or refused.
pub(crate) async fn announce_order(tx: &mut Write<'_>, actor: &Actor, entered: &Order) -> StoreResult<()> {
    let id = entered.id;
    let partner_id = entered.partner_id;
    let draft = domain::orders::notify::order_entered(&EnteredOrder {
        order_id: id,
        po_number: &entered.po_number,
        customer: &entered.customer_name,
        status: entered.status,
        lines: entered.lines.len(),
        total: entered.total,
        refused: entered
            .lines
            .iter()
            .filter(|l| l.basis.is_none())
            .map(|l| (l.line_no, l.sku.as_str(), l.reason.as_str()))
            .collect(),
    });
    let recipients: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE partner_id = $1 AND active = $2 AND (role = 'partner_admin' OR id = $3) ORDER BY id",
        )
        .bind(partner_id)
        .bind(true)
        .bind(actor.user_id)
        .fetch_all(&mut **tx)
        .await?;
    for recipient in recipients {
        tx.notify(
            &format!("order:{id}:{}:{recipient}", entered.status),
            recipient,
            &draft,
            ("order", id),
        )
        .await?;
    }
    Ok(())
}
