//! Access (PLT-1, PLT-5): users, API tokens, browser sessions, sign-in throttling and password reset.

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::write::{Change, Write};
use domain::access::SignInCount;
use domain::access::input::UserUpdate;
use jiff::SignedDuration;

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
        failed_sign_ins: failures(row)?,
        session_version: get(row, "session_version")?,
    })
}

fn failures(row: &DbRow) -> StoreResult<u32> {
    Ok(u32::try_from(get::<i64>(row, "failed_sign_ins")?).unwrap_or(u32::MAX))
}

/// What a taken e-mail address means for a new or edited user.
const EMAIL_TAKEN: &str = "a user with this e-mail address already exists";

const TOKEN_COLUMNS: &str = "id, user_id, label, created_us, revoked_us, expires_us";

fn token_from_row(row: &DbRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        label: get(row, "label")?,
        created_at: at(get(row, "created_us")?),
        revoked_at: get::<Option<i64>>(row, "revoked_us")?.map(at),
        expires_at: get::<Option<i64>>(row, "expires_us")?.map(at),
    })
}

/// How long an address without an account is remembered after its last failed sign-in.
const THROTTLE_MEMORY: SignedDuration = SignedDuration::from_hours(24);

impl SqlStore {
    /// Expired sessions, and throttled addresses without an account that have been quiet for a day.
    pub(crate) async fn remove_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_us <= $1")
            .bind(us(now))
            .execute(&self.write)
            .await?;
        let forgotten = now.checked_sub(THROTTLE_MEMORY).unwrap_or(now);
        sqlx::query(
            "DELETE FROM sign_in_throttle WHERE last_failure_us <= $1 AND (locked_until_us IS NULL OR locked_until_us <= $2)",
        )
        .bind(us(forgotten))
        .bind(us(now))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }
}

