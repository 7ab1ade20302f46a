//! Commission purchase orders (PRG-5): read, confirmed by finance or by the worker once their period is
//! complete (the payout or carry decided, the statement sent), and the report (PRG-6).

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::write::{Change, Write};
use domain::commissions::notify::{StatementFigures, statement};
use domain::commissions::{CarryReason, Explanation, Payout, Period, PeriodKind, PoState, payout_decision};

pub(super) const ORDER_SELECT: &str = "SELECT o.*, p.name AS partner_name, \
     (SELECT COUNT(*) FROM commission_lines c WHERE c.order_id = o.id) AS line_count, \
     (SELECT CAST(COALESCE(SUM(c.amount_minor), 0) AS BIGINT) FROM commission_lines c WHERE c.order_id = o.id AND c.amount_minor > 0) AS earned_minor \
     FROM commission_orders o JOIN partners p ON p.id = o.partner_id";

pub(super) fn number_of(id: i64) -> String {
    format!("CPO-{id:06}")
}

fn period_of(row: &DbRow) -> StoreResult<Period> {
    Ok(Period {
        kind: PeriodKind::parse(&get::<String>(row, "period_kind")?).map_err(corrupt)?,
        start: parse_date(&get::<String>(row, "period_start")?)?,
        end: parse_date(&get::<String>(row, "period_end")?)?,
    })
}

pub(super) fn order_from_row(row: &DbRow, settings: &ProgramSettings) -> StoreResult<CommissionOrder> {
    let currency = parse_currency(&get::<String>(row, "currency")?)?;
    let money = |amount_minor| Money { amount_minor, currency };
    let period = period_of(row)?;
    let total: i64 = get(row, "total_minor")?;
    let earned: i64 = get(row, "earned_minor")?;
    let carried_in: Option<i64> = get(row, "carried_in_minor")?;
    let payout: Option<i64> = get(row, "payout_minor")?;
    let carried_out: Option<i64> = get(row, "carried_out_minor")?;
    let id: i64 = get(row, "id")?;
    let payout_sentence = match (payout, carried_out) {
        (Some(paid), _) if paid > 0 => Some(Payout::Pay { amount: paid }),
        (Some(_), Some(balance)) => Some(Payout::Carry {
            balance,
            reason: if balance < 0 {
                CarryReason::Negative
            } else {
                CarryReason::BelowMinimum
            },
        }),
        _ => None,
    }
    .map(|p| p.sentence(currency, settings.commissions.minimum_in(currency)));
    Ok(CommissionOrder {
        id,
        number: number_of(id),
        partner_id: get(row, "partner_id")?,
        partner_name: get(row, "partner_name")?,
        period_kind: period.kind,
        period_start: period.start,
        period_end: period.end,
        period_label: period.label(),
        currency,
        state: PoState::parse(&get::<String>(row, "state")?).map_err(corrupt)?,
        total: money(total),
        earned: money(earned),
        clawed_back: money(total - earned),
        carried_in: carried_in.map(money),
        payout: payout.map(money),
        carried_out: carried_out.map(money),
        payout_sentence,
        confirmed_at: get::<Option<i64>>(row, "confirmed_us")?.map(at),
        line_count: get(row, "line_count")?,
        lines: Vec::new(),
    })
}

