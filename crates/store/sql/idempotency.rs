//! Idempotency keys: answers recorded in the write they guard (`Write::commit_answering`), and the
//! per-key lock that says a request is still running (`dialect::try_lock_key`).

use crate::sql::kit::*;

/// A key's lock id: the same for every server on the database.
fn lock_id(user_id: i64, key: &str) -> i64 {
    let digest = content_hash(&format!("{user_id}\u{0}{key}"));
    u64::from_str_radix(&digest[..16], 16).map_or(0, |n| n as i64)
}

impl SqlStore {
    async fn recorded_answer(&self, user_id: i64, key: &str) -> StoreResult<Option<StoredResponse>> {
        let row = sqlx::query("SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user_id)
            .bind(key)
            .fetch_optional(&self.read)
            .await?;
        row.map(|row| {
            Ok(StoredResponse {
                fingerprint: get(&row, "fingerprint")?,
                status: get::<i64>(&row, "status")? as u16,
                body: get(&row, "body")?,
            })
        })
        .transpose()
    }
}

fn replay(stored: StoredResponse, fingerprint: &str) -> Claim {
    if stored.fingerprint == fingerprint {
        Claim::Done(stored)
    } else {
        Claim::Mismatch
    }
}

#[async_trait]
impl IdempotencyStore for SqlStore {
    async fn claim_idempotency_key(&self, user_id: i64, key: &str, fingerprint: &str) -> StoreResult<Claim> {
        if let Some(stored) = self.recorded_answer(user_id, key).await? {
            return Ok(replay(stored, fingerprint));
        }
        let Some(guard) = dialect::try_lock_key(&self.write, &self.key_locks, lock_id(user_id, key)).await? else {
            return Ok(Claim::InProgress);
        };
        // The request that held the lock may have committed its answer since the first look.
        match self.recorded_answer(user_id, key).await? {
            Some(stored) => Ok(replay(stored, fingerprint)),
            None => Ok(Claim::Run(guard)),
        }
    }

    async fn record_idempotent_answer(
        &self,
        user_id: i64,
        key: &str,
        answer: &StoredResponse,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(&answer.fingerprint)
        .bind(i64::from(answer.status))
        .bind(&answer.body)
        .bind(us(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
