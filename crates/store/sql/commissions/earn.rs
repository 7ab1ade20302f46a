//! What a payment or credit note earns (PRG-4), written in the event's own transaction: each invoice
//! line's terms (decided at its first payment and kept, so refunds mirror them), the domain's
//! `event_commission`, and the lines appended to the partner's open draft for the period and currency.
//! Also the preview of what an invoice would earn paid in full.

use super::plans::load_terms;
use super::program::{category_parents, chain};
use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::write::{Change, Write};
use domain::commissions::levels::{LevelChange, held_on};
use domain::commissions::{
    AppliedRule, DecisionDates, EventCommission, InvoiceStanding, LineContext, LineState, LineTerms,
    PartialPaymentPolicy, Period, PoKey, PoState, RuleKind, applied_rule, credit_line, event_commission,
    plan_for_partner,
};
use domain::commissions::{Plan, PlanVersion};
use domain::settings::payout_schedule;

/// A payment or a credit note, as its commission lines name it.
pub(crate) struct Event<'a> {
    pub kind: &'static str,
    pub external_id: &'a str,
    pub on: Date,
}

/// The invoice's lines as commission sees them, its credit notes replayed in order (a credit note
/// takes back the cost in proportion, `credit_line`).
pub(super) fn standing_of(invoice: &Invoice) -> StoreResult<InvoiceStanding> {
    let mut lines: Vec<LineState> = invoice
        .lines
        .iter()
        .map(|l| LineState::new(l.amount_minor, l.cost_minor.unwrap_or(0)))
        .collect();
    for note in &invoice.credit_notes {
        for credit in &note.lines {
            let Some(at) = invoice.lines.iter().position(|l| l.line_no == credit.line_no) else {
                continue;
            };
            lines[at] = credit_line(lines[at], credit.amount_minor, None, invoice.currency).map_err(corrupt)?;
        }
    }
    Ok(InvoiceStanding {
        lines,
        paid: invoice.paid.amount_minor,
    })
}

/// Which plan, version and rule decide a line, by ids, and the tier period its volume counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TermIds {
    plan_id: i64,
    version_id: i64,
    rule_id: i64,
    tier_period_start: Option<Date>,
    stored: bool,
}

/// The terms of every line of an invoice: those kept from its first payment, the others decided now.
pub(super) struct InvoiceTerms {
    plans: Vec<(Plan, Vec<PlanVersion>)>,
    lines: Vec<Result<TermIds, String>>,
    /// The partial-payment policy the invoice first earned under: later events keep it, so a change
    /// of the program's policy never re-counts what a line already earned.
    policy: PartialPaymentPolicy,
}

impl InvoiceTerms {
    fn applied(&self, ids: &TermIds) -> Option<AppliedRule<'_>> {
        let (plan, versions) = self.plans.iter().find(|(p, _)| p.id == ids.plan_id)?;
        let version = versions.iter().find(|v| v.id == ids.version_id)?;
        let rule = version.rules.iter().find(|r| r.id == ids.rule_id)?;
        Some(AppliedRule { plan, version, rule })
    }

    async fn plan(&mut self, conn: &mut Conn, plan_id: i64) -> StoreResult<usize> {
        if let Some(at) = self.plans.iter().position(|(p, _)| p.id == plan_id) {
            return Ok(at);
        }
        self.plans.push(load_terms(conn, plan_id).await?);
        Ok(self.plans.len() - 1)
    }

    /// Why line `index` earns nothing, or the explanation of its terms.
    pub(super) fn reason(&self, index: usize) -> Option<&str> {
        self.lines.get(index).and_then(|l| l.as_ref().err()).map(String::as_str)
    }
}

/// The partner facts a new line decision reads.
struct PartnerFacts {
    plan_id: Option<i64>,
    history: Vec<LevelChange>,
    /// Its level now: what a date before its history counts.
    level_id: Option<i64>,
}

impl PartnerFacts {
    /// The level held on `date` (DECISIONS 62), for the rule's level.
    fn level_on(&self, date: Date) -> Option<i64> {
        match held_on(&self.history, date) {
            Some(change) => change.level_id,
            None => self.level_id,
        }
    }
}

