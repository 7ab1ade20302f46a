//! Leads (PRG-2): entry and import with distribution, the partner's answer, the channel manager's
//! hand, and the distribution rules.

mod distribute;
pub(crate) mod rows;

use crate::sql::directory::customers::resolve_customer;
use crate::sql::directory::{load_settings, save_settings};
use crate::sql::kit::*;
use crate::sql::leads::distribute::{decliners, distribute, offer};
use crate::sql::leads::rows::{LEAD_SELECT, insert_lead, lead_from_row, load_lead, present, snapshot, with_details};
use crate::sql::opportunities::open::{OpenOpportunity, open_opportunity};
use crate::sql::registrations::rows::products_for;
use crate::sql::write::{Change, Write};
use domain::directory::files::Line;
use domain::leads::files::LeadRow;
use domain::leads::input::{Assign, NewLead};
use domain::leads::{LeadStatus, policy as lead_policy};
use domain::opportunities::{Party, Source};
use domain::settings::LeadDistribution;

fn require_entry(actor: &Actor) -> StoreResult<()> {
    if lead_policy::can_enter_leads(actor) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "only administrators, regional managers and sales enter leads".into(),
        ))
    }
}

/// For a lead's own routes a partner is told the lead is not found, as for any record not its own.
fn require_distributor_of_lead(actor: &Actor) -> StoreResult<()> {
    if actor.role.is_partner() {
        return Err(StoreError::NotFound("lead"));
    }
    require_distributor(actor)
}

fn require_distributor(actor: &Actor) -> StoreResult<()> {
    if lead_policy::can_distribute(actor) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "only administrators and regional managers distribute leads".into(),
        ))
    }
}

/// The lead as `actor` may see it, in this write: another partner's is not found.
async fn lead_for(tx: &mut Write<'_>, actor: &Actor, id: i64) -> StoreResult<Lead> {
    let lead = load_lead(tx, id).await?;
    check(lead_policy::can_read_lead(actor, lead.partner_id), "lead", "read leads")?;
    Ok(lead)
}

/// The partner's answer is for a lead offered to it now.
fn offered_to_partner(actor: &Actor, lead: &Lead) -> StoreResult<()> {
    if !lead_policy::can_answer(actor) {
        return Err(StoreError::Forbidden(
            "only the partner a lead is offered to accepts or declines it".into(),
        ));
    }
    match lead.status {
        LeadStatus::Offered => Ok(()),
        LeadStatus::Accepted => Err(StoreError::conflict("this lead was accepted already")),
        _ => Err(StoreError::conflict("this lead is not offered to your company")),
    }
}

/// Days from acceptance to the forecast close date of a lead's opportunity: a lead names none, and
/// the manager moves it once known (DECISIONS 58).
const LEAD_CLOSE_DAYS: i64 = 90;

/// The accepted lead becomes an opportunity its partner manages, forecasting the lead's value and
/// products (the rules of engagement apply: another manager's rights refuse it).
async fn open_for_lead(tx: &mut Write<'_>, lead: &Lead, customer_id: i64) -> StoreResult<i64> {
    let products: Vec<(i64, i64)> =
        sqlx::query_as("SELECT product_id, quantity FROM lead_products WHERE lead_id = $1 ORDER BY product_id")
            .bind(lead.id)
            .fetch_all(&mut **tx)
            .await?;
    let partner_id = lead.partner_id.ok_or(StoreError::NotFound("lead"))?;
    let today = business_date(tx.now(), &load_settings(tx).await?.zone());
    let close_date = today
        .checked_add(jiff::Span::new().days(LEAD_CLOSE_DAYS))
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let (id, _) = open_opportunity(
        tx,
        OpenOpportunity {
            customer_id,
            name: &lead.company.name,
            source: Source::Lead,
            manager: Party::partner(partner_id),
            forecast: lead.estimated_value,
            close_date,
            products: &products,
            region_id: lead.region_id,
            renewal_of: None,
            stage: None,
            plan: lead.description.as_deref(),
        },
    )
    .await?;
    Ok(id)
}

