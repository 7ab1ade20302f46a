//! The SQL implementation of the store traits, written once and compiled by each backend crate
//! against its own concrete sqlx types (`#[path = "../../store/sql/mod.rs"] mod sql;`; rustc reads
//! the children of a `#[path]` module beside it). One module per feature family, each with its
//! `impl …Store for SqlStore`; the including crate provides `crate::dialect` with:
//! - `type Db` (the sqlx database), `BACKEND` (its name) and `MIGRATIONS` (versioned SQL);
//! - `begin_write(pool)`: a transaction that holds the database's single write lock from its first
//!   statement (SQLite `BEGIN IMMEDIATE`; PostgreSQL an advisory transaction lock), so every write
//!   sees every earlier commit and commit order is filing order;
//! - `begin_queue(pool)` and `SKIP_LOCKED`: for the outbox, which does not need the write lock;
//! - `backup(pool, destination)`;
//! - `after_bulk_load(pool, tables)`: after the benchmark loader wrote rows with explicit ids.
//!
//! SQL here is the common dialect of SQLite ≥ 3.35 and PostgreSQL: `$n` placeholders, `RETURNING`,
//! `ON CONFLICT`, partial indexes.

mod access;
mod audit;
pub(crate) mod bench;
mod directory;
mod idempotency;
mod jobs;
pub(crate) mod kit;
mod orders;
mod registrations;
mod reports;
mod write;

use kit::*;

pub struct SqlStore {
    /// Reads. For SQLite a pool of several connections; for PostgreSQL the same pool as `write`.
    read: Pool<Db>,
    /// Writes. For SQLite a single connection: writers queue in the pool rather than spin on the
    /// file lock.
    write: Pool<Db>,
}

impl SqlStore {
    pub(crate) fn new(read: Pool<Db>, write: Pool<Db>) -> Self {
        SqlStore { read, write }
    }

    /// Applies every migration not yet applied, each in its own transaction.
    pub(crate) async fn migrate(&self) -> StoreResult<Vec<i64>> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)",
        )
        .execute(&self.write)
        .await?;
        let mut applied = Vec::new();
        for (version, sql) in dialect::MIGRATIONS {
            let mut tx = dialect::begin_write(&self.write).await?;
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            sqlx::raw_sql(*sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_us) VALUES ($1, $2)")
                .bind(*version)
                .bind(us(Timestamp::now()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push(*version);
        }
        Ok(applied)
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        dialect::BACKEND
    }

    async fn backup(&self, destination: &std::path::Path) -> StoreResult<()> {
        dialect::backup(&self.read, destination).await
    }
}
