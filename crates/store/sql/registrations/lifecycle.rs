//! Status changes of a registration: claims, SOR numbers, transitions, and who hears of them.

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::orders::links::{link_won_orders, order_links};
use crate::sql::registrations::matching::{find_matches, identity_of};
use crate::sql::registrations::rows::{
    LineRow, RegRow, conflicts_json, insert_lines, load_lines, present, products_for, reload, snapshot,
};
use crate::sql::write::{Change, Write};

/// Takes the claims of an approved registration: one row per (customer, product), unique in the
/// database, so no two approved registrations can ever cover the same customer and product.
pub(crate) async fn take_claims(conn: &mut Conn, reg: &RegRow, lines: &[LineRow]) -> StoreResult<()> {
    for line in lines {
        let held: Option<(i64, String)> = sqlx::query_as(
            "SELECT c.registration_id, p.name FROM claims c JOIN partners p ON p.id = c.partner_id \
             WHERE c.customer_id = $1 AND c.product_id = $2",
        )
        .bind(reg.customer.id)
        .bind(line.product_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((holder, partner)) = held {
            return Err(StoreError::conflict(format!(
                "{} is already covered for {} by approved registration #{holder} of {partner}; \
                 a customer and product can be protected for one registration only",
                line.line.sku, reg.customer.name
            )));
        }
        sqlx::query(
            "INSERT INTO claims (customer_id, product_id, registration_id, partner_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(reg.customer.id)
        .bind(line.product_id)
        .bind(reg.id)
        .bind(reg.partner_id)
        .execute(&mut *conn)
        .await
        .on_unique("another approved registration already covers this customer and product")?;
    }
    Ok(())
}

/// A registration that leaves the approved state gives up its protection and its pending requests.
pub(crate) async fn release(conn: &mut Conn, registration_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM claims WHERE registration_id = $1")
        .bind(registration_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE change_requests SET status = 'void' WHERE registration_id = $1 AND status = 'pending'")
        .bind(registration_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// REG-2: a registration about to be decided, if `actor` may decide it (its routed manager, or an
/// administrator); another partner's is not found.
pub(crate) async fn reload_for_decision(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> StoreResult<(RegRow, Vec<LineRow>)> {
    let (reg, lines) = reload(conn, id).await?;
    check(
        policy::can_decide(actor, reg.partner_id, reg.approver_id),
        "registration",
        "decide this registration",
    )?;
    Ok((reg, lines))
}

/// Audits a change to a registration: reloads its new state and records it beside the old one.
pub(crate) async fn record_change(
    tx: &mut Write<'_>,
    action: &str,
    before: (&RegRow, &[LineRow]),
) -> StoreResult<(RegRow, Vec<LineRow>)> {
    let (reg, lines) = before;
    let (after, after_lines) = reload(tx, reg.id).await?;
    let change = Change {
        action,
        entity_type: "registration",
        entity_id: reg.id,
        before: Some(&snapshot(reg, lines)),
        after: Some(&snapshot(&after, &after_lines)),
    };
    tx.audit(change).await?;
    Ok((after, after_lines))
}

/// Moves a registration to the status `action` leads to, recording who decided and why.
pub(crate) async fn transition(
    conn: &mut Conn,
    reg: &RegRow,
    action: Action,
    actor: &Actor,
    reason: Option<&str>,
    now: Timestamp,
) -> StoreResult<Status> {
    let next = reg.status.apply(action)?;
    let closing = matches!(next, Status::Won | Status::Lost | Status::Withdrawn);
    sqlx::query(
        "UPDATE registrations SET status = $1, decided_by = COALESCE($2, decided_by), decided_us = COALESCE($3, decided_us), \
         decision_reason = COALESCE($4, decision_reason), closed_us = $5 WHERE id = $6",
    )
    .bind(next.as_str())
    .bind((!closing).then_some(actor.user_id))
    .bind((!closing).then_some(us(now)))
    .bind(reason)
    .bind(closing.then_some(us(now)))
    .bind(reg.id)
    .execute(&mut *conn)
    .await?;
    if reg.status == Status::Approved {
        release(conn, reg.id).await?;
    }
    Ok(next)
}

/// REG-3: the next SOR number of the approval's business year, drawn in the approving transaction:
/// the counter row is locked until commit, and a rollback returns the number, so numbers are never
/// duplicated or skipped.
pub(crate) async fn next_sor_number(conn: &mut Conn, approved_on: Date) -> StoreResult<SorNumber> {
    let year = approved_on.year();
    let seq = next_of_year(conn, "sor_counters", year).await?;
    Ok(SorNumber { year, seq })
}

/// Queues a message about a registration to the partner user who submitted it.
pub(crate) async fn tell_submitter(
    tx: &mut Write<'_>,
    reg: &RegRow,
    dedupe_key: &str,
    draft: &Draft,
) -> StoreResult<()> {
    tx.notify(dedupe_key, reg.submitted_by, draft, ("registration", reg.id))
        .await?;
    Ok(())
}

/// Who hears about a registration awaiting a decision: its approver, or every administrator when
/// no approver could be routed.
pub(crate) async fn deciders(conn: &mut Conn, approver_id: Option<i64>) -> StoreResult<Vec<i64>> {
    match approver_id {
        Some(id) => Ok(vec![id]),
        None => sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND active = $1 ORDER BY id")
            .bind(true)
            .fetch_all(&mut *conn)
            .await
            .map_err(StoreError::from),
    }
}

impl SqlStore {
    /// Withdrawal and closing (REG-7): the partner, its approver or an administrator ends the
    /// registration; an approved one gives up its claims.
    pub(crate) async fn close_with(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let mut tx = self.begin(Some(actor), now).await?;
        let (reg, lines) = reload(&mut tx, id).await?;
        check(
            policy::can_close(actor, reg.partner_id, reg.approver_id),
            "registration",
            "close this registration",
        )?;
        transition(&mut tx, &reg, action, actor, reason.as_deref(), now).await?;
        let action_name = format!("registration.{}", action.as_str());
        let (after, after_lines) = record_change(&mut tx, &action_name, (&reg, &lines)).await?;
        if action == Action::CloseWon {
            link_won_orders(&mut tx, id).await?;
        }
        let orders = order_links(&mut tx, actor, &after).await?;
        tx.commit().await?;
        Ok(present(after, after_lines, orders, actor))
    }

    /// REG-5: applies an approved update or extension to the registration.
    pub(crate) async fn apply_change(
        &self,
        conn: &mut Conn,
        reg: &RegRow,
        change: &ChangeRequest,
        now: Timestamp,
    ) -> StoreResult<()> {
        match change {
            ChangeRequest::Extension { valid_through } => {
                let settings = load_settings(conn).await?;
                let today = business_date(now, &settings.zone());
                let current = reg
                    .valid_through
                    .ok_or_else(|| StoreError::Database("approved registration without validity".into()))?;
                rules::check_extension(*valid_through, current, today, settings.max_validity_days)
                    .map_err(|e| StoreError::conflict(format!("the extension can no longer be granted: {e}")))?;
                sqlx::query("UPDATE registrations SET valid_through = $1 WHERE id = $2")
                    .bind(valid_through.to_string())
                    .bind(reg.id)
                    .execute(&mut *conn)
                    .await?;
                crate::sql::opportunities::refresh_rights_of_registration(conn, reg.id).await?;
            }
            ChangeRequest::Update {
                lines: new_lines,
                estimated_value,
                expected_close,
            } => {
                if let Some(new_lines) = new_lines {
                    let products = products_for(conn, "products", new_lines).await?;
                    sqlx::query("DELETE FROM claims WHERE registration_id = $1")
                        .bind(reg.id)
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("DELETE FROM registration_lines WHERE registration_id = $1")
                        .bind(reg.id)
                        .execute(&mut *conn)
                        .await?;
                    insert_lines(conn, reg.id, &products).await?;
                    let updated = load_lines(conn, reg.id).await?;
                    take_claims(conn, reg, &updated).await?;
                    let skus: Vec<String> = updated.iter().map(|l| l.line.sku.clone()).collect();
                    let matches = find_matches(
                        conn,
                        &identity_of(&reg.customer),
                        Some(reg.customer.id),
                        &skus,
                        Some(reg.partner_id),
                        Some(reg.id),
                    )
                    .await?;
                    sqlx::query("UPDATE registrations SET possible_conflict = $1, conflicts = $2 WHERE id = $3")
                        .bind(matches.iter().any(|m| m.is_conflict))
                        .bind(conflicts_json(&matches)?)
                        .bind(reg.id)
                        .execute(&mut *conn)
                        .await?;
                }
                sqlx::query(
                    "UPDATE registrations SET est_value_minor = COALESCE($1, est_value_minor), expected_close = COALESCE($2, expected_close) WHERE id = $3",
                )
                .bind(estimated_value.map(|v| v.amount_minor))
                .bind(expected_close.map(|d| d.to_string()))
                .bind(reg.id)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}
