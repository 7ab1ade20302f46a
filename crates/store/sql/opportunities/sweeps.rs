//! ROE-3: ending the rights of managers whose business was not awarded as forecasted, and reminding
//! them before, in bounded batches.

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::opportunities::managers::notify_party;
use crate::sql::opportunities::record;
use crate::sql::opportunities::rows::load_opportunity;
use crate::sql::registrations::sweeps::SWEEP_BATCH;
use domain::opportunities as roe;

impl SqlStore {
    /// Open opportunities past their last day of rights lapse: the account is open to all. The
    /// manager and the region's channel manager are told.
    pub(crate) async fn lapse_batch(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = self.begin(None, now).await?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM opportunities WHERE status = 'open' AND rights_through < $1 ORDER BY id LIMIT $2",
        )
        .bind(today.to_string())
        .bind(SWEEP_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            let before = load_opportunity(&mut tx, *id).await?;
            sqlx::query("UPDATE opportunities SET status = 'lapsed', closed_us = $1 WHERE id = $2")
                .bind(us(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            record(&mut tx, "opportunity.lapse", &before).await?;
            let draft = roe::notify::rights_ended(&before.number, &before.name, before.rights_through);
            let key = format!("rights-ended:{id}");
            notify_party(&mut tx, before.manager.party, &key, &draft, *id).await?;
            let channel_manager: Option<i64> = match before.region_id {
                Some(region) => {
                    sqlx::query_scalar("SELECT manager_user_id FROM regions WHERE id = $1")
                        .bind(region)
                        .fetch_one(&mut *tx)
                        .await?
                }
                None => None,
            };
            if let Some(user) = channel_manager.or(settings.fallback_approver_id) {
                tx.notify(&format!("{key}:cm:{user}"), user, &draft, ("opportunity", *id))
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// One reminder per opportunity and last day of rights, `rights_reminder_days` ahead.
    pub(crate) async fn remind_rights_batch(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = self.begin(None, now).await?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let horizon = today.saturating_add(jiff::Span::new().days(i64::from(settings.rights_reminder_days)));
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM opportunities WHERE status = 'open' AND rights_through >= $1 AND rights_through <= $2 \
             AND (reminded_for IS NULL OR reminded_for <> rights_through) ORDER BY id LIMIT $3",
        )
        .bind(today.to_string())
        .bind(horizon.to_string())
        .bind(SWEEP_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            let o = load_opportunity(&mut tx, *id).await?;
            if !roe::rights_reminder_due(o.rights_through, today, settings.rights_reminder_days) {
                continue;
            }
            let draft = roe::notify::rights_ending(&o.number, &o.name, o.rights_through, today);
            let key = format!("rights-ending:{id}:{}", o.rights_through);
            notify_party(&mut tx, o.manager.party, &key, &draft, *id).await?;
            sqlx::query("UPDATE opportunities SET reminded_for = rights_through WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
}
