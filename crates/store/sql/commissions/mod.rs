//! The partner program and its commissions (issue 15). `program` holds levels, stages, categories and
//! a partner's standing; `plans` the plans and versions; `earn` what a payment or credit note earns,
//! written in its transaction; `orders` confirmation and the report.

pub(crate) mod earn;
mod orders;
mod plans;
pub(crate) mod program;

use crate::sql::directory::load_settings;
use crate::sql::invoices::rows::load_invoice;
use crate::sql::kit::*;
use domain::commissions::input::{NewLevel, NewPlan, NewPlanVersion};
use domain::commissions::notify::review_due;
use domain::commissions::policy::can_read_commissions;
use domain::commissions::{InvoiceStanding, PoState};
use orders::{ORDER_SELECT, confirm, due_drafts, filter_of, load_order, order_from_row, report, reviews_to_remind};
use program::{check_read, require_keeper, require_shaper};

/// What the invoice earns paid in full from nothing, line by line, as it stands now.
async fn preview(conn: &mut Conn, invoice: &Invoice, today: Date) -> StoreResult<InvoicePreview> {
    let terms = earn::invoice_terms(conn, invoice, today).await?;
    let standing = earn::standing_of(invoice)?;
    let unpaid = InvoiceStanding {
        paid: 0,
        ..standing.clone()
    };
    let paid = InvoiceStanding {
        paid: standing.net_total(),
        ..standing.clone()
    };
    // The preview counts the invoice paid in full from nothing, its own paid volume taken out of its
    // tier periods first.
    let event = earn::compute(conn, &terms, invoice, (&unpaid, &paid), Some(&standing)).await?;
    let money = |amount_minor| Money {
        amount_minor,
        currency: invoice.currency,
    };
    let lines: Vec<PreviewLine> = invoice
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let earned = event.lines.iter().find(|l| l.index == index);
            PreviewLine {
                line_no: line.line_no,
                sku: line.sku.clone(),
                amount: money(line.amount_minor - line.credited_minor),
                commission: money(earned.map_or(0, |l| l.commission.amount)),
                explanation: match (earned, terms.reason(index)) {
                    (Some(l), _) => l.commission.explanation.sentence(),
                    (None, Some(reason)) => reason.to_owned(),
                    (None, None) => "Nothing to earn: the line stands at zero.".to_owned(),
                },
            }
        })
        .collect();
    let earned: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM commission_lines WHERE invoice_id = $1",
    )
    .bind(invoice.id)
    .fetch_one(&mut *conn)
    .await?;
    let plan_name = event.lines.first().map(|l| l.commission.explanation.plan_name.clone());
    Ok(InvoicePreview {
        invoice_id: invoice.id,
        partner_id: invoice.partner_id,
        currency: invoice.currency,
        plan_name,
        total: money(lines.iter().map(|l| l.commission.amount_minor).sum()),
        lines,
        earned: money(earned),
    })
}

#[async_trait]
impl CommissionStore for SqlStore {
    async fn list_levels(&self, _actor: &Actor) -> StoreResult<Vec<LevelView>> {
        let mut conn = self.read.acquire().await?;
        program::list_levels(&mut conn).await
    }