/// The user as this write sees it.
async fn load_user(tx: &mut Write<'_>, user_id: i64) -> StoreResult<User> {
    let row = sqlx::query("SELECT * FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row)
}

/// Ends every browser session of a user in this write: their version moves on (a session signed in
/// under the older one is refused on its next request) and their session rows go.
async fn end_sessions_of(tx: &mut Write<'_>, user_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE users SET session_version = session_version + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Spends every open reset link of a user: a newer link, or a used one, ends the others.
async fn end_reset_links(tx: &mut Write<'_>, user_id: i64, now: Timestamp) -> StoreResult<()> {
    sqlx::query("UPDATE password_resets SET used_us = $1 WHERE user_id = $2 AND used_us IS NULL")
        .bind(us(now))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
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
        .on_unique_or_foreign_key(EMAIL_TAKEN, StoreError::invalid("partner_id", "no such partner"))?;
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
        if let Some(actor) = actor.filter(|_| !active) {
            access::may_deactivate(actor, user_id).map_err(StoreError::conflict)?;
        }
        let mut tx = self.begin(actor, now).await?;
        let before = load_user(&mut tx, user_id).await?;
        if !active {
            end_sessions_of(&mut tx, user_id).await?;
            sqlx::query("UPDATE api_tokens SET revoked_us = $1 WHERE user_id = $2 AND revoked_us IS NULL")
                .bind(us(now))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
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

    async fn update_user(&self, actor: &Actor, user_id: i64, update: UserUpdate, now: Timestamp) -> StoreResult<User> {
        if actor.role.is_partner() {
            // Users belong to partners or to the vendor; neither is a partner's business.
            return Err(StoreError::NotFound("user"));
        }
        require_admin(Some(actor), "change users")?;
        let mut tx = self.begin(Some(actor), now).await?;
        let before = load_user(&mut tx, user_id).await?;
        let (role, partner_id) = update.resolve(before.role, before.partner_id, actor.user_id == user_id)?;
        let email = update.email.as_ref().map_or(before.email.as_str(), |e| e.as_str());
        let display_name = update.display_name.as_deref().unwrap_or(&before.display_name);
        let row = sqlx::query(
            "UPDATE users SET email = $1, display_name = $2, role = $3, partner_id = $4 WHERE id = $5 RETURNING *",
        )
        .bind(email)
        .bind(display_name)
        .bind(role.as_str())
        .bind(partner_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await
        .on_unique_or_foreign_key(EMAIL_TAKEN, StoreError::invalid("partner_id", "no such partner"))?;
        let after = user_from_row(&row)?;
        if after.email != before.email {
            end_reset_links(&mut tx, user_id, now).await?;
        }
        tx.audit(Change {
            action: "user.update",
            entity_type: "user",
            entity_id: user_id,
            before: Some(&json!(before)),
            after: Some(&json!(after)),
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn list_tokens(&self, actor: &Actor, user_id: i64) -> StoreResult<Vec<ApiToken>> {
        if actor.role.is_partner() {
            return Err(StoreError::NotFound("user"));
        }
        require_admin(Some(actor), "list tokens")?;
        if self.find_user(user_id).await?.is_none() {
            return Err(StoreError::NotFound("user"));
        }
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn find_user(&self, id: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_names(&self, ids: &[i64]) -> StoreResult<std::collections::HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut qb = QueryBuilder::<Db>::new("SELECT id, display_name FROM users WHERE id IN ");
        push_id_list(&mut qb, ids);
        let rows = qb.build().fetch_all(&self.read).await?;
        rows.iter()
            .map(|row| Ok((get(row, "id")?, get(row, "display_name")?)))
            .collect()
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
        expires: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        require_admin(actor, "create tokens")?;
        if expires.is_some_and(|e| e <= now) {
            return Err(StoreError::invalid("expires_at", "must be in the future"));
        }
        let mut tx = self.begin(actor, now).await?;
        let sql = format!(
            "INSERT INTO api_tokens (user_id, label, token_hash, created_us, expires_us) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {TOKEN_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(label)
            .bind(token_hash)
            .bind(us(now))
            .bind(expires.map(us))
            .fetch_one(&mut *tx)
            .await
            .on_foreign_key(StoreError::NotFound("user"))?;
        let token = token_from_row(&row)?;
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
        let sql = format!(
            "UPDATE api_tokens SET revoked_us = COALESCE(revoked_us, $1) WHERE id = $2 RETURNING {TOKEN_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(us(now))
            .bind(token_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("token"))?;
        let token = token_from_row(&row)?;
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

    async fn authenticate(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Actor>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.partner_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_us IS NULL AND (t.expires_us IS NULL OR t.expires_us > $3) \
               AND u.active = $2",
        )
        .bind(token_hash)
        .bind(true)
        .bind(us(now))
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

    async fn load_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT record FROM web_sessions WHERE id_hash = $1 AND expires_us > $2")
            .bind(id_hash)
            .bind(us(now))
            .fetch_optional(&self.read)
            .await
            .map_err(StoreError::from)
    }

    async fn save_session(
        &self,
        id_hash: &str,
        user_id: Option<i64>,
        record: &str,
        expires: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, user_id, record, expires_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id_hash) DO UPDATE SET user_id = excluded.user_id, record = excluded.record, \
             expires_us = excluded.expires_us",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(record)
        .bind(us(expires))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn create_session(
        &self,
        id_hash: &str,
        user_id: Option<i64>,
        record: &str,
        expires: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO web_sessions (id_hash, user_id, record, expires_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(record)
        .bind(us(expires))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn end_sessions(&self, actor: &Actor, user_id: i64, now: Timestamp) -> StoreResult<()> {
        if actor.user_id != user_id {
            require_admin(Some(actor), "sign other users out")?;
        }
        let mut tx = self.begin(Some(actor), now).await?;
        end_sessions_of(&mut tx, user_id).await?;
        let change = Change {
            action: "user.sessions_ended",
            entity_type: "user",
            entity_id: user_id,
            before: None,
            after: None,
        };
        tx.audit(change).await?;
        tx.commit().await
    }

    async fn claim_sign_in(&self, email: &str, now: Timestamp) -> StoreResult<SignInClaim> {
        let email = email.trim().to_lowercase();
        // In the write, which one writer at a time holds: two attempts never count from the same number.
        let mut tx = self.begin(None, now).await?;
        let user = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()?;
        let counted = match &user {
            Some(u) => SignInCount {
                failures: u.failed_sign_ins,
                locked_until: u.locked_until,
            },
            None => sqlx::query("SELECT failed_sign_ins, locked_until_us FROM sign_in_throttle WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| {
                    Ok::<_, StoreError>(SignInCount {
                        failures: failures(&row)?,
                        locked_until: get::<Option<i64>>(&row, "locked_until_us")?.map(at),
                    })
                })
                .transpose()?
                .unwrap_or(SignInCount {
                    failures: 0,
                    locked_until: None,
                }),
        };
        let next = match domain::access::claim_sign_in_attempt(counted, now) {
            Ok(next) => next,
            Err(until) => return Ok(SignInClaim::Locked(until)),
        };
        let user = match user {
            Some(user) => {
                let row = sqlx::query(
                    "UPDATE users SET failed_sign_ins = $1, locked_until_us = $2 WHERE id = $3 RETURNING *",
                )
                .bind(i64::from(next.failures))
                .bind(next.locked_until.map(us))
                .bind(user.id)
                .fetch_one(&mut *tx)
                .await?;
                if next.locked_until.is_some() && user.locked_until.is_none_or(|was| was <= now) {
                    let after = json!({"failed_sign_ins": next.failures, "locked_until": next.locked_until});
                    let change = Change {
                        action: "user.sign_in_locked",
                        entity_type: "user",
                        entity_id: user.id,
                        before: None,
                        after: Some(&after),
                    };
                    tx.audit(change).await?;
                }
                Some(user_from_row(&row)?)
            }
            None => {
                sqlx::query(
                    "INSERT INTO sign_in_throttle (email, failed_sign_ins, locked_until_us, last_failure_us) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO UPDATE SET \
                     failed_sign_ins = excluded.failed_sign_ins, locked_until_us = excluded.locked_until_us, \
                     last_failure_us = excluded.last_failure_us",
                )
                .bind(&email)
                .bind(i64::from(next.failures))
                .bind(next.locked_until.map(us))
                .bind(us(now))
                .execute(&mut *tx)
                .await?;
                None
            }
        };
        tx.commit().await?;
        Ok(SignInClaim::Check(user))
    }

    async fn clear_sign_in_failures(&self, user_id: i64, now: Timestamp) -> StoreResult<User> {
        let mut tx = self.begin(None, now).await?;
        let row = sqlx::query("UPDATE users SET failed_sign_ins = 0, locked_until_us = NULL WHERE id = $1 RETURNING *")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
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
    ) -> StoreResult<bool> {
        let mut tx = self.begin(None, now).await?;
        let hour_ago = now.checked_sub(SignedDuration::from_hours(1)).unwrap_or(now);
        let recent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_us > $2")
                .bind(user_id)
                .bind(us(hour_ago))
                .fetch_one(&mut *tx)
                .await?;
        if !domain::access::may_send_reset_link(u32::try_from(recent).unwrap_or(u32::MAX)) {
            return Ok(false);
        }
        end_reset_links(&mut tx, user_id, now).await?;
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
        let draft = domain::access::notify::password_reset(&until);
        tx.notify_secretly(
            &format!("password_reset:{token_hash}"),
            user_id,
            &draft,
            link,
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
        tx.commit().await?;
        Ok(true)
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
        end_reset_links(&mut tx, user_id, now).await?;
        end_sessions_of(&mut tx, user_id).await?;
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
