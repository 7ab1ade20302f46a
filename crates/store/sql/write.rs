//! The write unit of work. Every write runs in one [`Write`]: a transaction that holds the database's
//! single write lock from its first statement (`dialect::begin_write`), knows who acts and when,
//! appends the change's entries to the hash-chained audit trail (PLT-2) and queues its outbox
//! messages (PLT-3), and commits all of it at once — or, dropped on an error, none of it. How writes
//! commit can change here beneath every write at once.

use crate::sql::kit::*;
use sqlx::Transaction;
use std::ops::{Deref, DerefMut};

/// One change as the audit trail records it; the actor and the time are the write's.
pub(crate) struct Change<'a> {
    pub(crate) action: &'a str,
    pub(crate) entity_type: &'a str,
    pub(crate) entity_id: i64,
    pub(crate) before: Option<&'a Value>,
    pub(crate) after: Option<&'a Value>,
}

pub(crate) struct Write<'a> {
    tx: Transaction<'static, Db>,
    /// `None` for the system: the sweeps, and the operator at the command line.
    actor: Option<&'a Actor>,
    now: Timestamp,
}

impl SqlStore {
    /// Begins a write by `actor` at `now`, waiting for the write lock.
    pub(crate) async fn begin<'a>(&self, actor: Option<&'a Actor>, now: Timestamp) -> StoreResult<Write<'a>> {
        let tx = dialect::begin_write(&self.write).await?;
        Ok(Write { tx, actor, now })
    }
}

impl<'a> Write<'a> {
    /// The time this write acts at.
    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    /// Who writes: `None` for the system.
    pub(crate) fn actor(&self) -> Option<&'a Actor> {
        self.actor
    }

    /// Appends one entry to the audit trail. Runs under the write lock, so the head it extends is
    /// the latest.
    pub(crate) async fn audit(&mut self, change: Change<'_>) -> StoreResult<()> {
        self.audit_many(&[change]).await
    }

    /// Appends several entries at once (imports): one read of the head, multi-row inserts, one update.
    pub(crate) async fn audit_many(&mut self, changes: &[Change<'_>]) -> StoreResult<()> {
        let Some(_) = changes.first() else {
            return Ok(());
        };
        let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *self.tx)
            .await?;
        let mut id: i64 = get(&head, "last_id")?;
        let mut hash: String = get(&head, "last_hash")?;
        let mut rows = Vec::with_capacity(changes.len());
        for change in changes {
            id += 1;
            let before = change.before.map(Value::to_string);
            let after = change.after.map(Value::to_string);
            let actor_user_id = self.actor.map(|a| a.user_id);
            hash = chain_hash(
                &hash,
                &AuditFields {
                    id,
                    at_us: us(self.now),
                    actor_user_id,
                    action: change.action,
                    entity_type: change.entity_type,
                    entity_id: change.entity_id,
                    before: before.as_deref(),
                    after: after.as_deref(),
                },
            );
            rows.push((id, actor_user_id, change, before, after, hash.clone()));
        }
        insert_rows(
            &mut self.tx,
            "INSERT INTO audit_log (id, at_us, actor_user_id, action, entity_type, entity_id, before, after, hash) ",
            &rows,
            |mut row, (id, actor_user_id, change, before, after, hash)| {
                row.push_bind(*id)
                    .push_bind(us(self.now))
                    .push_bind(*actor_user_id)
                    .push_bind(change.action.to_owned())
                    .push_bind(change.entity_type.to_owned())
                    .push_bind(change.entity_id)
                    .push_bind(before.clone())
                    .push_bind(after.clone())
                    .push_bind(hash.clone());
            },
        )
        .await?;
        sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(id)
            .bind(&hash)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Queues a message in the outbox in this transaction, so it is sent if and only if the change
    /// commits. The dedupe key makes the same announcement idempotent: queued twice, it is stored
    /// once. Returns whether it was new.
    pub(crate) async fn notify(
        &mut self,
        dedupe_key: &str,
        recipient_user_id: i64,
        draft: &Draft,
        entity: (&str, i64),
    ) -> StoreResult<bool> {
        self.queue(dedupe_key, recipient_user_id, draft, entity, None).await
    }

    /// Queues an e-mail that carries `secret` in its body's slot: the secret is stored apart and
    /// erased once delivered, and the message is never listed in-app.
    pub(crate) async fn notify_secretly(
        &mut self,
        dedupe_key: &str,
        recipient_user_id: i64,
        draft: &Draft,
        secret: &str,
        entity: (&str, i64),
    ) -> StoreResult<bool> {
        self.queue(dedupe_key, recipient_user_id, draft, entity, Some(secret))
            .await
    }

    async fn queue(
        &mut self,
        dedupe_key: &str,
        recipient_user_id: i64,
        draft: &Draft,
        entity: (&str, i64),
        secret: Option<&str>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO outbox (dedupe_key, kind, recipient_user_id, recipient_email, subject, body, entity_type, entity_id, created_us, next_attempt_us, secret, in_app) \
             SELECT $1, $2, id, email, $3, $4, $5, $6, $7, $7, $9, $10 FROM users WHERE id = $8 \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(dedupe_key)
        .bind(draft.kind)
        .bind(&draft.subject)
        .bind(&draft.body)
        .bind(entity.0)
        .bind(entity.1)
        .bind(us(self.now))
        .bind(recipient_user_id)
        .bind(secret)
        .bind(secret.is_none())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        Ok(self.tx.commit().await?)
    }

    /// Commits a creating write whose answer is `created`. Under an `Idempotency-Key` the key and
    /// that answer are written first, in this transaction: if the change commits, its retry replays
    /// the answer even when this server dies before sending it; if not, nothing of the key remains.
    pub(crate) async fn commit_answering<T: serde::Serialize>(mut self, created: &T) -> StoreResult<()> {
        let Some(pending) = PendingKey::current() else {
            return self.commit().await;
        };
        let answer = StoredResponse {
            fingerprint: pending.fingerprint.clone(),
            status: pending.status,
            body: serde_json::to_string(created).map_err(|e| StoreError::Database(e.to_string()))?,
        };
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(pending.user_id)
        .bind(&pending.key)
        .bind(&answer.fingerprint)
        .bind(i64::from(answer.status))
        .bind(&answer.body)
        .bind(us(self.now))
        .execute(&mut *self.tx)
        .await
        .on_unique("a request with this Idempotency-Key was answered meanwhile; send it again to get that answer")?;
        self.commit().await?;
        pending.recorded(answer);
        Ok(())
    }
}

/// Statements of the write run on its transaction's connection: `&mut *write`.
impl Deref for Write<'_> {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for Write<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}
