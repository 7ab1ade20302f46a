//! Access (PLT-1, PLT-5): users, API tokens, browser sessions, sign-in throttling and password reset.

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::write::Change;

pub(crate) fn user_from_row(row: &DbRow) -> StoreResult<User> {
    Ok(User {
        id: get(row, "id")?,
        email: get(row, "email")?,
        display_name: get(row, "display_name")?,
        role: Role::parse(&get::<String>(row, "role")?).map_err(corrupt)?,
        partner_id: get(row, "partner_id")?,
        active: get(row, "active")?,
        created_at: at(get(row, "created_us")?),
        password_hash: get(row, "password_hash")?,
        locked_until: get::<Option<i64>>(row, "locked_until_us")?.map(at),
        failed_sign_ins: u32::try_from(get::<i64>(row, "failed_sign_ins")?).unwrap_or(u32::MAX),
    })
}

impl SqlStore {
    pub(crate) async fn remove_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_us <= $1")
            .bind(us(now))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl AccessStore for SqlStore {
    async fn create_user(&self, actor: Option<&Actor>, user: NewUserRecord, now: Timestamp) -> StoreResult<User> {
        require_admin(actor, "create users")?;
        let mut tx = self.begin(actor, now).await?;
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, role, partner_id, password_hash, active, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.partner_id)
        .bind(&user.password_hash)
        .bind(true)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .on_unique_or_foreign_key(
            "a user with this e-mail address already exists",
            StoreError::invalid("partner_id", "no such partner"),
        )?;
        let created = user_from_row(&row)?;
        tx.audit(Change {
            action: "user.create",
            entity_type: "user",
            entity_id: created.id,
            before: None,
            after: Some(&json!(created)),
        })
        .await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn list_users(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<User>> {
        require_admin(Some(actor), "list users")?;
        page_of(&self.read, "users", page, user_from_row, |u| u.id).await
    }

    async fn set_user_active(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        active: bool,
        now: Timestamp,
    ) -> StoreResult<User> {
        if actor.is_some_and(|a| a.role.is_partner()) {
            // Users belong to partners or to the vendor; neither is a partner's business.
            return Err(StoreError::NotFound("user"));
        }
        require_admin(actor, "activate or deactivate users")?;
        let mut tx = self.begin(actor, now).await?;
        let before = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let before = user_from_row(&before)?;
        let row = sqlx::query("UPDATE users SET active = $1 WHERE id = $2 RETURNING *")
            .bind(active)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        let after = user_from_row(&row)?;
        let action = if active { "user.activate" } else { "user.deactivate" };
        let change = Change {
            action,
            entity_type: "user",
            entity_id: user_id,
            before: Some(&json!(before)),
            after: Some(&json!(after)),
        };
        tx.audit(change).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn find_user(&self, id: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn create_token(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        label: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        require_admin(actor, "create tokens")?;
        let mut tx = self.begin(actor, now).await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, label, token_hash, created_us) VALUES ($1, $2, $3, $4) \
             RETURNING id, user_id, label, created_us, revoked_us",
        )
        .bind(user_id)
        .bind(label)
        .bind(token_hash)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .on_foreign_key(StoreError::NotFound("user"))?;
        let token = ApiToken {
            id: get(&row, "id")?,
            user_id: get(&row, "user_id")?,
            label: get(&row, "label")?,
            created_at: at(get(&row, "created_us")?),
            revoked_at: None,
        };
        tx.audit(Change {
            action: "token.create",
            entity_type: "user",
            entity_id: user_id,
            before: None,
            after: Some(&json!(token)),
        })
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    async fn revoke_token(&self, actor: Option<&Actor>, token_id: i64, now: Timestamp) -> StoreResult<ApiToken> {
        require_admin(actor, "revoke tokens")?;
        let mut tx = self.begin(actor, now).await?;
        let row = sqlx::query(
            "UPDATE api_tokens SET revoked_us = COALESCE(revoked_us, $1) WHERE id = $2 \
             RETURNING id, user_id, label, created_us, revoked_us",
        )
        .bind(us(now))
        .bind(token_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("token"))?;
        let token = ApiToken {
            id: get(&row, "id")?,
            user_id: get(&row, "user_id")?,
            label: get(&row, "label")?,
            created_at: at(get(&row, "created_us")?),
            revoked_at: get::<Option<i64>>(&row, "revoked_us")?.map(at),
        };
        tx.audit(Change {
            action: "token.revoke",
            entity_type: "user",
            entity_id: token.user_id,
            before: None,
            after: Some(&json!(token)),
        })
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    async fn authenticate(&self, token_hash: &str) -> StoreResult<Option<Actor>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.partner_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_us IS NULL AND u.active = $2",
        )
        .bind(token_hash)
        .bind(true)
        .fetch_optional(&self.read)
        .await?;
        row.map(|row| {
            Ok(Actor {
                user_id: get(&row, "id")?,
                email: get(&row, "email")?,
                role: Role::parse(&get::<String>(&row, "role")?).map_err(corrupt)?,
                partner_id: get(&row, "partner_id")?,
            })
        })
        .transpose()
    }

    async fn load_session(&self, id: &str, now: Timestamp) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT record FROM web_sessions WHERE id = $1 AND expires_us > $2")
            .bind(id)
            .bind(us(now))
            .fetch_optional(&self.read)
            .await
            .map_err(StoreError::from)
    }

    async fn save_session(&self, id: &str, record: &str, expires: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO web_sessions (id, record, expires_us) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires_us = excluded.expires_us",
        )
        .bind(id)
        .bind(record)
        .bind(us(expires))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn delete_session(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn record_sign_in(&self, user_id: i64, succeeded: bool, now: Timestamp) -> StoreResult<User> {
        let mut tx = self.begin(None, now).await?;
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let user = user_from_row(&row)?;
        let failures = if succeeded {
            0
        } else {
            user.failed_sign_ins.saturating_add(1)
        };
        let locked_until = access::sign_in_lock(failures).and_then(|d| now.checked_add(d).ok());
        let row = sqlx::query("UPDATE users SET failed_sign_ins = $1, locked_until_us = $2 WHERE id = $3 RETURNING *")
            .bind(i64::from(failures))
            .bind(locked_until.map(us))
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        if locked_until.is_some() && user.locked_until.is_none_or(|was| was <= now) {
            let after = json!({"failed_sign_ins": failures, "locked_until": locked_until});
            let change = Change {
                action: "user.sign_in_locked",
                entity_type: "user",
                entity_id: user_id,
                before: None,
                after: Some(&after),
            };
            tx.audit(change).await?;
        }
        tx.commit().await?;
        user_from_row(&row)
    }

    async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        link: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin(None, now).await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_us, expires_us) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(us(now))
        .bind(us(expires))
        .execute(&mut *tx)
        .await?;
        let zone = load_settings(&mut tx).await?.zone();
        let until = expires.to_zoned(zone).strftime("%Y-%m-%d %H:%M %Z").to_string();
        let draft = domain::access::notify::password_reset(link, &until);
        tx.notify(
            &format!("password_reset:{token_hash}"),
            user_id,
            &draft,
            ("user", user_id),
        )
        .await?;
        let change = Change {
            action: "user.password_reset_requested",
            entity_type: "user",
            entity_id: user_id,
            before: None,
            after: None,
        };
        tx.audit(change).await?;
        tx.commit().await
    }

    async fn reset_password(&self, token_hash: &str, password_hash: &str, now: Timestamp) -> StoreResult<User> {
        let mut tx = self.begin(None, now).await?;
        let user_id: Option<i64> = sqlx::query_scalar(
            "UPDATE password_resets SET used_us = $1 WHERE token_hash = $2 AND used_us IS NULL AND expires_us > $1 \
             RETURNING user_id",
        )
        .bind(us(now))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let user_id = user_id.ok_or_else(|| {
            StoreError::invalid(
                "token",
                "this reset link is unknown, used or expired; ask for a new one",
            )
        })?;
        let row = sqlx::query(
            "UPDATE users SET password_hash = $1, failed_sign_ins = 0, locked_until_us = NULL WHERE id = $2 RETURNING *",
        )
        .bind(password_hash)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            action: "user.password_reset",
            entity_type: "user",
            entity_id: user_id,
            before: None,
            after: None,
        };
        tx.audit(change).await?;
        tx.commit().await?;
        user_from_row(&row)
    }
}
