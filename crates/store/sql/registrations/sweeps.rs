//! REG-4: expiring lapsed registrations and reminding partners before, in bounded batches.

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::registrations::lifecycle::{record_change, release, tell_submitter};
use crate::sql::registrations::rows::reload;

/// Rows handled per transaction by the sweeps, so a large backlog never holds the write lock long.
pub(crate) const SWEEP_BATCH: i64 = 500;

impl SqlStore {
    /// REG-4: expires approved registrations past their last valid day, one batch per transaction.
    pub(crate) async fn expire_batch(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = self.begin(None, now).await?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM registrations WHERE status = 'approved' AND valid_through < $1 ORDER BY id LIMIT $2",
        )
        .bind(today.to_string())
        .bind(SWEEP_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            let (reg, lines) = reload(&mut tx, *id).await?;
            let next = reg.status.apply(Action::Expire)?;
            sqlx::query("UPDATE registrations SET status = $1 WHERE id = $2")
                .bind(next.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            release(&mut tx, *id).await?;
            record_change(&mut tx, "registration.expire", (&reg, &lines)).await?;
            if let (Some(sor), Some(through)) = (&reg.sor_number, reg.valid_through) {
                let draft = notify::expired(sor, &reg.customer.name, through);
                tell_submitter(&mut tx, &reg, &format!("expired:{id}"), &draft).await?;
            }
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// REG-4: queues one reminder per registration and validity end, `reminder_days_before` ahead.
    pub(crate) async fn remind_batch(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = self.begin(None, now).await?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let horizon = rules::valid_through(today, settings.reminder_days_before);
        let rows = sqlx::query(
            "SELECT r.id, r.sor_number, r.valid_through, r.submitted_by, r.customer_name FROM registrations r \
             WHERE r.status = 'approved' AND r.valid_through >= $1 AND r.valid_through <= $2 \
             AND (r.reminded_for IS NULL OR r.reminded_for <> r.valid_through) ORDER BY r.id LIMIT $3",
        )
        .bind(today.to_string())
        .bind(horizon.to_string())
        .bind(SWEEP_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            let id: i64 = get(row, "id")?;
            let through = parse_date(&get::<String>(row, "valid_through")?)?;
            if !rules::reminder_due(through, today, settings.reminder_days_before) {
                continue;
            }
            let sor: Option<String> = get(row, "sor_number")?;
            let customer: String = get(row, "customer_name")?;
            let draft = notify::expiry_reminder(sor.as_deref().unwrap_or_default(), &customer, through, today);
            tx.notify(
                &format!("reminder:{id}:{through}"),
                get(row, "submitted_by")?,
                &draft,
                ("registration", id),
            )
            .await?;
            sqlx::query("UPDATE registrations SET reminded_for = valid_through WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }
}