async fn partner_facts(conn: &mut Conn, partner_id: i64) -> StoreResult<PartnerFacts> {
    let (own, level_plan, level_id): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT p.commission_plan_id, l.default_plan_id, l.id FROM partners p \
         LEFT JOIN partner_levels l ON l.code = p.level WHERE p.id = $1",
    )
    .bind(partner_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT l.id, h.effective_on FROM partner_level_history h LEFT JOIN partner_levels l ON l.code = h.level \
         WHERE h.partner_id = $1 ORDER BY h.effective_on, h.id",
    )
    .bind(partner_id)
    .fetch_all(&mut *conn)
    .await?;
    let history = rows
        .into_iter()
        .map(|(level_id, on)| {
            Ok(LevelChange {
                level_id,
                stage_id: None,
                effective: parse_date(&on)?,
            })
        })
        .collect::<StoreResult<_>>()?;
    // DECISIONS 66: the plan is the one the partner has now (its own, else its level's).
    Ok(PartnerFacts {
        plan_id: plan_for_partner(own, level_plan).map(|c| c.plan_id),
        history,
        level_id,
    })
}

/// Each line's product category chain, own first; empty for a line without a categorised product.
async fn category_chains(conn: &mut Conn, invoice: &Invoice) -> StoreResult<Vec<Vec<i64>>> {
    let parents = category_parents(conn).await?;
    let by_name: BTreeMap<&str, i64> = parents.iter().map(|(id, (name, _))| (name.as_str(), *id)).collect();
    let mut chains = Vec::with_capacity(invoice.lines.len());
    for line in &invoice.lines {
        let category: Option<String> = match line.product_id {
            Some(product) => {
                sqlx::query_scalar("SELECT category FROM products WHERE id = $1")
                    .bind(product)
                    .fetch_optional(&mut *conn)
                    .await?
            }
            None => None,
        };
        chains.push(
            category
                .and_then(|c| by_name.get(c.as_str()).copied())
                .map(|id| chain(&parents, id))
                .unwrap_or_default(),
        );
    }
    Ok(chains)
}

