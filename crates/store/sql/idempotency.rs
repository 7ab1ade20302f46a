//! Idempotency keys.

use crate::sql::kit::*;

/// How long a reserved idempotency key waits for its first request before another may take over.
pub(crate) const IDEMPOTENCY_LEASE_US: i64 = 60_000_000;

#[async_trait]
impl IdempotencyStore for SqlStore {
    async fn reserve_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
    ) -> StoreResult<Reservation> {
        let mut tx = dialect::begin_queue(&self.write).await?;
        let taken = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_us) VALUES ($1, $2, $3, 0, '', $4) \
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(fingerprint)
        .bind(us(now))
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 1 {
            tx.commit().await?;
            return Ok(Reservation::Reserved);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT fingerprint, status, body, created_us FROM idempotency_keys WHERE user_id = $1 AND key = $2{}",
            dialect::FOR_UPDATE
        )))
        .bind(user_id)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        let stored = StoredResponse {
            fingerprint: get(&row, "fingerprint")?,
            status: get::<i64>(&row, "status")? as u16,
            body: get(&row, "body")?,
        };
        let reservation = if stored.fingerprint != fingerprint {
            Reservation::Mismatch
        } else if stored.status != 0 {
            Reservation::Done(stored)
        } else if get::<i64>(&row, "created_us")? < us(now) - IDEMPOTENCY_LEASE_US {
            // Its first request died before answering: this one takes its place.
            sqlx::query("UPDATE idempotency_keys SET created_us = $1 WHERE user_id = $2 AND key = $3")
                .bind(us(now))
                .bind(user_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            Reservation::Reserved
        } else {
            Reservation::InProgress
        };
        tx.commit().await?;
        Ok(reservation)
    }

    async fn complete_idempotency_key(&self, user_id: i64, key: &str, status: u16, body: &str) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND key = $4")
            .bind(i64::from(status))
            .bind(body)
            .bind(user_id)
            .bind(key)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn release_idempotency_key(&self, user_id: i64, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0")
            .bind(user_id)
            .bind(key)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
