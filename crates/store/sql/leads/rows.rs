//! Reading and writing lead rows, their products and their declines.

use crate::sql::kit::*;
use domain::leads::input::{LeadCompany, NewLead};
use domain::leads::{LeadSource, LeadStatus};

pub(crate) const LEAD_SELECT: &str = "SELECT l.*, p.name AS partner_name, r.name AS region_name FROM leads l \
     LEFT JOIN partners p ON p.id = l.partner_id LEFT JOIN regions r ON r.id = l.region_id";

pub(crate) fn lead_from_row(row: &DbRow) -> StoreResult<Lead> {
    let latitude: Option<i64> = get(row, "latitude_e6")?;
    let longitude: Option<i64> = get(row, "longitude_e6")?;
    Ok(Lead {
        id: get(row, "id")?,
        source: LeadSource::parse(&get::<String>(row, "source")?).map_err(corrupt)?,
        company: LeadCompany {
            name: get(row, "company_name")?,
            domain: get(row, "company_domain")?,
            country: get(row, "country")?,
            city: get(row, "city")?,
        },
        segment: get::<Option<String>>(row, "segment")?
            .as_deref()
            .map(Segment::parse)
            .transpose()
            .map_err(corrupt)?,
        contact_name: get(row, "contact_name")?,
        contact_email: get(row, "contact_email")?,
        region_id: get(row, "region_id")?,
        region_name: get(row, "region_name")?,
        location: latitude.zip(longitude).map(|(latitude_e6, longitude_e6)| Coordinates {
            latitude_e6,
            longitude_e6,
        }),
        description: get(row, "description")?,
        estimated_value: Money {
            amount_minor: get(row, "est_value_minor")?,
            currency: parse_currency(&get::<String>(row, "currency")?)?,
        },
        products: Vec::new(),
        status: LeadStatus::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        partner_id: get(row, "partner_id")?,
        partner_name: get(row, "partner_name")?,
        reason: get(row, "reason")?,
        opportunity_id: get(row, "opportunity_id")?,
        declines: Vec::new(),
        created_at: at(get(row, "created_us")?),
    })
}

/// Fills in the products of these leads and, for the channel team, their declines: one query each.
pub(crate) async fn with_details(conn: &mut Conn, leads: &mut [Lead], declines: bool) -> StoreResult<()> {
    if leads.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = leads.iter().map(|l| l.id).collect();
    let mut qb = QueryBuilder::<Db>::new("SELECT lead_id, sku, quantity FROM lead_products WHERE lead_id IN ");
    push_id_list(&mut qb, &ids);
    qb.push(" ORDER BY lead_id, sku");
    let mut products: BTreeMap<i64, Vec<LeadProduct>> = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await? {
        products.entry(get(&row, "lead_id")?).or_default().push(LeadProduct {
            sku: get(&row, "sku")?,
            quantity: get(&row, "quantity")?,
        });
    }
    let mut refusals: BTreeMap<i64, Vec<LeadDecline>> = BTreeMap::new();
    if declines {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT d.lead_id, d.partner_id, p.name AS partner_name, d.reason, d.declined_us FROM lead_declines d \
             JOIN partners p ON p.id = d.partner_id WHERE d.lead_id IN ",
        );
        push_id_list(&mut qb, &ids);
        qb.push(" ORDER BY d.lead_id, d.declined_us, d.partner_id");
        for row in qb.build().fetch_all(&mut *conn).await? {
            refusals.entry(get(&row, "lead_id")?).or_default().push(LeadDecline {
                partner_id: get(&row, "partner_id")?,
                partner_name: get(&row, "partner_name")?,
                reason: get(&row, "reason")?,
                declined_at: at(get(&row, "declined_us")?),
            });
        }
    }
    for lead in leads {
        lead.products = products.remove(&lead.id).unwrap_or_default();
        lead.declines = refusals.remove(&lead.id).unwrap_or_default();
    }
    Ok(())
}

/// The lead with its products and declines (what the channel team sees; `present` trims it).
pub(crate) async fn load_lead(conn: &mut Conn, id: i64) -> StoreResult<Lead> {
    let sql = format!("{LEAD_SELECT} WHERE l.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("lead"))?;
    let mut leads = vec![lead_from_row(&row)?];
    with_details(conn, &mut leads, true).await?;
    Ok(leads.remove(0))
}

/// What a reader is shown: a partner never learns who else declined the lead.
pub(crate) fn present(actor: &Actor, mut lead: Lead) -> Lead {
    if actor.role.is_partner() {
        lead.declines.clear();
    }
    lead
}

/// Inserts a lead, not yet distributed, with its products (already resolved to product ids).
pub(crate) async fn insert_lead(
    conn: &mut Conn,
    lead: &NewLead,
    region_id: Option<i64>,
    products: &[(i64, ProductLine)],
    created_by: Option<i64>,
    now: Timestamp,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO leads (source, company_name, company_domain, country, city, segment, contact_name, contact_email, \
         region_id, latitude_e6, longitude_e6, description, est_value_minor, currency, status, reason, created_by, created_us, updated_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'unassigned', '', $15, $16, $16) RETURNING id",
    )
    .bind(lead.source.as_str())
    .bind(&lead.company.name)
    .bind(&lead.company.domain)
    .bind(&lead.company.country)
    .bind(&lead.company.city)
    .bind(lead.segment.map(Segment::as_str))
    .bind(&lead.contact_name)
    .bind(&lead.contact_email)
    .bind(region_id)
    .bind(lead.location.map(|c| c.latitude_e6))
    .bind(lead.location.map(|c| c.longitude_e6))
    .bind(&lead.description)
    .bind(lead.estimated_value.amount_minor)
    .bind(lead.estimated_value.currency.as_str())
    .bind(created_by)
    .bind(us(now))
    .fetch_one(&mut *conn)
    .await
    .on_foreign_key(StoreError::invalid("region_id", "no such region"))?;
    let rows: Vec<_> = products.iter().map(|(product, line)| (id, *product, line)).collect();
    insert_rows(
        conn,
        "INSERT INTO lead_products (lead_id, product_id, sku, quantity) ",
        &rows,
        |mut row, (lead, product, line)| {
            row.push_bind(*lead)
                .push_bind(*product)
                .push_bind(line.sku.clone())
                .push_bind(line.quantity);
        },
    )
    .await?;
    Ok(id)
}

/// What the audit trail keeps of a lead.
pub(crate) fn snapshot(lead: &Lead) -> Value {
    json!({
        "company": lead.company,
        "status": lead.status,
        "partner_id": lead.partner_id,
        "reason": lead.reason,
        "opportunity_id": lead.opportunity_id,
        "estimated_value_minor": lead.estimated_value.amount_minor,
    })
}
