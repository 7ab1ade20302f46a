//! Opportunities and the rules of engagement (ROE-1 … ROE-5): `OpportunityStore` for the SQL store.

pub(crate) mod managers;
pub(crate) mod open;
pub(crate) mod rows;
mod sweeps;
mod team;

use crate::sql::directory::customers::resolve_customer;
use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::registrations::rows::{LineRow, RegRow, products_for};
use crate::sql::write::{Change, Write};
use domain::opportunities::input::{MajorAccount, NewOpportunity, OpportunityUpdate, Reassignment};
use domain::opportunities::{self as roe, Party, Source};
use managers::check_party;
use open::{OpenOpportunity, open_opportunity};
use rows::{OPP_SELECT, load_detail, load_opportunity, opportunity_from_row, snapshot, with_lines};

/// Loads opportunity `id` for a change by `actor`: hidden from partners who take no part, forbidden
/// to anyone who does not manage it, refused once it is closed.
pub(crate) async fn load_for_change(tx: &mut Write<'_>, actor: &Actor, id: i64) -> StoreResult<Opportunity> {
    let detail = load_detail(tx, actor, id).await?;
    check(
        roe::policy::can_manage(actor, detail.opportunity.manager.party),
        "opportunity",
        "change an opportunity you do not manage",
    )?;
    if detail.opportunity.status != roe::Status::Open {
        return Err(StoreError::conflict(format!(
            "{} is {}; only open opportunities change",
            detail.opportunity.number,
            detail.opportunity.status.label().to_lowercase()
        )));
    }
    Ok(detail.opportunity)
}

/// ROE-3: the last day of the manager's rights, from the forecast close date, the grace and the
/// latest SOR of the opportunity's approved registrations.
pub(crate) async fn refresh_rights(conn: &mut Conn, id: i64) -> StoreResult<()> {
    let settings = load_settings(conn).await?;
    let close: String = sqlx::query_scalar("SELECT close_date FROM opportunities WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let sor: Option<String> = sqlx::query_scalar(
        "SELECT MAX(valid_through) FROM registrations WHERE opportunity_id = $1 AND status = 'approved'",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let sor = sor.as_deref().map(parse_date).transpose()?;
    let through = roe::rights_through(parse_date(&close)?, settings.grace_days, sor);
    sqlx::query("UPDATE opportunities SET rights_through = $1 WHERE id = $2")
        .bind(through.to_string())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An SOR extension (REG-5) moves the rights of the registration's opportunity with it.
pub(crate) async fn refresh_rights_of_registration(conn: &mut Conn, registration_id: i64) -> StoreResult<()> {
    let opportunity: Option<i64> = sqlx::query_scalar("SELECT opportunity_id FROM registrations WHERE id = $1")
        .bind(registration_id)
        .fetch_one(&mut *conn)
        .await?;
    match opportunity {
        Some(id) => refresh_rights(conn, id).await,
        None => Ok(()),
    }
}

/// Records a change of opportunity `id` from `before` in the audit trail.
pub(crate) async fn record(tx: &mut Write<'_>, action: &str, before: &Opportunity) -> StoreResult<Opportunity> {
    let after = load_opportunity(tx, before.id).await?;
    tx.audit(Change {
        action,
        entity_type: "opportunity",
        entity_id: before.id,
        before: Some(&snapshot(before)),
        after: Some(&snapshot(&after)),
    })
    .await?;
    Ok(after)
}

/// Checks a stage against the program's pipeline; answers it as the pipeline spells it.
fn pipeline_stage(settings: &ProgramSettings, stage: &str) -> StoreResult<String> {
    settings
        .pipeline_stages
        .iter()
        .find(|s| s.eq_ignore_ascii_case(stage))
        .cloned()
        .ok_or_else(|| StoreError::invalid("stage", format!("one of: {}", settings.pipeline_stages.join(", "))))
}

/// Registrations belong to opportunities: an approved registration makes its partner the manager
/// of its own open opportunity on the account, or of a new one opened from it; the SOR's validity
/// then counts in the manager's rights (`refresh_rights`).
pub(crate) async fn link_approved_registration(
    tx: &mut Write<'_>,
    reg: &RegRow,
    lines: &[LineRow],
) -> StoreResult<i64> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM opportunities WHERE customer_id = $1 AND manager_partner_id = $2 AND status = 'open' ORDER BY id LIMIT 1",
    )
    .bind(reg.customer.id)
    .bind(reg.partner_id)
    .fetch_optional(&mut **tx)
    .await?;
    let products: Vec<(i64, i64)> = lines.iter().map(|l| (l.product_id, l.line.quantity)).collect();
    let id = match existing {
        Some(id) => id,
        None => {
            open_opportunity(
                tx,
                OpenOpportunity {
                    customer_id: reg.customer.id,
                    name: &reg.customer.name,
                    source: Source::Registration,
                    manager: Party::partner(reg.partner_id),
                    forecast: reg.estimated_value,
                    close_date: reg.expected_close,
                    products: &products,
                    region_id: None,
                    renewal_of: None,
                    stage: None,
                    plan: reg.description.as_deref(),
                },
            )
            .await?
            .0
        }
    };
    sqlx::query("UPDATE registrations SET opportunity_id = $1 WHERE id = $2")
        .bind(id)
        .bind(reg.id)
        .execute(&mut **tx)
        .await?;
    refresh_rights(tx, id).await?;
    Ok(id)
}