    async fn update_level(&self, actor: &Actor, id: i64, level: NewLevel, now: Timestamp) -> StoreResult<LevelView> {
        require_shaper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let updated = program::update_level(&mut tx, id, &level).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn list_stages(&self, _actor: &Actor) -> StoreResult<Vec<StageView>> {
        let mut conn = self.read.acquire().await?;
        program::list_stages(&mut conn).await
    }

    async fn update_stage(
        &self,
        actor: &Actor,
        id: i64,
        name: String,
        position: u32,
        now: Timestamp,
    ) -> StoreResult<StageView> {
        require_shaper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let updated = program::update_stage(&mut tx, id, &name, position).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn list_categories(&self, actor: &Actor) -> StoreResult<Vec<Category>> {
        if actor.role.is_partner() {
            return Err(StoreError::Forbidden("you may not read the product categories".into()));
        }
        let mut conn = self.read.acquire().await?;
        program::list_categories(&mut conn).await
    }

    async fn create_category(&self, actor: &Actor, category: NewCategory, now: Timestamp) -> StoreResult<Category> {
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let created = program::create_category(&mut tx, &category).await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn set_category_parent(
        &self,
        actor: &Actor,
        id: i64,
        parent_id: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Category> {
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let moved = program::set_category_parent(&mut tx, id, parent_id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn create_plan(&self, actor: &Actor, plan: NewPlan, now: Timestamp) -> StoreResult<PlanView> {
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let created = plans::create_plan(&mut tx, &plan).await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn add_plan_version(
        &self,
        actor: &Actor,
        plan_id: i64,
        version: NewPlanVersion,
        now: Timestamp,
    ) -> StoreResult<PlanView> {
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let plan = plans::add_version(&mut tx, plan_id, &version).await?;
        tx.commit_answering(&plan).await?;
        Ok(plan)
    }

    async fn list_plans(&self, actor: &Actor) -> StoreResult<Vec<PlanView>> {
        plans_readable(actor)?;
        let mut conn = self.read.acquire().await?;
        plans::list_plans(&mut conn).await
    }

    async fn get_plan(&self, actor: &Actor, id: i64) -> StoreResult<PlanView> {
        plans_readable(actor)?;
        let mut conn = self.read.acquire().await?;
        plans::plan_view(&mut conn, id).await
    }

    async fn partner_program(&self, actor: &Actor, partner_id: i64, now: Timestamp) -> StoreResult<PartnerProgram> {
        check_read(actor, Some(partner_id))?;
        let mut conn = self.read.acquire().await?;
        program::partner_program(&mut conn, partner_id, now).await
    }

    async fn set_partner_terms(
        &self,
        actor: &Actor,
        partner_id: i64,
        terms: PartnerTerms,
        now: Timestamp,
    ) -> StoreResult<PartnerProgram> {
        check_read(actor, Some(partner_id))?;
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let program = program::set_partner_terms(&mut tx, partner_id, &terms).await?;
        tx.commit().await?;
        Ok(program)
    }

    async fn preview_invoice(&self, actor: &Actor, invoice_id: i64, now: Timestamp) -> StoreResult<InvoicePreview> {
        let mut conn = self.read.acquire().await?;
        let invoice = load_invoice(&mut conn, invoice_id).await?;
        check(
            can_read_commissions(actor, Some(invoice.partner_id)),
            "invoice",
            "read commissions",
        )?;
        let today = business_date(now, &load_settings(&mut conn).await?.zone());
        preview(&mut conn, &invoice, today).await
    }

    async fn list_commission_orders(
        &self,
        actor: &Actor,
        filter: CommissionOrderFilter,
        page: PageRequest,
    ) -> StoreResult<Page<CommissionOrder>> {
        check(
            can_read_commissions(actor, filter.partner_id.or(actor.confined_to_partner())),
            "partner",
            "read commissions",
        )?;
        let partner = filter_of(actor, &filter)?;
        let mut conn = self.read.acquire().await?;
        let settings = load_settings(&mut conn).await?;
        let mut qb = QueryBuilder::<Db>::new(format!("{ORDER_SELECT} WHERE "));
        push_keyset(&mut qb, "o.id", &page, false);
        if let Some(partner) = partner {
            qb.push(" AND o.partner_id = ").push_bind(partner);
        }
        if let Some(state) = filter.state {
            qb.push(" AND o.state = ").push_bind(state.as_str());
        }
        push_page_order(&mut qb, "o.id", &page, false);
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let orders = rows
            .iter()
            .map(|row| order_from_row(row, &settings))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(orders, &page, |o| o.id))
    }

    async fn get_commission_order(&self, actor: &Actor, id: i64) -> StoreResult<CommissionOrder> {
        let mut conn = self.read.acquire().await?;
        let order = load_order(&mut conn, id).await?;
        check(
            can_read_commissions(actor, Some(order.partner_id)),
            "commission order",
            "read commissions",
        )?;
        Ok(order)
    }

    async fn confirm_commission_order(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<CommissionOrder> {
        let mut tx = self.begin(Some(actor), now).await?;
        let order = load_order(&mut tx, id).await?;
        check(
            can_read_commissions(actor, Some(order.partner_id)),
            "commission order",
            "read commissions",
        )?;
        require_keeper(actor)?;
        let (confirmed, _) = confirm(&mut tx, id).await?;
        tx.commit().await?;
        Ok(confirmed)
    }

    async fn run_commission_sweep(&self, now: Timestamp) -> StoreResult<ConfirmationReport> {
        let mut report = ConfirmationReport::default();
        let today = {
            let mut conn = self.read.acquire().await?;
            business_date(now, &load_settings(&mut conn).await?.zone())
        };
        let due = {
            let mut conn = self.read.acquire().await?;
            due_drafts(&mut conn, today).await?
        };
        for id in due {
            let mut tx = self.begin(None, now).await?;
            // A draft whose earlier period is not automatic waits for finance; the others go on.
            match confirm(&mut tx, id).await {
                Ok((_, statements)) => {
                    report.statements_queued += statements;
                    report.confirmed += 1;
                    tx.commit().await?;
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(other) => return Err(other),
            }
        }
        let mut tx = self.begin(None, now).await?;
        for (partner, name, due, manager) in reviews_to_remind(&mut tx, today).await? {
            let Some(manager) = manager else { continue };
            if tx
                .notify(
                    &format!("partner-review-{partner}-{due}"),
                    manager,
                    &review_due(&name, due),
                    ("partner", partner),
                )
                .await?
            {
                report.review_reminders += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn commission_report(&self, actor: &Actor, filter: ReportFilter) -> StoreResult<Vec<ReportRow>> {
        check(
            can_read_commissions(actor, filter.partner_id.or(actor.confined_to_partner())),
            "partner",
            "read commissions",
        )?;
        let partner = filter_of(
            actor,
            &CommissionOrderFilter {
                partner_id: filter.partner_id,
                state: None::<PoState>,
            },
        )?;
        let mut conn = self.read.acquire().await?;
        report(&mut conn, partner, &filter).await
    }
}

/// Plans are read by the staff who read commissions; a partner reads its terms on its program page.
fn plans_readable(actor: &Actor) -> StoreResult<()> {
    if actor.role.is_partner() {
        return Err(StoreError::Forbidden("you may not read commission plans".into()));
    }
    check_read(actor, None)
}
