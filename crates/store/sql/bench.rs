//! Benchmark-only SQL: the bulk fixture loader and the raw durable insert rate. Not a product path.

use crate::sql::directory::customers::index_names;
use crate::sql::kit::*;
use crate::sql::registrations::rows::insert_line_rows;
use domain::directory::products::ProductLine;

/// The raw limit benchmarks compare with: `count` single-row INSERT transactions, one after the
/// other on `conn`, into a new table `raw_insert` (dropped afterwards) of a scratch database. Returns transactions per
/// second; the durability is whatever `conn` was opened with.
pub async fn durable_insert_rate(conn: &mut Conn, count: usize) -> StoreResult<f64> {
    sqlx::raw_sql("CREATE TABLE raw_insert (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut *conn)
        .await?;
    let started = std::time::Instant::now();
    for i in 0..count {
        sqlx::query("INSERT INTO raw_insert (id, body) VALUES ($1, $2)")
            .bind(i as i64)
            .bind(format!("row {i}"))
            .execute(&mut *conn)
            .await?;
    }
    let rate = count as f64 / started.elapsed().as_secs_f64();
    sqlx::raw_sql("DROP TABLE raw_insert").execute(&mut *conn).await?;
    Ok(rate)
}

impl SqlStore {
    /// Loads benchmark data into an empty database fast, with multi-row inserts: customers with
    /// their name keys and key counts, registrations with their lines, claims and SOR numbers kept
    /// consistent, and one opportunity per registration (same id, managed by its partner, at one of
    /// the pipeline's stages; an approved registration belongs to it). For benchmarks only: it writes
    /// no audit entries and no notifications, and refuses a database that already has registrations.
    pub async fn load_benchmark_fixture(&self, fixture: &Fixture, progress: impl Fn(usize)) -> StoreResult<()> {
        let customer_ids = self.load_fixture_customers(fixture).await?;
        let now = us(fixture.submitted_at);
        let first_registration: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM registrations")
            .fetch_one(&self.read)
            .await?;
        let year = business_date(fixture.submitted_at, &jiff::tz::TimeZone::UTC).year();
        let mut claimed: std::collections::HashSet<(i64, i64)> = std::collections::HashSet::new();
        let mut sor_seq = 0i64;
        let through = fixture.valid_through.to_string();
        for (chunk_index, chunk) in fixture.registrations.chunks(20_000).enumerate() {
            let mut tx = dialect::begin_write(&self.write).await?;
            let mut regs = Vec::with_capacity(chunk.len());
            let mut lines = Vec::new();
            let mut claims = Vec::new();
            for (offset, reg) in chunk.iter().enumerate() {
                let id = first_registration + (chunk_index * 20_000 + offset) as i64;
                let customer_id = customer_ids[reg.customer];
                let wanted: Vec<(i64, i64)> = reg.lines.iter().map(|(p, _)| (customer_id, *p)).collect();
                let approve = reg.approve && wanted.iter().all(|k| !claimed.contains(k));
                let sor = approve.then(|| {
                    sor_seq += 1;
                    claimed.extend(wanted.iter().copied());
                    claims.extend(wanted.iter().map(|(c, p)| (*c, *p, id, reg.partner_id)));
                    SorNumber { year, seq: sor_seq }.to_string()
                });
                lines.extend(reg.lines.iter().map(|(p, l)| (id, *p, l.clone())));
                regs.push((id, reg, customer_id, sor));
            }
            insert_fixture_opportunities(&mut tx, &regs, &lines, &through, now, year).await?;
            insert_fixture_registrations(&mut tx, fixture, &regs, &through, now).await?;
            insert_line_rows(&mut tx, &lines).await?;
            insert_rows(
                &mut tx,
                "INSERT INTO claims (customer_id, product_id, registration_id, partner_id) ",
                &claims,
                |mut row, (c, p, r, partner)| {
                    row.push_bind(*c).push_bind(*p).push_bind(*r).push_bind(*partner);
                },
            )
            .await?;
            sqlx::query(
                "INSERT INTO sor_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last_seq = excluded.last_seq",
            )
            .bind(i64::from(year))
            .bind(sor_seq)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            progress(chunk_index * 20_000 + chunk.len());
        }
        dialect::after_bulk_load(&self.write, &["customers", "opportunities", "registrations"]).await?;
        Ok(())
    }

    /// Writes the fixture's customers with their name keys, and returns each fixture customer's row
    /// id. Customers that resolve to the same row (same tax id, domain or name in a city) share it.
    async fn load_fixture_customers(&self, fixture: &Fixture) -> StoreResult<Vec<i64>> {
        let mut tx = dialect::begin_write(&self.write).await?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            return Err(StoreError::conflict(
                "benchmark fixtures load only into a database without registrations",
            ));
        }
        let first_customer: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM customers")
            .fetch_one(&mut *tx)
            .await?;
        let mut row_of_key: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        let mut customer_ids = Vec::with_capacity(fixture.customers.len());
        let mut new_customers = Vec::new();
        for customer in &fixture.customers {
            let identity = customer.identity();
            let keys = [
                identity.tax_id.as_ref().map(|t| format!("t:{t}")),
                identity.domain.as_ref().map(|d| format!("d:{d}")),
                Some(format!(
                    "n:{}|{}|{}",
                    identity.name,
                    identity.country,
                    identity.city.clone().unwrap_or_default()
                )),
            ];
            let known = keys.iter().flatten().find_map(|k| row_of_key.get(k).copied());
            let id = known.unwrap_or_else(|| {
                let id = first_customer + new_customers.len() as i64;
                new_customers.push((id, customer, identity));
                id
            });
            for key in keys.into_iter().flatten() {
                row_of_key.entry(key).or_insert(id);
            }
            customer_ids.push(id);
        }
        insert_rows(
            &mut tx,
            "INSERT INTO customers (id, name, name_norm, domain, tax_id, city, city_norm, postal_code, postal_norm, country, segment, created_us) ",
            &new_customers,
            |mut row, (id, customer, identity)| {
                row.push_bind(*id)
                    .push_bind(customer.name.clone())
                    .push_bind(identity.name.clone())
                    .push_bind(identity.domain.clone())
                    .push_bind(identity.tax_id.clone())
                    .push_bind(customer.city.clone())
                    .push_bind(identity.city.clone().unwrap_or_default())
                    .push_bind(customer.postal_code.clone())
                    .push_bind(identity.postal_code.clone())
                    .push_bind(identity.country.clone())
                    .push_bind(customer.segment.as_str())
                    .push_bind(us(fixture.submitted_at));
            },
        )
        .await?;
        let names: Vec<(i64, &str)> = new_customers
            .iter()
            .map(|(id, _, identity)| (*id, identity.name.as_str()))
            .collect();
        index_names(&mut tx, &names).await?;
        tx.commit().await?;
        Ok(customer_ids)
    }
}