#[async_trait]
impl OpportunityStore for SqlStore {
    async fn open_opportunity(
        &self,
        actor: &Actor,
        new: NewOpportunity,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let level: Option<String> = match actor.confined_to_partner() {
            Some(partner) => {
                sqlx::query_scalar("SELECT level FROM partners WHERE id = $1")
                    .bind(partner)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        let level = level.as_deref().map(PartnerLevel::parse).transpose().map_err(corrupt)?;
        let mut manager = roe::policy::opens_as(actor, level).map_err(|m| StoreError::Forbidden(m.into()))?;
        if let Some(named) = new.manager {
            if !roe::policy::is_sales_management(actor) {
                return Err(StoreError::Forbidden(
                    "only sales management names another manager; you manage what you open".into(),
                ));
            }
            check_party(&mut tx, "manager", named).await?;
            manager = named;
        }
        let customer_id = resolve_customer(&mut tx, &new.customer, now).await?;
        let products: Vec<(i64, i64)> = products_for(&mut tx, "products", &new.lines)
            .await?
            .into_iter()
            .map(|(id, line)| (id, line.quantity))
            .collect();
        let source = if actor.is_staff() {
            Source::Intake
        } else {
            Source::Partner
        };
        let (id, _) = open_opportunity(
            &mut tx,
            OpenOpportunity {
                customer_id,
                name: &new.name,
                source,
                manager,
                forecast: new.forecast,
                close_date: new.close_date,
                products: &products,
                region_id: None,
                renewal_of: None,
                stage: new.stage.as_deref(),
                plan: new.plan.as_deref(),
            },
        )
        .await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit_answering(&detail).await?;
        Ok(detail)
    }

    async fn get_opportunity(&self, actor: &Actor, id: i64) -> StoreResult<OpportunityDetail> {
        let mut conn = self.read.acquire().await?;
        load_detail(&mut conn, actor, id).await
    }

    async fn list_opportunities(
        &self,
        actor: &Actor,
        filter: OpportunityFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Opportunity>> {
        let mut qb = QueryBuilder::<Db>::new(OPP_SELECT);
        qb.push(" WHERE ");
        push_keyset(&mut qb, "o.id", &page, false);
        push_filter(&mut qb, actor, &filter);
        push_page_order(&mut qb, "o.id", &page, false);
        let mut conn = self.read.acquire().await?;
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let items = rows.iter().map(opportunity_from_row).collect::<StoreResult<Vec<_>>>()?;
        let mut page = Page::from_rows(items, &page, |o| o.id);
        with_lines(&mut conn, &mut page.items).await?;
        Ok(page)
    }

    async fn pipeline_totals(&self, actor: &Actor, filter: OpportunityFilter) -> StoreResult<PipelineTotals> {
        let filter = OpportunityFilter {
            status: Some(roe::Status::Open),
            ..filter
        };
        let mut conn = self.read.acquire().await?;
        let mut totals = PipelineTotals::default();
        for (group, by_month) in [("o.stage", false), ("SUBSTR(o.close_date, 1, 7)", true)] {
            let mut qb = QueryBuilder::<Db>::new(format!(
                "SELECT {group} AS grp, o.currency, COUNT(*) AS n, CAST(SUM(o.forecast_minor) AS BIGINT) AS total \
                 FROM opportunities o WHERE 1 = 1"
            ));
            push_filter(&mut qb, actor, &filter);
            qb.push(format!(" GROUP BY {group}, o.currency ORDER BY {group}, o.currency"));
            for row in qb.build().fetch_all(&mut *conn).await? {
                let forecast = Money {
                    amount_minor: get(&row, "total")?,
                    currency: parse_currency(&get::<String>(&row, "currency")?)?,
                };
                let (group, count) = (get::<String>(&row, "grp")?, get::<i64>(&row, "n")?);
                if by_month {
                    totals.by_month.push(MonthTotal {
                        month: group,
                        count,
                        forecast,
                    });
                } else {
                    totals.by_stage.push(StageTotal {
                        stage: group,
                        count,
                        forecast,
                    });
                }
            }
        }
        Ok(totals)
    }

    async fn update_opportunity(
        &self,
        actor: &Actor,
        id: i64,
        update: OpportunityUpdate,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = load_for_change(&mut tx, actor, id).await?;
        let settings = load_settings(&mut tx).await?;
        if let Some(date) = update.close_date
            && roe::close_date_needs_approval(before.close_date, date)
        {
            return Err(StoreError::invalid(
                "close_date",
                format!(
                    "a later forecast close date than {} extends the manager's rights, so sales management approves it: ask for it instead",
                    before.close_date
                ),
            ));
        }
        let stage = update
            .stage
            .as_deref()
            .map(|s| pipeline_stage(&settings, s))
            .transpose()?;
        sqlx::query(
            "UPDATE opportunities SET name = COALESCE($1, name), stage = COALESCE($2, stage), \
             forecast_minor = COALESCE($3, forecast_minor), currency = COALESCE($4, currency), \
             close_date = COALESCE($5, close_date), plan = COALESCE($6, plan) WHERE id = $7",
        )
        .bind(&update.name)
        .bind(&stage)
        .bind(update.forecast.map(|m| m.amount_minor))
        .bind(update.forecast.map(|m| m.currency.as_str().to_owned()))
        .bind(update.close_date.map(|d| d.to_string()))
        .bind(&update.plan)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(lines) = &update.lines {
            let products = products_for(&mut tx, "products", lines).await?;
            sqlx::query("DELETE FROM opportunity_lines WHERE opportunity_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_rows(
                &mut tx,
                "INSERT INTO opportunity_lines (opportunity_id, product_id, quantity) ",
                &products,
                |mut row, (product, line)| {
                    row.push_bind(id).push_bind(*product).push_bind(line.quantity);
                },
            )
            .await?;
        }
        refresh_rights(&mut tx, id).await?;
        record(&mut tx, "opportunity.update", &before).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    async fn close_opportunity(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Outcome,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = load_for_change(&mut tx, actor, id).await?;
        let status = match outcome {
            Outcome::Won => roe::Status::Won,
            Outcome::Lost => roe::Status::Lost,
        };
        sqlx::query("UPDATE opportunities SET status = $1, outcome_reason = $2, closed_us = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(&reason)
            .bind(us(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let closed = record(&mut tx, "opportunity.close", &before).await?;
        if status == roe::Status::Won {
            team::open_renewal(&mut tx, &closed).await?;
        }
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    async fn request_close_date(
        &self,
        actor: &Actor,
        id: i64,
        close_date: Date,
        reason: String,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let opportunity = load_for_change(&mut tx, actor, id).await?;
        team::ask_close_date(&mut tx, &opportunity, close_date, &reason).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit_answering(&detail).await?;
        Ok(detail)
    }

    async fn decide_close_date(
        &self,
        actor: &Actor,
        id: i64,
        approve: bool,
        note: Option<String>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = load_detail(&mut tx, actor, id).await?.opportunity;
        if !roe::policy::is_sales_management(actor) {
            return Err(StoreError::Forbidden(
                "only sales management decides a later forecast close date".into(),
            ));
        }
        team::decide_close_date(&mut tx, &before, approve, note.as_deref()).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    async fn ask_revenue_share(
        &self,
        actor: &Actor,
        id: i64,
        shares: Vec<(Party, u32)>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        team::ask_revenue_share(&mut tx, actor, &detail, &shares).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit_answering(&detail).await?;
        Ok(detail)
    }

    async fn decide_revenue_share(
        &self,
        actor: &Actor,
        id: i64,
        agree: bool,
        note: Option<String>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        team::decide_revenue_share(&mut tx, actor, &detail, agree, note.as_deref()).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(detail)
    }

    async fn add_co_sell(
        &self,
        actor: &Actor,
        id: i64,
        partner_id: i64,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        let opportunity = load_for_change(&mut tx, actor, id).await?;
        team::add_co_sell(&mut tx, &opportunity, partner_id).await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit_answering(&detail).await?;
        Ok(detail)
    }

    async fn add_timeline_note(
        &self,
        actor: &Actor,
        id: i64,
        body: String,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail> {
        let mut tx = self.begin(Some(actor), now).await?;
        load_detail(&mut tx, actor, id).await?;
        if !roe::policy::can_add_note(actor) {
            return Err(StoreError::Forbidden(
                "order entry and finance read the timeline; the selling team writes it".into(),
            ));
        }
        let note_id: i64 = sqlx::query_scalar(
            "INSERT INTO opportunity_notes (opportunity_id, author_id, body, created_us) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(actor.user_id)
        .bind(&body)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await?;
        let after = json!({"opportunity_id": id, "body": body});
        tx.audit(Change {
            action: "opportunity.note",
            entity_type: "opportunity_note",
            entity_id: note_id,
            before: None,
            after: Some(&after),
        })
        .await?;
        let detail = load_detail(&mut tx, actor, id).await?;
        tx.commit_answering(&detail).await?;
        Ok(detail)
    }

    async fn reassign(&self, actor: &Actor, reassignment: Reassignment, now: Timestamp) -> StoreResult<Reassigned> {
        if !roe::policy::is_sales_management(actor) {
            return Err(StoreError::Forbidden(
                "only sales management re-assigns opportunities".into(),
            ));
        }
        let mut tx = self.begin(Some(actor), now).await?;
        let moved = team::reassign(&mut tx, &reassignment).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn elevate_account(
        &self,
        actor: &Actor,
        account: MajorAccount,
        now: Timestamp,
    ) -> StoreResult<MajorAccountRecord> {
        if !roe::policy::is_sales_management(actor) {
            return Err(StoreError::Forbidden(
                "only sales management elevates major accounts".into(),
            ));
        }
        let mut tx = self.begin(Some(actor), now).await?;
        let record = team::elevate(&mut tx, &account).await?;
        tx.commit_answering(&record).await?;
        Ok(record)
    }

    async fn list_major_accounts(&self, actor: &Actor) -> StoreResult<Vec<MajorAccountRecord>> {
        let mut qb = QueryBuilder::<Db>::new(rows::MAJOR_SELECT);
        match actor.confined_to_partner() {
            Some(partner) => {
                qb.push(" WHERE a.mam_partner_id = ").push_bind(partner);
            }
            None if actor.role.is_partner() => return Ok(Vec::new()),
            None => {}
        }
        qb.push(" ORDER BY c.name, a.customer_id");
        let rows = qb.build().fetch_all(&self.read).await?;
        rows.iter().map(rows::major_account_from_row).collect()
    }
}

/// The filter and the actor's visibility: a partner sees what it manages or takes part in.
fn push_filter(qb: &mut QueryBuilder<Db>, actor: &Actor, filter: &OpportunityFilter) {
    let involving = |qb: &mut QueryBuilder<Db>, partner: i64| {
        qb.push(" AND (o.manager_partner_id = ")
            .push_bind(partner)
            .push(
                " OR EXISTS (SELECT 1 FROM opportunity_members m WHERE m.party_kind = 'partner' \
                 AND m.opportunity_id = o.id AND m.party_id = ",
            )
            .push_bind(partner)
            .push("))");
    };
    if actor.role.is_partner() {
        involving(qb, actor.confined_to_partner().unwrap_or(-1));
    }
    if let Some(partner) = filter.partner_id {
        involving(qb, partner);
    }
    if let Some(status) = filter.status {
        qb.push(" AND o.status = ").push_bind(status.as_str());
    }
    if let Some(stage) = &filter.stage {
        qb.push(" AND o.stage = ").push_bind(stage.clone());
    }
    if let Some(manager) = filter.manager {
        let column = match manager.kind {
            roe::PartyKind::User => " AND o.manager_user_id = ",
            roe::PartyKind::Partner => " AND o.manager_partner_id = ",
        };
        qb.push(column).push_bind(manager.id);
    }
    if let Some(region) = filter.region_id {
        qb.push(" AND o.region_id = ").push_bind(region);
    }
    if let Some(customer) = filter.customer_id {
        qb.push(" AND o.customer_id = ").push_bind(customer);
    }
    if let Some(from) = filter.close_from {
        qb.push(" AND o.close_date >= ").push_bind(from.to_string());
    }
    if let Some(to) = filter.close_to {
        qb.push(" AND o.close_date <= ").push_bind(to.to_string());
    }
}
