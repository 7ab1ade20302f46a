//! Jobs (REG-4, PLT-3): the sweeps and the outbox behind e-mail and in-app notifications.

use crate::sql::kit::*;
use crate::sql::registrations::sweeps::SWEEP_BATCH;

pub(crate) fn outbox_from_row(row: &DbRow) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        id: get(row, "id")?,
        dedupe_key: get(row, "dedupe_key")?,
        kind: get(row, "kind")?,
        recipient_email: get(row, "recipient_email")?,
        subject: get(row, "subject")?,
        body: domain::notify::with_secret(
            &get::<String>(row, "body")?,
            get::<Option<String>>(row, "secret")?.as_deref(),
        ),
        attempts: get(row, "attempts")?,
    })
}

#[async_trait]
impl JobStore for SqlStore {
    async fn run_sweeps(&self, now: Timestamp) -> StoreResult<SweepReport> {
        let mut report = SweepReport::default();
        loop {
            let expired = self.expire_batch(now).await?;
            report.expired += expired;
            if expired < SWEEP_BATCH as u64 {
                break;
            }
        }
        loop {
            let queued = self.remind_batch(now).await?;
            report.reminders_queued += queued;
            if queued < SWEEP_BATCH as u64 {
                break;
            }
        }
        loop {
            let ended = self.lapse_batch(now).await?;
            report.rights_ended += ended;
            if ended < SWEEP_BATCH as u64 {
                break;
            }
        }
        loop {
            let queued = self.remind_rights_batch(now).await?;
            report.rights_reminders += queued;
            if queued < SWEEP_BATCH as u64 {
                break;
            }
        }
        report.sessions_removed = self.remove_expired_sessions(now).await?;
        Ok(report)
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let mut tx = dialect::begin_queue(&self.write).await?;
        let sql = format!(
            "UPDATE outbox SET lease_until_us = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE delivered_us IS NULL AND next_attempt_us <= $2 \
              AND (lease_until_us IS NULL OR lease_until_us < $2) ORDER BY id LIMIT $3{}) \
             RETURNING id, dedupe_key, kind, recipient_email, subject, body, secret, attempts",
            dialect::SKIP_LOCKED
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(us(lease_until))
            .bind(us(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut messages = rows.iter().map(outbox_from_row).collect::<StoreResult<Vec<_>>>()?;
        messages.sort_by_key(|m| m.id);
        Ok(messages)
    }

    async fn mark_delivered(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET delivered_us = $1, lease_until_us = NULL, last_error = NULL, secret = NULL \
             WHERE id = $2 AND delivered_us IS NULL",
        )
        .bind(us(now))
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, error: &str, retry_at: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_us = $2, lease_until_us = NULL WHERE id = $3 AND delivered_us IS NULL")
            .bind(error)
            .bind(us(retry_at))
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn list_notifications(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Notification>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM outbox WHERE recipient_user_id = "
        ));
        qb.push_bind(actor.user_id)
            .push(" AND in_app = ")
            .push_bind(true)
            .push(" AND ");
        push_keyset(&mut qb, "id", &page, false);
        push_page_order(&mut qb, "id", &page, false);
        let rows = qb.build().fetch_all(&self.read).await?;
        let items = rows
            .iter()
            .map(notification_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, &page, |n| n.id))
    }

    async fn count_unread_notifications(&self, actor: &Actor) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE recipient_user_id = $1 AND read_us IS NULL AND in_app = $2",
        )
        .bind(actor.user_id)
        .bind(true)
        .fetch_one(&self.read)
        .await?)
    }

    // Reading is the recipient's own view of a message, not a change to the program: a single
    // statement like `mark_delivered`, without an audit entry (decision in DECISIONS.md).
    async fn mark_notification_read(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Notification> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET read_us = COALESCE(read_us, $1) \
             WHERE id = $2 AND recipient_user_id = $3 AND in_app = $4 RETURNING {NOTIFICATION_COLUMNS}"
        )))
        .bind(us(now))
        .bind(id)
        .bind(actor.user_id)
        .bind(true)
        .fetch_optional(&self.write)
        .await?
        .ok_or(StoreError::NotFound("notification"))?;
        notification_from_row(&row)
    }

    async fn mark_all_notifications_read(&self, actor: &Actor, now: Timestamp) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE outbox SET read_us = $1 WHERE recipient_user_id = $2 AND read_us IS NULL AND in_app = $3",
        )
        .bind(us(now))
        .bind(actor.user_id)
        .bind(true)
        .execute(&self.write)
        .await?
        .rows_affected())
    }
}

const NOTIFICATION_COLUMNS: &str = "id, kind, subject, body, entity_type, entity_id, created_us, delivered_us, read_us";

fn notification_from_row(r: &DbRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: get(r, "id")?,
        kind: get(r, "kind")?,
        subject: get(r, "subject")?,
        body: get(r, "body")?,
        entity_type: get(r, "entity_type")?,
        entity_id: get(r, "entity_id")?,
        created_at: at(get(r, "created_us")?),
        delivered_at: get::<Option<i64>>(r, "delivered_us")?.map(at),
        read_at: get::<Option<i64>>(r, "read_us")?.map(at),
    })
}
