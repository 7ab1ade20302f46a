//! The directory: program settings, regions, partners and end customers (the price list is in `products`).

pub(crate) mod customers;
pub(crate) mod products;

use crate::sql::commissions::program::record_standing;
use crate::sql::directory::customers::{CUSTOMER_COLUMNS, customer_from_row, find_customer, insert_customer};
use crate::sql::directory::products::{
    check_currency, load_products, price_version_from_row, product_from_row, with_prices, write_price_list,
};
use crate::sql::kit::*;
use crate::sql::registrations::rows::REG_CUSTOMER_COLUMNS;
use crate::sql::write::{Change, Write};

/// Rows written per step of an import; progress is reported after each.
pub(crate) const IMPORT_BATCH: usize = 500;

/// Counting rows of the row-by-row imports, telling `progress` once per batch.
pub(crate) trait CountRows {
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

/// The company's business date at `now`.
pub(crate) async fn today(conn: &mut Conn, now: Timestamp) -> StoreResult<Date> {
    Ok(business_date(now, &load_settings(conn).await?.zone()))
}

pub(crate) async fn load_settings(conn: &mut Conn) -> StoreResult<ProgramSettings> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM program_settings WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    match body {
        Some(b) => serde_json::from_str(&b).map_err(|e| corrupt(e.to_string())),
        None => Ok(ProgramSettings::default()),
    }
}

/// Writes the program settings with their audit entry.
pub(crate) async fn save_settings(
    tx: &mut Write<'_>,
    before: &ProgramSettings,
    settings: &ProgramSettings,
) -> StoreResult<()> {
    let body = serde_json::to_string(settings).map_err(|e| StoreError::Database(e.to_string()))?;
    sqlx::query(
        "INSERT INTO program_settings (id, body) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
    )
    .bind(&body)
    .execute(&mut **tx)
    .await?;
    tx.audit(Change {
        action: "settings.update",
        entity_type: "settings",
        entity_id: 1,
        before: Some(&json!(before)),
        after: Some(&json!(settings)),
    })
    .await
}

/// REG-2: only a channel manager or an administrator can be a region's approver.
pub(crate) async fn check_manager(conn: &mut Conn, user_id: i64) -> StoreResult<()> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    if matches!(role.as_deref(), Some("admin" | "channel_manager")) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "manager_user_id",
            "must be a channel manager or administrator",
        ))
    }
}

pub(crate) fn partner_from_row(row: &DbRow) -> StoreResult<Partner> {
    Ok(Partner {
        id: get(row, "id")?,
        name: get(row, "name")?,
        level: PartnerLevel::parse(&get::<String>(row, "level")?).map_err(corrupt)?,
        activation_stage: ActivationStage::parse(&get::<String>(row, "activation_stage")?).map_err(corrupt)?,
        region_id: get(row, "region_id")?,
        reach: reach_from_row(row)?,
        created_at: at(get(row, "created_us")?),
    })
}

/// A partner's country, coordinates and capacity, as lead distribution reads them.
pub(crate) fn reach_from_row(row: &DbRow) -> StoreResult<LeadReach> {
    let latitude: Option<i64> = get(row, "latitude_e6")?;
    let longitude: Option<i64> = get(row, "longitude_e6")?;
    Ok(LeadReach {
        country: get(row, "country")?,
        location: latitude.zip(longitude).map(|(latitude_e6, longitude_e6)| Coordinates {
            latitude_e6,
            longitude_e6,
        }),
        lead_capacity: get::<Option<i64>>(row, "lead_capacity")?.map(|c| c.clamp(0, i64::from(u32::MAX)) as u32),
    })
}

pub(crate) fn require_customer_manager(actor: Option<&Actor>, what: &str) -> StoreResult<()> {
    match actor {
        Some(a) if !directory::can_manage_customers(a) => Err(StoreError::Forbidden(format!(
            "only administrators and channel managers may {what}"
        ))),
        _ => Ok(()),
    }
}

#[async_trait]
impl DirectoryStore for SqlStore {
    async fn settings(&self) -> StoreResult<ProgramSettings> {
        let mut conn = self.read.acquire().await?;
        load_settings(&mut conn).await
    }