async fn decision_dates(conn: &mut Conn, invoice: &Invoice, on: Date) -> StoreResult<DecisionDates> {
    let close: Option<String> = match invoice.opportunity_id {
        Some(opportunity) => {
            sqlx::query_scalar("SELECT close_date FROM opportunities WHERE id = $1")
                .bind(opportunity)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    Ok(DecisionDates {
        close: close.as_deref().map(parse_date).transpose()?,
        invoice: invoice.issued_on.unwrap_or(on),
        first_payment: invoice.payments.iter().map(|p| p.paid_on).min().unwrap_or(on),
    })
}

/// The terms of each line of `invoice`: kept ones as they were; the others decided as of an event on
/// `on` (DECISIONS 62: the plan's deciding date chooses the version; the level held on it, and the
/// product's category chain, choose the rule).
pub(super) async fn invoice_terms(conn: &mut Conn, invoice: &Invoice, on: Date) -> StoreResult<InvoiceTerms> {
    let kept: Vec<(i64, i64, i64, Option<String>, i64, String)> = sqlx::query_as(
        "SELECT t.line_no, t.version_id, t.rule_id, t.tier_period_start, v.plan_id, t.partial_payment \
         FROM commission_line_terms t JOIN commission_plan_versions v ON v.id = t.version_id WHERE t.invoice_id = $1",
    )
    .bind(invoice.id)
    .fetch_all(&mut *conn)
    .await?;
    let policy = match kept.first() {
        Some(k) => PartialPaymentPolicy::parse(&k.5).map_err(corrupt)?,
        None => load_settings(conn).await?.commissions.partial_payment,
    };
    let mut terms = InvoiceTerms {
        plans: Vec::new(),
        lines: Vec::with_capacity(invoice.lines.len()),
        policy,
    };
    let facts = partner_facts(conn, invoice.partner_id).await?;
    let chains = category_chains(conn, invoice).await?;
    let dates = decision_dates(conn, invoice, on).await?;
    for (line, chain) in invoice.lines.iter().zip(&chains) {
        if let Some((_, version_id, rule_id, period, plan_id, _)) = kept.iter().find(|k| k.0 == line.line_no) {
            terms.plan(conn, *plan_id).await?;
            terms.lines.push(Ok(TermIds {
                plan_id: *plan_id,
                version_id: *version_id,
                rule_id: *rule_id,
                tier_period_start: period.as_deref().map(parse_date).transpose()?,
                stored: true,
            }));
            continue;
        }
        let Some(plan_id) = facts.plan_id else {
            terms.lines.push(Err(
                "The partner has no commission plan: neither its own nor its level's.".to_owned(),
            ));
            continue;
        };
        let at = terms.plan(conn, plan_id).await?;
        let (plan, versions) = &terms.plans[at];
        let level_id = facts.level_on(dates.deciding(plan.deciding_date));
        let context = LineContext {
            category_chain: chain,
            level_id,
            currency: invoice.currency,
        };
        let decided = applied_rule(plan, versions, &dates, &context)
            .map(|applied| TermIds {
                plan_id,
                version_id: applied.version.id,
                rule_id: applied.rule.id,
                tier_period_start: match &applied.rule.kind {
                    RuleKind::VolumeTiers { tiers } => Some(Period::containing(tiers.period, on).start),
                    _ => None,
                },
                stored: false,
            })
            .map_err(|no| no.reason());
        terms.lines.push(decided);
    }
    Ok(terms)
}

/// The partner's paid volume under a tier rule in its period, before this event.
async fn prior_volume(conn: &mut Conn, partner_id: i64, ids: &TermIds, currency: Currency) -> StoreResult<i64> {
    let Some(start) = ids.tier_period_start else {
        return Ok(0);
    };
    let volume: Option<i64> = sqlx::query_scalar(
        "SELECT volume_minor FROM commission_volumes WHERE partner_id = $1 AND version_id = $2 AND rule_id = $3 \
         AND period_start = $4 AND currency = $5",
    )
    .bind(partner_id)
    .bind(ids.version_id)
    .bind(ids.rule_id)
    .bind(start.to_string())
    .bind(currency.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(volume.unwrap_or(0))
}

/// Issue 15 item 4: what the event that took the invoice from `before` to `after` earns, computed by
/// the domain on each line's terms. `counted`: the invoice as its volume is already in the stored
/// tier volumes, taken out first (the preview starts from an unpaid invoice that may be paid).
pub(super) async fn compute(
    conn: &mut Conn,
    terms: &InvoiceTerms,
    invoice: &Invoice,
    (before, after): (&InvoiceStanding, &InvoiceStanding),
    counted: Option<&InvoiceStanding>,
) -> StoreResult<EventCommission> {
    let own = |ids: &TermIds| -> i64 {
        let Some(counted) = counted else { return 0 };
        terms
            .lines
            .iter()
            .enumerate()
            .filter(|(_, line)| {
                line.as_ref()
                    .is_ok_and(|l| (l.version_id, l.rule_id) == (ids.version_id, ids.rule_id))
            })
            .map(|(i, _)| counted.paid_volume(i, terms.policy))
            .sum()
    };
    let mut priors = Vec::with_capacity(terms.lines.len());
    for line in &terms.lines {
        priors.push(match line {
            Ok(ids) => {
                let stored = prior_volume(conn, invoice.partner_id, ids, invoice.currency).await?;
                Some((ids, stored - own(ids)))
            }
            Err(_) => None,
        });
    }
    let line_terms: Vec<Option<LineTerms>> = priors
        .iter()
        .map(|p| {
            p.and_then(|(ids, prior)| {
                terms.applied(ids).map(|applied| LineTerms {
                    applied,
                    prior_volume: prior,
                })
            })
        })
        .collect();
    Ok(event_commission(
        terms.policy,
        invoice.currency,
        before,
        after,
        &line_terms,
    ))
}

/// The open draft a line dated `on` joins (DECISIONS 64), made with its first line.
async fn open_draft(tx: &mut Write<'_>, partner_id: i64, currency: Currency, on: Date) -> StoreResult<i64> {
    let settings = load_settings(tx).await?;
    let (period, automatic): (Option<String>, Option<bool>) =
        sqlx::query_as("SELECT payout_period, automatic_confirmation FROM partners WHERE id = $1")
            .bind(partner_id)
            .fetch_one(&mut **tx)
            .await?;
    let own_period = super::program::optional_period(period)?;
    let (kind, _) = payout_schedule(&settings.commissions, own_period, automatic);
    let confirmed_through: Option<String> = sqlx::query_scalar(
        "SELECT MAX(period_end) FROM commission_orders WHERE partner_id = $1 AND currency = $2 AND period_kind = $3 \
         AND state = 'confirmed'",
    )
    .bind(partner_id)
    .bind(currency.as_str())
    .bind(kind.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let confirmed_through = confirmed_through.as_deref().map(parse_date).transpose()?;
    let key = PoKey::for_line(partner_id, kind, currency, on, confirmed_through);
    sqlx::query(
        "INSERT INTO commission_orders (partner_id, period_kind, period_start, period_end, currency, state, total_minor, created_us) \
         VALUES ($1, $2, $3, $4, $5, 'draft', 0, $6) ON CONFLICT (partner_id, period_kind, period_start, currency) DO NOTHING",
    )
    .bind(partner_id)
    .bind(kind.as_str())
    .bind(key.period.start.to_string())
    .bind(key.period.end.to_string())
    .bind(currency.as_str())
    .bind(us(tx.now()))
    .execute(&mut **tx)
    .await?;
    let (id, state): (i64, String) = sqlx::query_as(
        "SELECT id, state FROM commission_orders WHERE partner_id = $1 AND period_kind = $2 AND period_start = $3 \
         AND currency = $4",
    )
    .bind(partner_id)
    .bind(kind.as_str())
    .bind(key.period.start.to_string())
    .bind(currency.as_str())
    .fetch_one(&mut **tx)
    .await?;
    if !PoState::parse(&state).map_err(corrupt)?.takes_lines() {
        return Err(StoreError::conflict(
            "the commission order of this period was confirmed meanwhile; send the event again",
        ));
    }
    Ok(id)
}

/// Issue 15 item 4 (DECISIONS 64, 66): the commission of an event on `after` (the invoice once the
/// event is recorded; `before` as it stood), written in the event's transaction: new terms kept,
/// tier volumes moved, and each line appended to its open draft.
pub(crate) async fn earn(tx: &mut Write<'_>, before: &Invoice, after: &Invoice, event: Event<'_>) -> StoreResult<()> {
    let terms = invoice_terms(tx, after, event.on).await?;
    let event_lines = compute(tx, &terms, after, (&standing_of(before)?, &standing_of(after)?), None).await?;
    if event.kind == "payment" {
        keep_new_terms(tx, after, &terms).await?;
    }
    for change in &event_lines.volumes {
        let start = terms
            .lines
            .iter()
            .flatten()
            .find(|ids| (ids.version_id, ids.rule_id) == (change.version_id, change.rule_id))
            .and_then(|ids| ids.tier_period_start);
        let Some(start) = start else { continue };
        sqlx::query(
            "INSERT INTO commission_volumes (partner_id, version_id, rule_id, period_start, currency, volume_minor) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (partner_id, version_id, rule_id, period_start, currency) \
             DO UPDATE SET volume_minor = commission_volumes.volume_minor + excluded.volume_minor",
        )
        .bind(after.partner_id)
        .bind(change.version_id)
        .bind(change.rule_id)
        .bind(start.to_string())
        .bind(after.currency.as_str())
        .bind(change.added)
        .execute(&mut **tx)
        .await?;
    }
    if event_lines.lines.is_empty() {
        return Ok(());
    }
    let order = open_draft(tx, after.partner_id, after.currency, event.on).await?;
    let mut written = Vec::with_capacity(event_lines.lines.len());
    for line in &event_lines.lines {
        let invoice_line = &after.lines[line.index];
        let explained = &line.commission.explanation;
        let body = serde_json::to_string(explained).map_err(|e| StoreError::Database(e.to_string()))?;
        sqlx::query(
            "INSERT INTO commission_lines (order_id, partner_id, invoice_id, line_no, event_kind, event_external_id, \
             event_on, amount_minor, currency, plan_id, version_id, rule_id, explanation, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(order)
        .bind(after.partner_id)
        .bind(after.id)
        .bind(invoice_line.line_no)
        .bind(event.kind)
        .bind(event.external_id)
        .bind(event.on.to_string())
        .bind(line.commission.amount)
        .bind(after.currency.as_str())
        .bind(explained.plan_id)
        .bind(explained.version_id)
        .bind(explained.rule_id)
        .bind(&body)
        .bind(us(tx.now()))
        .execute(&mut **tx)
        .await
        .on_unique("this event's commission was written already")?;
        written.push(
            json!({"line_no": invoice_line.line_no, "amount_minor": line.commission.amount,
                            "explanation": explained.sentence()}),
        );
    }
    let total: i64 = event_lines.lines.iter().map(|l| l.commission.amount).sum();
    sqlx::query("UPDATE commission_orders SET total_minor = total_minor + $1 WHERE id = $2 AND state = 'draft'")
        .bind(total)
        .bind(order)
        .execute(&mut **tx)
        .await?;
    tx.audit(Change {
        action: "commission.earn",
        entity_type: "commission_order",
        entity_id: order,
        before: None,
        after: Some(
            &json!({"invoice_id": after.id, "event": event.kind, "external_id": event.external_id,
                            "total_minor": total, "lines": written}),
        ),
    })
    .await
}

/// A line's terms decided at its first payment are kept for every later event on it.
async fn keep_new_terms(tx: &mut Write<'_>, invoice: &Invoice, terms: &InvoiceTerms) -> StoreResult<()> {
    for (line, decided) in invoice.lines.iter().zip(&terms.lines) {
        let Ok(ids) = decided else { continue };
        if ids.stored {
            continue;
        }
        sqlx::query(
            "INSERT INTO commission_line_terms (invoice_id, line_no, version_id, rule_id, tier_period_start, partial_payment) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(invoice.id)
        .bind(line.line_no)
        .bind(ids.version_id)
        .bind(ids.rule_id)
        .bind(ids.tier_period_start.map(|d| d.to_string()))
        .bind(terms.policy.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
