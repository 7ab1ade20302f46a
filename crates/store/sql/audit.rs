//! The audit trail (PLT-2): verifying the hash chain.

use crate::sql::kit::*;

pub(crate) fn audit_entry_from_row(row: &DbRow) -> StoreResult<AuditEntry> {
    let json_column = |column: &str| -> StoreResult<Option<Value>> {
        get::<Option<String>>(row, column)?
            .map(|s| serde_json::from_str(&s).map_err(|e| corrupt(e.to_string())))
            .transpose()
    };
    Ok(AuditEntry {
        id: get(row, "id")?,
        at: at(get(row, "at_us")?),
        actor_user_id: get(row, "actor_user_id")?,
        action: get(row, "action")?,
        entity_type: get(row, "entity_type")?,
        entity_id: get(row, "entity_id")?,
        before: json_column("before")?,
        after: json_column("after")?,
        hash: get(row, "hash")?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn verify_audit(&self) -> StoreResult<AuditVerification> {
        let mut conn = self.read.acquire().await?;
        let mut prev = GENESIS.to_owned();
        let mut expected_id = 1;
        let mut after = 0;
        loop {
            let rows = sqlx::query("SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000")
                .bind(after)
                .fetch_all(&mut *conn)
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let id: i64 = get(row, "id")?;
                let before: Option<String> = get(row, "before")?;
                let after_state: Option<String> = get(row, "after")?;
                let action: String = get(row, "action")?;
                let entity_type: String = get(row, "entity_type")?;
                let fields = AuditFields {
                    id,
                    at_us: get(row, "at_us")?,
                    actor_user_id: get(row, "actor_user_id")?,
                    action: &action,
                    entity_type: &entity_type,
                    entity_id: get(row, "entity_id")?,
                    before: before.as_deref(),
                    after: after_state.as_deref(),
                };
                let stored: String = get(row, "hash")?;
                if id != expected_id || chain_hash(&prev, &fields) != stored {
                    return Ok(AuditVerification {
                        entries: (expected_id - 1) as u64,
                        first_bad_id: Some(expected_id),
                        head_hash: prev,
                    });
                }
                prev = stored;
                expected_id += 1;
                after = id;
            }
        }
        let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        let entries = (expected_id - 1) as u64;
        // Entries cut off the end of the chain show as a head that points past the last entry.
        if get::<i64>(&head, "last_id")? != after || get::<String>(&head, "last_hash")? != prev {
            return Ok(AuditVerification {
                entries,
                first_bad_id: Some(expected_id),
                head_hash: prev,
            });
        }
        Ok(AuditVerification {
            entries,
            first_bad_id: None,
            head_hash: prev,
        })
    }
}