async fn lines_of(conn: &mut Conn, order: &mut CommissionOrder) -> StoreResult<()> {
    let rows = sqlx::query(
        "SELECT c.*, i.number AS invoice_number FROM commission_lines c JOIN invoices i ON i.id = c.invoice_id \
         WHERE c.order_id = $1 ORDER BY c.id",
    )
    .bind(order.id)
    .fetch_all(&mut *conn)
    .await?;
    order.lines = rows
        .iter()
        .map(|row| {
            let explained: Explanation =
                serde_json::from_str(&get::<String>(row, "explanation")?).map_err(|e| corrupt(e.to_string()))?;
            Ok(CommissionLineView {
                id: get(row, "id")?,
                invoice_id: get(row, "invoice_id")?,
                invoice_number: get(row, "invoice_number")?,
                line_no: get(row, "line_no")?,
                event_kind: get(row, "event_kind")?,
                event_external_id: get(row, "event_external_id")?,
                event_on: parse_date(&get::<String>(row, "event_on")?)?,
                amount: Money {
                    amount_minor: get(row, "amount_minor")?,
                    currency: order.currency,
                },
                explanation: explained.sentence(),
                explained,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(())
}

pub(super) async fn load_order(conn: &mut Conn, id: i64) -> StoreResult<CommissionOrder> {
    let settings = load_settings(conn).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ORDER_SELECT} WHERE o.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("commission order"))?;
    let mut order = order_from_row(&row, &settings)?;
    lines_of(conn, &mut order).await?;
    Ok(order)
}

/// Issue 15 item 5 (DECISIONS 64): a draft of a complete period, its partner's earlier drafts in the
/// currency confirmed first, is confirmed: the balance carried in plus its total is paid at or above
/// the program's minimum, else carried on (a negative one is never paid), and the statement is sent.
pub(super) async fn confirm(tx: &mut Write<'_>, id: i64) -> StoreResult<(CommissionOrder, u64)> {
    let settings = load_settings(tx).await?;
    let before = load_order(tx, id).await?;
    if before.state != PoState::Draft {
        return Err(StoreError::conflict(format!("{} is confirmed already", before.number)));
    }
    let today = business_date(tx.now(), &settings.zone());
    let period = Period {
        kind: before.period_kind,
        start: before.period_start,
        end: before.period_end,
    };
    if !period.is_complete(today) {
        return Err(StoreError::conflict(format!(
            "{} is not over: it ends on {}, so it can be confirmed from {}",
            period.label(),
            period.end,
            period.end.tomorrow().unwrap_or(period.end)
        )));
    }
    let earlier: Option<String> = sqlx::query_scalar(
        "SELECT MIN(period_start) FROM commission_orders WHERE partner_id = $1 AND currency = $2 \
         AND state = 'draft' AND period_start < $3",
    )
    .bind(before.partner_id)
    .bind(before.currency.as_str())
    .bind(before.period_start.to_string())
    .fetch_one(&mut **tx)
    .await?;
    if let Some(earlier) = earlier {
        return Err(StoreError::conflict(format!(
            "the partner's draft from {earlier} in {} is still open: confirm periods in order",
            before.currency
        )));
    }
    let carried_in: Option<i64> = sqlx::query_scalar(
        "SELECT carried_out_minor FROM commission_orders WHERE partner_id = $1 AND currency = $2 \
         AND state = 'confirmed' ORDER BY period_end DESC, id DESC LIMIT 1",
    )
    .bind(before.partner_id)
    .bind(before.currency.as_str())
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    let carried_in = carried_in.unwrap_or(0);
    let minimum = settings.commissions.minimum_in(before.currency);
    let payout = payout_decision(before.total.amount_minor, carried_in, minimum);
    let (paid, carried_out) = match payout {
        Payout::Pay { amount } => (amount, 0),
        Payout::Carry { balance, .. } => (0, balance),
    };
    let done = sqlx::query(
        "UPDATE commission_orders SET state = 'confirmed', carried_in_minor = $1, payout_minor = $2, \
         carried_out_minor = $3, confirmed_by = $4, confirmed_us = $5 WHERE id = $6 AND state = 'draft'",
    )
    .bind(carried_in)
    .bind(paid)
    .bind(carried_out)
    .bind(tx.actor().map(|a| a.user_id))
    .bind(us(tx.now()))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::conflict(format!(
            "{} was confirmed meanwhile",
            before.number
        )));
    }
    let after = load_order(tx, id).await?;
    let draft = statement(
        &after.number,
        &after.period_label,
        &StatementFigures {
            earned: after.earned.amount_minor,
            clawed_back: after.clawed_back.amount_minor,
            carried_in,
            payout,
            minimum,
            currency: after.currency,
        },
    );
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE partner_id = $1 AND active = $2 ORDER BY id")
        .bind(after.partner_id)
        .bind(true)
        .fetch_all(&mut **tx)
        .await?;
    let mut sent = 0;
    for user in users {
        sent += u64::from(
            tx.notify(
                &format!("commission-statement-{id}-{user}"),
                user,
                &draft,
                ("commission_order", id),
            )
            .await?,
        );
    }
    let mut before_json = json!(before);
    before_json["lines"] = Value::Null;
    let mut after_json = json!(after);
    after_json["lines"] = Value::Null;
    tx.audit(Change {
        action: "commission.confirm",
        entity_type: "commission_order",
        entity_id: id,
        before: Some(&before_json),
        after: Some(&after_json),
    })
    .await?;
    Ok((after, sent))
}

/// Drafts the worker confirms at `today`: complete periods of partners under automatic confirmation
/// (their own schedule, else the program's), oldest first.
pub(super) async fn due_drafts(conn: &mut Conn, today: Date) -> StoreResult<Vec<i64>> {
    let program = load_settings(conn).await?.commissions;
    let rows: Vec<(i64, Option<bool>)> = sqlx::query_as(
        "SELECT o.id, p.automatic_confirmation FROM commission_orders o JOIN partners p ON p.id = o.partner_id \
         WHERE o.state = 'draft' AND o.period_end < $1 ORDER BY o.period_start, o.id",
    )
    .bind(today.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, own)| own.unwrap_or(program.automatic_confirmation))
        .map(|(id, _)| id)
        .collect())
}