impl SqlStore {
    /// Inserts one lead and distributes it, in `tx`.
    async fn enter_lead(
        tx: &mut Write<'_>,
        actor: &Actor,
        lead: &NewLead,
        region_id: Option<i64>,
        rules: &LeadDistribution,
    ) -> StoreResult<Lead> {
        let products = products_for(tx, "products", &lead.products).await?;
        let now = tx.now();
        let id = insert_lead(tx, lead, region_id, &products, Some(actor.user_id), now).await?;
        let entered = load_lead(tx, id).await?;
        tx.audit(Change {
            action: "lead.create",
            entity_type: "lead",
            entity_id: id,
            before: None,
            after: Some(&snapshot(&entered)),
        })
        .await?;
        distribute(tx, id, rules).await
    }
}

#[async_trait]
impl LeadStore for SqlStore {
    async fn create_lead(&self, actor: &Actor, lead: NewLead, now: Timestamp) -> StoreResult<Lead> {
        require_entry(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let rules = load_settings(&mut tx).await?.lead_distribution;
        let created = Self::enter_lead(&mut tx, actor, &lead, lead.region_id, &rules).await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn import_leads(&self, actor: &Actor, rows: Vec<Line<LeadRow>>, now: Timestamp) -> StoreResult<ImportReport> {
        require_entry(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let regions: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>("SELECT name, id FROM regions")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(name, id)| (name.to_lowercase(), id))
            .collect();
        let mut errors = FieldErrors::default();
        for row in &rows {
            if let Some(region) = row
                .value
                .region
                .as_ref()
                .filter(|r| !regions.contains_key(&r.to_lowercase()))
            {
                errors.add_at_line(row.line, "region", format!("no region is named '{region}'"));
            }
            if let Err(StoreError::Invalid(unknown)) = products_for(&mut tx, "products", &row.value.lead.products).await
            {
                for e in unknown.0 {
                    errors.add_at_line(row.line, "products", e.message);
                }
            }
        }
        errors.into_result(()).map_err(StoreError::from)?;
        let rules = load_settings(&mut tx).await?.lead_distribution;
        for row in &rows {
            let region = row.value.region.as_ref().map(|r| regions[&r.to_lowercase()]);
            Self::enter_lead(&mut tx, actor, &row.value.lead, region, &rules).await?;
        }
        let report = ImportReport {
            rows: rows.len() as u64,
            created: rows.len() as u64,
            updated: 0,
        };
        tx.commit_answering(&report).await?;
        Ok(report)
    }

    async fn get_lead(&self, actor: &Actor, id: i64) -> StoreResult<Lead> {
        let mut conn = self.read.acquire().await?;
        let lead = load_lead(&mut conn, id).await?;
        check(lead_policy::can_read_lead(actor, lead.partner_id), "lead", "read leads")?;
        Ok(present(actor, lead))
    }

    async fn list_leads(&self, actor: &Actor, filter: LeadFilter, page: PageRequest) -> StoreResult<Page<Lead>> {
        if actor.is_staff() && !lead_policy::can_enter_leads(actor) {
            return Err(StoreError::Forbidden("you may not read leads".into()));
        }
        let mut qb = QueryBuilder::<Db>::new(format!("{LEAD_SELECT} WHERE "));
        push_keyset(&mut qb, "l.id", &page, false);
        if actor.role.is_partner() {
            qb.push(" AND l.partner_id = ")
                .push_bind(actor.confined_to_partner().unwrap_or(-1));
        }
        if let Some(partner) = filter.partner_id {
            qb.push(" AND l.partner_id = ").push_bind(partner);
        }
        if let Some(status) = filter.status {
            qb.push(" AND l.status = ").push_bind(status.as_str());
        }
        push_page_order(&mut qb, "l.id", &page, false);
        let mut conn = self.read.acquire().await?;
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let leads = rows.iter().map(lead_from_row).collect::<StoreResult<Vec<_>>>()?;
        let mut page = Page::from_rows(leads, &page, |l| l.id);
        with_details(&mut conn, &mut page.items, actor.is_staff()).await?;
        Ok(page)
    }

    async fn accept_lead(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Lead> {
        let mut tx = self.begin(Some(actor), now).await?;
        let lead = lead_for(&mut tx, actor, id).await?;
        offered_to_partner(actor, &lead)?;
        let Some(country) = lead.company.country.clone() else {
            return Err(StoreError::invalid(
                "company.country",
                "the lead names no country; ask your regional manager to complete it before accepting",
            ));
        };
        let customer = Customer {
            name: lead.company.name.clone(),
            domain: lead.company.domain.clone(),
            tax_id: None,
            city: lead.company.city.clone(),
            postal_code: None,
            country,
            segment: lead.segment.unwrap_or(Segment::Commercial),
        };
        let customer_id = resolve_customer(&mut tx, &customer, now).await?;
        let opportunity_id = open_for_lead(&mut tx, &lead, customer_id).await?;
        sqlx::query(
            "UPDATE leads SET status = 'accepted', customer_id = $1, opportunity_id = $2, updated_us = $3 WHERE id = $4",
        )
        .bind(customer_id)
        .bind(opportunity_id)
        .bind(us(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = load_lead(&mut tx, id).await?;
        tx.audit(Change {
            action: "lead.accept",
            entity_type: "lead",
            entity_id: id,
            before: Some(&snapshot(&lead)),
            after: Some(&snapshot(&after)),
        })
        .await?;
        tx.commit().await?;
        Ok(present(actor, after))
    }

    async fn decline_lead(&self, actor: &Actor, id: i64, reason: String, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin(Some(actor), now).await?;
        let lead = lead_for(&mut tx, actor, id).await?;
        offered_to_partner(actor, &lead)?;
        sqlx::query(
            "INSERT INTO lead_declines (lead_id, partner_id, reason, declined_by, declined_us) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(lead.partner_id)
        .bind(&reason)
        .bind(actor.user_id)
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .on_unique("your company declined this lead already")?;
        tx.audit(Change {
            action: "lead.decline",
            entity_type: "lead",
            entity_id: id,
            before: Some(&snapshot(&lead)),
            after: Some(&json!({"partner_id": lead.partner_id, "reason": reason})),
        })
        .await?;
        let rules = load_settings(&mut tx).await?.lead_distribution;
        distribute(&mut tx, id, &rules).await?;
        tx.commit().await
    }

    async fn assign_lead(&self, actor: &Actor, id: i64, assign: Assign, now: Timestamp) -> StoreResult<Lead> {
        require_distributor_of_lead(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let lead = load_lead(&mut tx, id).await?;
        if !lead.status.is_open() {
            return Err(StoreError::conflict("this lead was accepted already"));
        }
        let partner: Option<String> = sqlx::query_scalar("SELECT name FROM partners WHERE id = $1")
            .bind(assign.partner_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(partner) = partner else {
            return Err(StoreError::invalid("partner_id", "no such partner"));
        };
        if decliners(&mut tx, id).await?.contains(&assign.partner_id) {
            return Err(StoreError::invalid(
                "partner_id",
                format!("{partner} declined this lead; choose another partner"),
            ));
        }
        let why = match &assign.note {
            Some(note) => format!("Assigned by hand by {}: {note}", actor.email),
            None => format!("Assigned by hand by {}", actor.email),
        };
        let after = offer(&mut tx, lead, assign.partner_id, &why).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn redistribute_lead(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Lead> {
        require_distributor_of_lead(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let lead = load_lead(&mut tx, id).await?;
        if !lead.status.is_open() {
            return Err(StoreError::conflict("this lead was accepted already"));
        }
        let rules = load_settings(&mut tx).await?.lead_distribution;
        let after = distribute(&mut tx, id, &rules).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn lead_rules(&self, actor: &Actor) -> StoreResult<LeadDistribution> {
        require_distributor(actor)?;
        let mut conn = self.read.acquire().await?;
        Ok(load_settings(&mut conn).await?.lead_distribution)
    }

    async fn update_lead_rules(
        &self,
        actor: &Actor,
        rules: LeadDistribution,
        now: Timestamp,
    ) -> StoreResult<LeadDistribution> {
        require_distributor(actor)?;
        let mut errors = FieldErrors::default();
        rules.validate("", &mut errors);
        errors.into_result(()).map_err(StoreError::from)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let before = load_settings(&mut tx).await?;
        let after = ProgramSettings {
            lead_distribution: rules.clone(),
            ..before.clone()
        };
        save_settings(&mut tx, &before, &after).await?;
        tx.commit().await?;
        Ok(rules)
    }
}