    async fn update_settings(
        &self,
        actor: &Actor,
        settings: ProgramSettings,
        now: Timestamp,
    ) -> StoreResult<ProgramSettings> {
        require_admin(Some(actor), "change program settings")?;
        settings.validate()?;
        let mut tx = self.begin(Some(actor), now).await?;
        if let Some(approver) = settings.fallback_approver_id {
            let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1 AND active = $2")
                .bind(approver)
                .bind(true)
                .fetch_optional(&mut *tx)
                .await?;
            if !matches!(role.as_deref(), Some("admin" | "channel_manager")) {
                return Err(StoreError::invalid(
                    "fallback_approver_id",
                    "must be an active channel manager or administrator",
                ));
            }
        }
        let before = load_settings(&mut tx).await?;
        if settings.currency != before.currency {
            // Prices are kept in the currency they were imported in; orders would mix currencies.
            let priced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_prices WHERE currency <> $1")
                .bind(settings.currency.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if priced > 0 {
                return Err(StoreError::invalid(
                    "currency",
                    format!(
                        "The price list is in {}: the currency can change only while no prices are on file.",
                        before.currency
                    ),
                ));
            }
        }
        save_settings(&mut tx, &before, &settings).await?;
        tx.commit().await?;
        Ok(settings)
    }

    async fn create_region(
        &self,
        actor: Option<&Actor>,
        name: &str,
        manager_user_id: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Region> {
        require_admin(actor, "create regions")?;
        let mut tx = self.begin(actor, now).await?;
        if let Some(manager) = manager_user_id {
            check_manager(&mut tx, manager).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO regions (name, manager_user_id, created_us) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(manager_user_id)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .on_unique("a region with this name already exists")?;
        let region = Region {
            id,
            name: name.to_owned(),
            manager_user_id,
        };
        tx.audit(Change {
            action: "region.create",
            entity_type: "region",
            entity_id: id,
            before: None,
            after: Some(&json!(region)),
        })
        .await?;
        tx.commit_answering(&region).await?;
        Ok(region)
    }

    async fn assign_region_manager(
        &self,
        actor: Option<&Actor>,
        region_id: i64,
        manager_user_id: i64,
        now: Timestamp,
    ) -> StoreResult<Region> {
        require_admin(actor, "assign regional managers")?;
        let mut tx = self.begin(actor, now).await?;
        check_manager(&mut tx, manager_user_id).await?;
        let row = sqlx::query("SELECT id, name, manager_user_id FROM regions WHERE id = $1")
            .bind(region_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("region"))?;
        let before = Region {
            id: get(&row, "id")?,
            name: get(&row, "name")?,
            manager_user_id: get(&row, "manager_user_id")?,
        };
        sqlx::query("UPDATE regions SET manager_user_id = $1 WHERE id = $2")
            .bind(manager_user_id)
            .bind(region_id)
            .execute(&mut *tx)
            .await?;
        let after = Region {
            manager_user_id: Some(manager_user_id),
            ..before.clone()
        };
        tx.audit(Change {
            action: "region.assign_manager",
            entity_type: "region",
            entity_id: region_id,
            before: Some(&json!(before)),
            after: Some(&json!(after)),
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn list_regions(&self) -> StoreResult<Vec<Region>> {
        let rows = sqlx::query("SELECT id, name, manager_user_id FROM regions ORDER BY name")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Region {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                    manager_user_id: get(r, "manager_user_id")?,
                })
            })
            .collect()
    }

    async fn create_partner(&self, actor: Option<&Actor>, partner: NewPartner, now: Timestamp) -> StoreResult<Partner> {
        require_admin(actor, "create partners")?;
        let mut tx = self.begin(actor, now).await?;
        let row = sqlx::query(
            "INSERT INTO partners (name, level, activation_stage, region_id, created_us, country, latitude_e6, longitude_e6, lead_capacity) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        )
        .bind(&partner.name)
        .bind(partner.level.as_str())
        .bind(partner.activation_stage.as_str())
        .bind(partner.region_id)
        .bind(us(now))
        .bind(&partner.reach.country)
        .bind(partner.reach.location.map(|c| c.latitude_e6))
        .bind(partner.reach.location.map(|c| c.longitude_e6))
        .bind(partner.reach.lead_capacity.map(i64::from))
        .fetch_one(&mut *tx)
        .await
        .on_unique_or_foreign_key("a partner with this name already exists", StoreError::invalid("region_id", "no such region"))?;
        let created = partner_from_row(&row)?;
        record_standing(&mut tx, created.id, created.level, created.activation_stage).await?;
        tx.audit(Change {
            action: "partner.create",
            entity_type: "partner",
            entity_id: created.id,
            before: None,
            after: Some(&json!(created)),
        })
        .await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn update_partner(
        &self,
        actor: &Actor,
        id: i64,
        partner: NewPartner,
        now: Timestamp,
    ) -> StoreResult<Partner> {
        if actor.role.is_partner() {
            return Err(StoreError::NotFound("partner"));
        }
        require_admin(Some(actor), "change partners")?;
        let mut tx = self.begin(Some(actor), now).await?;
        let before = sqlx::query("SELECT * FROM partners WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("partner"))?;
        let before = partner_from_row(&before)?;
        let row = sqlx::query(
            "UPDATE partners SET name = $1, level = $2, activation_stage = $3, region_id = $4, country = $6, \
             latitude_e6 = $7, longitude_e6 = $8, lead_capacity = $9 WHERE id = $5 RETURNING *",
        )
        .bind(&partner.name)
        .bind(partner.level.as_str())
        .bind(partner.activation_stage.as_str())
        .bind(partner.region_id)
        .bind(id)
        .bind(&partner.reach.country)
        .bind(partner.reach.location.map(|c| c.latitude_e6))
        .bind(partner.reach.location.map(|c| c.longitude_e6))
        .bind(partner.reach.lead_capacity.map(i64::from))
        .fetch_one(&mut *tx)
        .await
        .on_unique_or_foreign_key(
            "a partner with this name already exists",
            StoreError::invalid("region_id", "no such region"),
        )?;
        let after = partner_from_row(&row)?;
        record_standing(&mut tx, id, after.level, after.activation_stage).await?;
        tx.audit(Change {
            action: "partner.update",
            entity_type: "partner",
            entity_id: id,
            before: Some(&json!(before)),
            after: Some(&json!(after)),
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn get_partner(&self, actor: &Actor, id: i64) -> StoreResult<Partner> {
        check(access::can_view(actor, id), "partner", "view this partner")?;
        let row = sqlx::query("SELECT * FROM partners WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound("partner"))?;
        partner_from_row(&row)
    }

    async fn list_partners(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Partner>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM partners WHERE ");
        push_keyset(&mut qb, "id", &page, false);
        if actor.role.is_partner() {
            qb.push(" AND id = ").push_bind(actor.partner_id.unwrap_or(-1));
        }
        push_page_order(&mut qb, "id", &page, false);
        let rows = qb.build().fetch_all(&self.read).await?;
        let partners = rows.iter().map(partner_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(partners, &page, |p| p.id))
    }

    async fn create_product(&self, actor: Option<&Actor>, product: NewProduct, now: Timestamp) -> StoreResult<Product> {
        require_admin(actor, "change the price list")?;
        let mut tx = self.begin(actor, now).await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM products WHERE sku = $1")
            .bind(&product.sku)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::conflict(format!(
                "a product with SKU {} already exists; import a price list to change its prices",
                product.sku
            )));
        }
        let settings = load_settings(&mut tx).await?;
        if product.currency != settings.currency {
            return Err(StoreError::invalid(
                "currency",
                format!(
                    "{} differs from the program's currency {}",
                    product.currency, settings.currency
                ),
            ));
        }
        let today = business_date(now, &settings.zone());
        let sku = product.sku.clone();
        write_price_list(
            &mut tx,
            &[Line {
                line: 0,
                value: product,
            }],
            today,
            now,
        )
        .await?;
        let mut created = load_products(&mut tx, "sku = $1", &sku).await?;
        with_prices(&mut tx, &mut created, today).await?;
        let created = created.pop().ok_or(StoreError::NotFound("product"))?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn list_products(&self, now: Timestamp, page: PageRequest) -> StoreResult<Page<Product>> {
        let mut conn = self.read.acquire().await?;
        let today = today(&mut conn, now).await?;
        let mut products = page_of(&self.read, "products", page, product_from_row, |p| p.id).await?;
        with_prices(&mut conn, &mut products.items, today).await?;
        Ok(products)
    }

    async fn import_products(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<NewProduct>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        require_admin(actor, "change the price list")?;
        let mut tx = self.begin(actor, now).await?;
        let settings = load_settings(&mut tx).await?;
        check_currency(&rows, settings.currency)?;
        let today = business_date(now, &settings.zone());
        let mut created = BTreeSet::new();
        let mut touched = BTreeSet::new();
        let mut written = 0u64;
        for batch in rows.chunks(IMPORT_BATCH) {
            created.extend(write_price_list(&mut tx, batch, today, now).await?);
            touched.extend(batch.iter().map(|r| r.value.sku.clone()));
            written += batch.len() as u64;
            progress(written);
        }
        let report = ImportReport {
            rows: written,
            created: created.len() as u64,
            updated: touched.difference(&created).count() as u64,
        };
        tx.commit_answering(&report).await?;
        Ok(report)
    }

    async fn export_products(&self) -> StoreResult<Vec<PriceListEntry>> {
        let mut conn = self.read.acquire().await?;
        let rows = sqlx::query(
            "SELECT p.*, v.effective_from, v.list_price_minor, v.partner_price_minor, v.msrp_minor, v.rrsp_minor, \
             v.currency FROM products p JOIN product_prices v ON v.product_id = p.id ORDER BY p.sku, v.effective_from",
        )
        .fetch_all(&mut *conn)
        .await?;
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

    async fn import_partners(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<PartnerRow>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        require_admin(actor, "import partners")?;
        let mut tx = self.begin(actor, now).await?;
        let regions: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>("SELECT name, id FROM regions")
            .fetch_all(&mut *tx)
            .await?
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
                .await?
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
            .await?;
            let after = partner_from_row(&saved)?;
            record_standing(&mut tx, after.id, after.level, after.activation_stage).await?;
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
                action,
                entity_type: "partner",
                entity_id: after.id,
                before: before.as_ref(),
                after: Some(&json!(after)),
            };
            tx.audit(change).await?;
            report.count_row(progress);
        }
        tx.commit_answering(&report).await?;
        progress(report.rows);
        Ok(report)
    }

    async fn export_partners(&self, actor: Option<&Actor>) -> StoreResult<Vec<PartnerEntry>> {
        require_admin(actor, "export partners")?;
        let rows = sqlx::query(
            "SELECT p.*, r.name AS region_name FROM partners p JOIN regions r ON r.id = p.region_id ORDER BY p.name",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PartnerEntry {
                    partner: partner_from_row(row)?,
                    region: get(row, "region_name")?,
                })
            })
            .collect()
    }

    async fn import_customers(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<Customer>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        require_customer_manager(actor, "import customers")?;
        let mut tx = self.begin(actor, now).await?;
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
                        .await?;
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
                    action,
                    entity_type: "customer",
                    entity_id: id,
                    before: None,
                    after: Some(&after),
                };
                tx.audit(change).await?;
            }
            report.count_row(progress);
        }
        tx.commit_answering(&report).await?;
        progress(report.rows);
        Ok(report)
    }

    async fn export_customers(&self, actor: Option<&Actor>) -> StoreResult<Vec<CustomerRecord>> {
        require_customer_manager(actor, "export customers")?;
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers c ORDER BY c.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.read).await?;
        rows.iter().map(customer_from_row).collect()
    }

    async fn create_customer(
        &self,
        actor: Option<&Actor>,
        customer: Customer,
        now: Timestamp,
    ) -> StoreResult<CustomerRecord> {
        if actor.is_some_and(|a| !directory::can_manage_customers(a)) {
            return Err(StoreError::Forbidden(
                "only administrators and channel managers may create customers".into(),
            ));
        }
        let mut tx = self.begin(actor, now).await?;
        let id = insert_customer(&mut tx, &customer, &customer.identity(), now).await?;
        let record = CustomerRecord {
            id,
            name: customer.name,
            domain: customer.domain,
            tax_id: customer.tax_id,
            city: customer.city,
            postal_code: customer.postal_code,
            country: customer.country,
            segment: customer.segment,
        };
        tx.audit(Change {
            action: "customer.create",
            entity_type: "customer",
            entity_id: id,
            before: None,
            after: Some(&json!(record)),
        })
        .await?;
        tx.commit_answering(&record).await?;
        Ok(record)
    }

    async fn list_customers(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<CustomerRecord>> {
        let mut qb = match actor.confined_to_partner() {
            // A partner knows the customers it registered, as it described them, and no others.
            Some(partner) => {
                let mut qb = QueryBuilder::<Db>::new(format!(
                    "SELECT {REG_CUSTOMER_COLUMNS} FROM registrations r WHERE r.id IN \
                     (SELECT MAX(id) FROM registrations WHERE partner_id = "
                ));
                qb.push_bind(partner).push(" GROUP BY customer_id) AND ");
                push_keyset(&mut qb, "r.customer_id", &page, false);
                qb
            }
            None if actor.role.is_partner() => {
                return Ok(Page::empty());
            }
            None => {
                let mut qb = QueryBuilder::<Db>::new(format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE "));
                push_keyset(&mut qb, "c.id", &page, false);
                qb
            }
        };
        push_page_order(&mut qb, "c_id", &page, false);
        let rows = qb.build().fetch_all(&self.read).await?;
        let customers = rows.iter().map(customer_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(customers, &page, |c| c.id))
    }
}