/// A registration of a fixture batch: its id, the fixture row, its customer's row id and its SOR
/// number if approved.
type FixtureRow<'a> = (i64, &'a FixtureRegistration, i64, Option<String>);

async fn insert_fixture_registrations(
    conn: &mut Conn,
    fixture: &Fixture,
    regs: &[FixtureRow<'_>],
    through: &str,
    now: i64,
) -> StoreResult<()> {
    insert_rows(
        conn,
        "INSERT INTO registrations (id, opportunity_id, partner_id, customer_id, status, est_value_minor, currency, expected_close, \
         approver_id, submitted_by, submitted_us, sor_number, valid_through, approved_us, possible_conflict, conflicts, \
         customer_name, customer_domain, customer_tax_id, customer_city, customer_postal_code, customer_country, \
         customer_segment) ",
        regs,
        |mut row, (id, reg, customer_id, sor)| {
            let customer = &fixture.customers[reg.customer];
            row.push_bind(*id)
                .push_bind(sor.as_ref().map(|_| *id))
                .push_bind(reg.partner_id)
                .push_bind(*customer_id)
                .push_bind(if sor.is_some() { "approved" } else { "submitted" })
                .push_bind(1_000_000i64)
                .push_bind("USD")
                .push_bind(through.to_owned())
                .push_bind(reg.approver_id)
                .push_bind(reg.submitted_by)
                .push_bind(now)
                .push_bind(sor.clone())
                .push_bind(sor.as_ref().map(|_| through.to_owned()))
                .push_bind(sor.as_ref().map(|_| now))
                .push_bind(false)
                .push_bind("[]")
                .push_bind(customer.name.clone())
                .push_bind(customer.domain.clone())
                .push_bind(customer.tax_id.clone())
                .push_bind(customer.city.clone())
                .push_bind(customer.postal_code.clone())
                .push_bind(customer.country.clone())
                .push_bind(customer.segment.as_str());
        },
    )
    .await?;
    Ok(())
}

/// One open opportunity per fixture registration, with the registration's id, lines and partner as
/// its manager; stages in turn, so the pipeline has every column filled.
async fn insert_fixture_opportunities(
    conn: &mut Conn,
    regs: &[FixtureRow<'_>],
    lines: &[(i64, i64, ProductLine)],
    through: &str,
    now: i64,
    year: i16,
) -> StoreResult<()> {
    let stages = domain::opportunities::default_stages();
    let close = parse_date(through)?;
    let rights =
        domain::opportunities::rights_through(close, ProgramSettings::default().grace_days, Some(close)).to_string();
    insert_rows(
        conn,
        "INSERT INTO opportunities (id, number, customer_id, name, source, stage, status, forecast_minor, currency, \
         close_date, rights_through, manager_partner_id, created_by, created_us) ",
        regs,
        |mut row, (id, reg, customer_id, _)| {
            row.push_bind(*id)
                .push_bind(domain::opportunities::OpportunityNumber { year, seq: *id }.to_string())
                .push_bind(*customer_id)
                .push_bind(format!("Bench opportunity {id}"))
                .push_bind("registration")
                .push_bind(stages[*id as usize % stages.len()].clone())
                .push_bind("open")
                .push_bind(1_000_000i64)
                .push_bind("USD")
                .push_bind(through.to_owned())
                .push_bind(rights.clone())
                .push_bind(reg.partner_id)
                .push_bind(reg.submitted_by)
                .push_bind(now);
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO opportunity_lines (opportunity_id, product_id, quantity) ",
        lines,
        |mut row, (id, product, line)| {
            row.push_bind(*id).push_bind(*product).push_bind(line.quantity);
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO opportunity_managers (opportunity_id, party_kind, party_id, from_us, reason) ",
        regs,
        |mut row, (id, reg, _, _)| {
            row.push_bind(*id)
                .push_bind("partner")
                .push_bind(reg.partner_id)
                .push_bind(now)
                .push_bind("Opened from partner registration");
        },
    )
    .await?;
    let last = regs.iter().map(|(id, ..)| *id).max().unwrap_or_default();
    sqlx::query(
        "INSERT INTO opportunity_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last_seq = excluded.last_seq",
    )
    .bind(i64::from(year))
    .bind(last)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
