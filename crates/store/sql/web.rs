//! Browser sign-in (PLT-5): sessions, sign-in throttling and password reset links. Part of `ops`.

use super::*;
use domain::access::notify::password_reset;

/// Microseconds in a week; weeks are counted from the Unix epoch shifted to a Monday.
const WEEK_US: i64 = 7 * 24 * 3600 * 1_000_000;
/// 1970-01-05 was a Monday: bucket boundaries fall on Mondays 00:00 UTC.
const MONDAY_US: i64 = 4 * 24 * 3600 * 1_000_000;

fn week_start(bucket: i64) -> StoreResult<Date> {
    Ok(at(bucket * WEEK_US + MONDAY_US)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date())
}

/// ` WHERE submitted_us >= since [AND partner_id = own]` for reports.
fn report_scope(qb: &mut QueryBuilder<Db>, actor: &Actor, since: Timestamp) {
    qb.push(" WHERE r.submitted_us >= ").push_bind(us(since));
    if actor.role.is_partner() {
        qb.push(" AND r.partner_id = ")
            .push_bind(actor.partner_id.unwrap_or(-1));
    }
}

impl SqlStore {
    pub(super) async fn report_figures(&self, actor: &Actor, since: Timestamp) -> StoreResult<Report> {
        let week = format!("((r.submitted_us - {MONDAY_US}) / {WEEK_US})");
        let mut report = Report::default();
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {week} AS week, r.status, COUNT(*) AS n FROM registrations r"
        ));
        report_scope(&mut qb, actor, since);
        qb.push(" GROUP BY week, r.status ORDER BY week");
        for row in qb.build().fetch_all(&self.read).await.map_err(db)? {
            report.filed.push(WeekCount {
                week_start: week_start(get(&row, "week")?)?,
                status: Status::parse(&get::<String>(&row, "status")?).map_err(corrupt)?,
                count: get(&row, "n")?,
            });
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {week} AS week, CAST(AVG(r.decided_us - r.submitted_us) AS BIGINT) AS average_us,              CAST(SUM(CASE WHEN r.approved_us IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS approved,              CAST(SUM(CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined              FROM registrations r"
        ));
        report_scope(&mut qb, actor, since);
        qb.push(" AND r.decided_us IS NOT NULL GROUP BY week ORDER BY week");
        for row in qb.build().fetch_all(&self.read).await.map_err(db)? {
            let week_start = week_start(get(&row, "week")?)?;
            let value = |column: &str| -> StoreResult<WeekValue> {
                Ok(WeekValue {
                    week_start,
                    value: get(&row, column)?,
                })
            };
            // Minutes computed here: the backends round a fractional average differently.
            report.decision_minutes.push(WeekValue {
                week_start,
                value: get::<i64>(&row, "average_us")? / 60_000_000,
            });
            report.approved.push(value("approved")?);
            report.declined.push(value("declined")?);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT g.name AS region, p.name AS partner, r.currency, CAST(SUM(r.est_value_minor) AS BIGINT) AS value              FROM registrations r JOIN partners p ON p.id = r.partner_id JOIN regions g ON g.id = p.region_id",
        );
        report_scope(&mut qb, actor, since);
        qb.push(" AND r.status IN ('submitted', 'approved') GROUP BY g.name, p.name, r.currency ORDER BY value DESC");
        for row in qb.build().fetch_all(&self.read).await.map_err(db)? {
            report.pipeline.push(PipelineValue {
                region: get(&row, "region")?,
                partner: get(&row, "partner")?,
                value: Money {
                    amount_minor: get(&row, "value")?,
                    currency: parse_currency(&get::<String>(&row, "currency")?)?,
                },
            });
        }
        Ok(report)
    }

    pub(super) async fn store_session(&self, id: &str, record: &str, expires: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO web_sessions (id, record, expires_us) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires_us = excluded.expires_us",
        )
        .bind(id)
        .bind(record)
        .bind(us(expires))
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn forget_session(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn remove_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_us <= $1")
            .bind(us(now))
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    pub(super) async fn count_sign_in(&self, user_id: i64, succeeded: bool, now: Timestamp) -> StoreResult<User> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
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
            .await
            .map_err(db)?;
        if locked_until.is_some() && user.locked_until.is_none_or(|was| was <= now) {
            let after = json!({"failed_sign_ins": failures, "locked_until": locked_until});
            let change = Change {
                actor: None,
                action: "user.sign_in_locked",
                entity_type: "user",
                entity_id: user_id,
                before: None,
                after: Some(&after),
            };
            audit(&mut tx, change, now).await?;
        }
        tx.commit().await.map_err(db)?;
        user_from_row(&row)
    }

    pub(super) async fn issue_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        link: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_us, expires_us) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(us(now))
        .bind(us(expires))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let zone = load_settings(&mut tx).await?.zone();
        let until = expires.to_zoned(zone).strftime("%Y-%m-%d %H:%M %Z").to_string();
        let draft = password_reset(link, &until);
        enqueue(
            &mut tx,
            &format!("password_reset:{token_hash}"),
            user_id,
            &draft,
            ("user", user_id),
            now,
        )
        .await?;
        let change = Change {
            actor: None,
            action: "user.password_reset_requested",
            entity_type: "user",
            entity_id: user_id,
            before: None,
            after: None,
        };
        audit(&mut tx, change, now).await?;
        tx.commit().await.map_err(db)
    }

    pub(super) async fn spend_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let user_id: Option<i64> = sqlx::query_scalar(
            "UPDATE password_resets SET used_us = $1 WHERE token_hash = $2 AND used_us IS NULL AND expires_us > $1 \
             RETURNING user_id",
        )
        .bind(us(now))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
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
        .await
        .map_err(db)?;
        let change = Change {
            actor: None,
            action: "user.password_reset",
            entity_type: "user",
            entity_id: user_id,
            before: None,
            after: None,
        };
        audit(&mut tx, change, now).await?;
        tx.commit().await.map_err(db)?;
        user_from_row(&row)
    }
}