/// Partners whose review is due or due soon and not yet announced for that date: (partner, name, due,
/// region manager).
pub(super) async fn reviews_to_remind(
    conn: &mut Conn,
    today: Date,
) -> StoreResult<Vec<(i64, String, Date, Option<i64>)>> {
    let settings = load_settings(conn).await?;
    let horizon = today.saturating_add(jiff::Span::new().days(i64::from(settings.commissions.review_reminder_days)));
    let rows: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT p.id, p.name, p.next_review_on, r.manager_user_id FROM partners p JOIN regions r ON r.id = p.region_id \
         WHERE p.next_review_on IS NOT NULL AND p.next_review_on <= $1 ORDER BY p.id",
    )
    .bind(horizon.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, name, due, manager)| Ok((id, name, parse_date(&due)?, manager)))
        .collect()
}

pub(super) fn filter_of(actor: &Actor, filter: &CommissionOrderFilter) -> StoreResult<Option<i64>> {
    match actor.confined_to_partner() {
        Some(own) if filter.partner_id.is_some_and(|p| p != own) => Ok(Some(-1)),
        Some(own) => Ok(Some(own)),
        None if actor.role.is_partner() => Ok(Some(-1)),
        None => Ok(filter.partner_id),
    }
}

/// Issue 15 item 7 (PRG-6): per partner, period, currency and plan rule — earned, clawed back, and how
/// much of it sits on drafts and on confirmed orders.
pub(super) async fn report(
    conn: &mut Conn,
    partner: Option<i64>,
    filter: &ReportFilter,
) -> StoreResult<Vec<ReportRow>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT o.partner_id, p.name AS partner_name, p.level, o.period_kind, o.period_start, o.period_end, o.currency, \
         pl.name AS plan_name, v.number AS version_number, c.version_id, c.rule_id, v.rules, \
         CAST(SUM(CASE WHEN c.amount_minor > 0 THEN c.amount_minor ELSE 0 END) AS BIGINT) AS earned_minor, \
         CAST(SUM(CASE WHEN c.amount_minor < 0 THEN c.amount_minor ELSE 0 END) AS BIGINT) AS clawed_minor, \
         CAST(SUM(CASE WHEN o.state = 'draft' THEN c.amount_minor ELSE 0 END) AS BIGINT) AS draft_minor, \
         CAST(SUM(CASE WHEN o.state = 'confirmed' THEN c.amount_minor ELSE 0 END) AS BIGINT) AS confirmed_minor \
         FROM commission_lines c JOIN commission_orders o ON o.id = c.order_id JOIN partners p ON p.id = o.partner_id \
         JOIN commission_plan_versions v ON v.id = c.version_id JOIN commission_plans pl ON pl.id = c.plan_id WHERE 1 = 1",
    );
    if let Some(partner) = partner {
        qb.push(" AND c.partner_id = ").push_bind(partner);
    }
    if let Some(from) = filter.from {
        qb.push(" AND o.period_start >= ").push_bind(from.to_string());
    }
    if let Some(to) = filter.to {
        qb.push(" AND o.period_start <= ").push_bind(to.to_string());
    }
    qb.push(
        " GROUP BY o.partner_id, p.name, p.level, o.period_kind, o.period_start, o.period_end, o.currency, pl.name, \
         v.number, c.version_id, c.rule_id, v.rules ORDER BY o.period_start DESC, p.name, o.currency, pl.name, c.rule_id",
    );
    let rows = qb.build().fetch_all(&mut *conn).await?;
    rows.iter().map(report_row).collect()
}

fn report_row(row: &DbRow) -> StoreResult<ReportRow> {
    let rules: Vec<domain::commissions::Rule> =
        serde_json::from_str(&get::<String>(row, "rules")?).map_err(|e| corrupt(e.to_string()))?;
    let rule_id: i64 = get(row, "rule_id")?;
    let period = period_of(row)?;
    Ok(ReportRow {
        partner_id: get(row, "partner_id")?,
        partner_name: get(row, "partner_name")?,
        level: PartnerLevel::parse(&get::<String>(row, "level")?).map_err(corrupt)?,
        period_start: period.start,
        period_label: period.label(),
        currency: parse_currency(&get::<String>(row, "currency")?)?,
        plan_name: get(row, "plan_name")?,
        version_number: u32::try_from(get::<i64>(row, "version_number")?).unwrap_or(0),
        rule_name: rules
            .iter()
            .find(|r| r.id == rule_id)
            .map_or_else(|| format!("rule {rule_id}"), |r| r.name.clone()),
        earned_minor: get(row, "earned_minor")?,
        clawed_back_minor: get(row, "clawed_minor")?,
        draft_minor: get(row, "draft_minor")?,
        confirmed_minor: get(row, "confirmed_minor")?,
    })
}
