//! REG-6: finding other partners' registrations that may be the same opportunity, bounded at any data size.

use crate::sql::directory::customers::customer_from_row;
use crate::sql::kit::*;
use crate::sql::registrations::rows::REG_CUSTOMER_COLUMNS;

/// Candidate customers looked at per conflict check; keeps the check bounded at any data size.
pub(crate) const MAX_CANDIDATE_CUSTOMERS: i64 = 200;

pub(crate) fn identity_of(c: &CustomerRecord) -> CustomerIdentity {
    CustomerIdentity::from_raw(
        &c.name,
        c.domain.as_deref(),
        c.tax_id.as_deref(),
        c.city.as_deref(),
        c.postal_code.as_deref(),
        &c.country,
    )
}

pub(crate) const IDENTITY_COLUMNS: &str = "id, name_norm, domain, tax_id, city_norm, postal_norm, country";

/// The stored, already normalised identity of a customer row.
pub(crate) fn stored_identity(row: &DbRow) -> StoreResult<CustomerIdentity> {
    let city: String = get(row, "city_norm")?;
    Ok(CustomerIdentity {
        name: get(row, "name_norm")?,
        domain: get(row, "domain")?,
        tax_id: get(row, "tax_id")?,
        city: (!city.is_empty()).then_some(city),
        postal_code: get(row, "postal_norm")?,
        country: get(row, "country")?,
    })
}

/// Customers that could be `identity`, by id: exact keys (same row, tax id, domain, normalised name)
/// and the customers sharing its rarest name keys, bounded, then filtered by
/// [`could_match`] before any registration is read.
pub(crate) async fn candidate_customers(
    conn: &mut Conn,
    identity: &CustomerIdentity,
    customer_id: Option<i64>,
) -> StoreResult<Vec<i64>> {
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {IDENTITY_COLUMNS} FROM customers WHERE id = "));
    qb.push_bind(customer_id.unwrap_or(-1));
    if let Some(tax) = &identity.tax_id {
        qb.push(" OR tax_id = ").push_bind(tax.clone());
    }
    if let Some(domain) = &identity.domain {
        qb.push(" OR domain = ").push_bind(domain.clone());
    }
    qb.push(" OR (name_norm = ")
        .push_bind(identity.name.clone())
        .push(" AND country = ")
        .push_bind(identity.country.clone())
        .push(")");
    let mut rows = qb.build().fetch_all(&mut *conn).await?;
    let keys = rarest_keys(conn, &name_index_keys(&identity.name)).await?;
    if !keys.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {IDENTITY_COLUMNS} FROM customers WHERE id IN (SELECT customer_id FROM customer_keys WHERE key IN ("
        ));
        let mut list = qb.separated(", ");
        for key in keys {
            list.push_bind(key);
        }
        list.push_unseparated(") LIMIT ");
        qb.push_bind(MAX_CANDIDATE_CUSTOMERS).push(")");
        rows.extend(qb.build().fetch_all(&mut *conn).await?);
    }
    let mut candidates = Vec::new();
    for row in &rows {
        if could_match(identity, &stored_identity(row)?) {
            candidates.push(get::<i64>(row, "id")?);
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    Ok(candidates)
}

/// The name keys to probe: rarest first, as many as fit in the candidate budget, at least one.
pub(crate) async fn rarest_keys(conn: &mut Conn, keys: &[String]) -> StoreResult<Vec<String>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT key, customers FROM customer_key_counts WHERE key IN (");
    let mut list = qb.separated(", ");
    for key in keys {
        list.push_bind(key.clone());
    }
    list.push_unseparated(") ORDER BY customers, key");
    let mut chosen = Vec::new();
    let mut budget = 0;
    for row in qb.build().fetch_all(&mut *conn).await? {
        let count: i64 = get(&row, "customers")?;
        if !chosen.is_empty() && budget + count > MAX_CANDIDATE_CUSTOMERS {
            break;
        }
        budget += count;
        chosen.push(get(&row, "key")?);
    }
    Ok(chosen)
}

/// Other partners' active registrations that may be the same opportunity, strongest first. Every
/// lookup is an index probe — same customer row, tax id, domain, name keys — bounded in size, so the
/// check costs the same at a million registrations as at a hundred.
pub(crate) async fn find_matches(
    conn: &mut Conn,
    identity: &CustomerIdentity,
    customer_id: Option<i64>,
    skus: &[String],
    exclude_partner: Option<i64>,
    exclude_registration: Option<i64>,
) -> StoreResult<Vec<ConflictMatch>> {
    let candidates = candidate_customers(conn, identity, customer_id).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT r.id, r.partner_id, p.name AS partner_name, r.status, r.sor_number, r.submitted_us, {REG_CUSTOMER_COLUMNS} \
         FROM registrations r JOIN partners p ON p.id = r.partner_id \
         WHERE r.status IN ('submitted', 'approved') AND r.customer_id IN "
    ));
    push_id_list(&mut qb, &candidates);
    if let Some(partner) = exclude_partner {
        qb.push(" AND r.partner_id <> ").push_bind(partner);
    }
    if let Some(reg) = exclude_registration {
        qb.push(" AND r.id <> ").push_bind(reg);
    }
    let rows = qb.build().fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let reg_ids: Vec<i64> = rows.iter().map(|r| get(r, "id")).collect::<StoreResult<_>>()?;
    let mut qb =
        QueryBuilder::<Db>::new("SELECT registration_id, sku FROM registration_lines WHERE registration_id IN ");
    push_id_list(&mut qb, &reg_ids);
    let mut skus_by_reg: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await? {
        skus_by_reg
            .entry(get(&row, "registration_id")?)
            .or_default()
            .push(get(&row, "sku")?);
    }
    let mut matches = Vec::new();
    for row in &rows {
        let id: i64 = get(row, "id")?;
        let customer = customer_from_row(row)?;
        let existing_skus = skus_by_reg.remove(&id).unwrap_or_default();
        // Asked about "all products", every product of the existing registration overlaps.
        let new_skus = if skus.is_empty() { &existing_skus } else { skus };
        // Against the customer as that registration's partner described it, not the shared row.
        let Some(score) = score_match(identity, new_skus, &identity_of(&customer), &existing_skus) else {
            continue;
        };
        matches.push(ConflictMatch {
            registration_id: id,
            partner_id: get(row, "partner_id")?,
            partner_name: get(row, "partner_name")?,
            status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
            sor_number: get(row, "sor_number")?,
            customer_name: customer.name,
            submitted_at: at(get(row, "submitted_us")?),
            score: score.score,
            is_conflict: score.is_conflict,
            reasons: score.reasons,
        });
    }
    matches.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.registration_id.cmp(&b.registration_id))
    });
    Ok(matches)
}

/// Matches are stored as found; their status and SOR number are read fresh, so an approver never
/// acts on a match that has since been approved, declined or closed without seeing it.
pub(crate) async fn refresh_matches(conn: &mut Conn, matches: &mut [ConflictMatch]) -> StoreResult<()> {
    if matches.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT id, status, sor_number FROM registrations WHERE id IN ");
    push_id_list(&mut qb, &matches.iter().map(|m| m.registration_id).collect::<Vec<_>>());
    let mut current = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await? {
        let status = Status::parse(&get::<String>(&row, "status")?).map_err(corrupt)?;
        current.insert(
            get::<i64>(&row, "id")?,
            (status, get::<Option<String>>(&row, "sor_number")?),
        );
    }
    for m in matches.iter_mut() {
        if let Some((status, sor)) = current.remove(&m.registration_id) {
            m.status = status;
            m.sor_number = sor;
        }
    }
    Ok(())
}
