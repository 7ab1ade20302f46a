//! End customers: one record per organisation, found again by domain, tax id or normalised name.

use crate::sql::kit::*;

pub(crate) const CUSTOMER_COLUMNS: &str = "c.id AS c_id, c.name AS c_name, c.domain AS c_domain, c.tax_id AS c_tax_id, \
     c.city AS c_city, c.postal_code AS c_postal_code, c.country AS c_country, c.segment AS c_segment";

pub(crate) fn customer_from_row(row: &DbRow) -> StoreResult<CustomerRecord> {
    Ok(CustomerRecord {
        id: get(row, "c_id")?,
        name: get(row, "c_name")?,
        domain: get(row, "c_domain")?,
        tax_id: get(row, "c_tax_id")?,
        city: get(row, "c_city")?,
        postal_code: get(row, "c_postal_code")?,
        country: get(row, "c_country")?,
        segment: Segment::parse(&get::<String>(row, "c_segment")?).map_err(corrupt)?,
    })
}

/// Finds the customer row these details name exactly — by tax id, then domain, then normalised
/// name in the same city and country — or creates it. Fuzzy resemblance does not merge rows; it is
/// reported by [`find_matches`].
pub(crate) async fn resolve_customer(conn: &mut Conn, customer: &Customer, now: Timestamp) -> StoreResult<i64> {
    let identity = customer.identity();
    if let Some(id) = find_customer(conn, &identity).await? {
        return Ok(id);
    }
    insert_customer(conn, customer, &identity, now).await
}

/// The customer row these exact keys name, if any.
pub(crate) async fn find_customer(conn: &mut Conn, identity: &CustomerIdentity) -> StoreResult<Option<i64>> {
    let city_norm = identity.city.clone().unwrap_or_default();
    sqlx::query_scalar(
        "SELECT id FROM customers WHERE (tax_id IS NOT NULL AND tax_id = $1) \
         OR (domain IS NOT NULL AND domain = $2) \
         OR (name_norm = $3 AND country = $4 AND city_norm = $5) \
         ORDER BY (tax_id IS NOT NULL AND tax_id = $1) DESC, (domain IS NOT NULL AND domain = $2) DESC, id LIMIT 1",
    )
    .bind(&identity.tax_id)
    .bind(&identity.domain)
    .bind(&identity.name)
    .bind(&identity.country)
    .bind(&city_norm)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::from)
}

pub(crate) async fn insert_customer(
    conn: &mut Conn,
    customer: &Customer,
    identity: &CustomerIdentity,
    now: Timestamp,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO customers (name, name_norm, domain, tax_id, city, city_norm, postal_code, postal_norm, country, segment, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&customer.name)
    .bind(&identity.name)
    .bind(&identity.domain)
    .bind(&identity.tax_id)
    .bind(&customer.city)
    .bind(identity.city.clone().unwrap_or_default())
    .bind(&customer.postal_code)
    .bind(&identity.postal_code)
    .bind(&identity.country)
    .bind(customer.segment.as_str())
    .bind(us(now))
    .fetch_one(&mut *conn)
    .await
    .on_unique("a customer with this tax id, domain or name already exists")?;
    index_names(conn, &[(id, identity.name.as_str())]).await?;
    Ok(id)
}

/// Adds customers' name keys to the candidate index and to the per-key counts that let a conflict
/// check probe the rarest keys first; multi-row statements, one round trip each.
pub(crate) async fn index_names(conn: &mut Conn, customers: &[(i64, &str)]) -> StoreResult<()> {
    let mut keys = Vec::new();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for (id, name) in customers {
        for key in name_index_keys(name) {
            *counts.entry(key.clone()).or_default() += 1;
            keys.push((key, *id));
        }
    }
    insert_rows(
        conn,
        "INSERT INTO customer_keys (key, customer_id) ",
        &keys,
        |mut row, (key, id)| {
            row.push_bind(key.clone()).push_bind(*id);
        },
    )
    .await?;
    let counts: Vec<(String, i64)> = counts.into_iter().collect();
    for chunk in counts.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO customer_key_counts (key, customers) ");
        qb.push_values(chunk, |mut row, (key, n)| {
            row.push_bind(key.clone()).push_bind(*n);
        });
        qb.push(" ON CONFLICT (key) DO UPDATE SET customers = customer_key_counts.customers + excluded.customers");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}
