//! The price list (ORD-3): products and their effective-dated price versions.

use crate::sql::kit::*;
use crate::sql::write::{Change, Write};

/// A product without its prices; [`with_prices`] adds the versions in force.
pub(crate) fn product_from_row(row: &DbRow) -> StoreResult<Product> {
    Ok(Product {
        id: get(row, "id")?,
        sku: get(row, "sku")?,
        name: get(row, "name")?,
        category: get(row, "category")?,
        is_accessory: get(row, "is_accessory")?,
        maintenance_term_months: get::<Option<i64>>(row, "maintenance_term_months")?.map(|m| m as u32),
        price: None,
        next_price: None,
    })
}

pub(crate) fn price_version_from_row(row: &DbRow) -> StoreResult<PriceVersion> {
    let currency = parse_currency(&get::<String>(row, "currency")?)?;
    let money = |column: &str| -> StoreResult<Money> {
        Ok(Money {
            amount_minor: get(row, column)?,
            currency,
        })
    };
    Ok(PriceVersion {
        effective_from: parse_date(&get::<String>(row, "effective_from")?)?,
        list_price: money("list_price_minor")?,
        partner_price: money("partner_price_minor")?,
        msrp: money("msrp_minor")?,
        rrsp: money("rrsp_minor")?,
    })
}

/// Every price version of these products, oldest first.
pub(crate) async fn price_versions(
    conn: &mut Conn,
    product_ids: &[i64],
) -> StoreResult<BTreeMap<i64, Vec<PriceVersion>>> {
    let mut versions: BTreeMap<i64, Vec<PriceVersion>> = BTreeMap::new();
    if product_ids.is_empty() {
        return Ok(versions);
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT * FROM product_prices WHERE product_id IN ");
    push_id_list(&mut qb, product_ids);
    qb.push(" ORDER BY product_id, effective_from");
    for row in qb.build().fetch_all(&mut *conn).await? {
        versions
            .entry(get(&row, "product_id")?)
            .or_default()
            .push(price_version_from_row(&row)?);
    }
    Ok(versions)
}

/// The domain's view of a price version (amounts only: one currency per program).
pub(crate) fn price_rule(v: &PriceVersion) -> ordering::PriceVersion {
    ordering::PriceVersion {
        effective_from: v.effective_from,
        list_minor: v.list_price.amount_minor,
        partner_minor: v.partner_price.amount_minor,
        msrp_minor: v.msrp.amount_minor,
        rrsp_minor: v.rrsp.amount_minor,
    }
}

/// Adds to each product the version in force on `today` and the next one scheduled.
pub(crate) async fn with_prices(conn: &mut Conn, products: &mut [Product], today: Date) -> StoreResult<()> {
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    let mut versions = price_versions(conn, &ids).await?;
    for product in products {
        let list = versions.remove(&product.id).unwrap_or_default();
        let rules: Vec<_> = list.iter().map(price_rule).collect();
        product.price = ordering::price_in_effect(&rules, today).and_then(|current| {
            list.iter()
                .find(|v| v.effective_from == current.effective_from)
                .cloned()
        });
        product.next_price = list.into_iter().find(|v| v.effective_from > today);
    }
    Ok(())
}

pub(crate) async fn load_products(conn: &mut Conn, condition: &str, value: &str) -> StoreResult<Vec<Product>> {
    let sql = format!("SELECT * FROM products WHERE {condition} ORDER BY sku");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(product_from_row).collect()
}

/// Every price in a file must be in the program's currency: orders sum lines in one currency.
pub(crate) fn check_currency(rows: &[Line<NewProduct>], currency: Currency) -> StoreResult<()> {
    domain::directory::files::currency_errors(rows, currency)
        .into_result(())
        .map_err(StoreError::from)
}

/// Upserts products and their price versions (one version per row; a row without a date starts
/// today). Returns the SKUs that were new.
pub(crate) async fn write_price_list(
    tx: &mut Write<'_>,
    rows: &[Line<NewProduct>],
    today: Date,
    now: Timestamp,
) -> StoreResult<BTreeSet<String>> {
    // The last row of a SKU decides its name and flags; each row adds a version.
    let products: BTreeMap<&str, &NewProduct> = rows.iter().map(|r| (r.value.sku.as_str(), &r.value)).collect();
    let skus: Vec<&str> = products.keys().copied().collect();
    let existing = product_ids(tx, &skus).await?;
    upsert_rows(
        tx,
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
    // Issue 15: every category a product names is a category commission rules can name.
    let categories: BTreeSet<&str> = products
        .values()
        .map(|p| p.category.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    for category in categories {
        sqlx::query("INSERT INTO product_categories (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(category)
            .execute(&mut **tx)
            .await?;
    }
    let ids = product_ids(tx, &skus).await?;
    let versions: Vec<(i64, &NewProduct, Date)> = rows
        .iter()
        .filter_map(|r| {
            let id = ids.get(&r.value.sku)?;
            Some((*id, &r.value, r.value.effective_from.unwrap_or(today)))
        })
        .collect();
    upsert_rows(
        tx,
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
            action: "product.price",
            entity_type: "product",
            entity_id: *id,
            before: None,
            after: Some(after),
        })
        .collect();
    tx.audit_many(&changes).await?;
    Ok(skus
        .into_iter()
        .filter(|sku| !existing.contains_key(*sku))
        .map(str::to_owned)
        .collect())
}

pub(crate) async fn product_ids(conn: &mut Conn, skus: &[&str]) -> StoreResult<BTreeMap<String, i64>> {
    let mut ids = BTreeMap::new();
    for chunk in skus.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new("SELECT id, sku FROM products WHERE sku IN (");
        let mut list = qb.separated(", ");
        for sku in chunk {
            list.push_bind(sku.to_string());
        }
        list.push_unseparated(")");
        for row in qb.build().fetch_all(&mut *conn).await? {
            ids.insert(get::<String>(&row, "sku")?, get::<i64>(&row, "id")?);
        }
    }
    Ok(ids)
}
