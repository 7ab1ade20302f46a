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
mod bench_invoices;
mod commissions;
mod directory;
mod idempotency;
mod invoices;
mod jobs;
pub(crate) mod kit;
mod leads;
pub(crate) mod opportunities;
mod orders;
mod registrations;
mod reports;
mod write;

use kit::*;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};

pub struct SqlStore {
    /// Reads. For SQLite a pool of several connections; for PostgreSQL the same pool as `write`.
    read: Pool<Db>,
    /// Writes. For SQLite a single connection: writers queue in the pool rather than spin on the
    /// file lock.
    write: Pool<Db>,
    /// Idempotency keys whose request runs in this process (SQLite; PostgreSQL locks in the server).
    key_locks: dialect::KeyLocks,
}

impl SqlStore {
    pub(crate) fn new(read: Pool<Db>, write: Pool<Db>) -> Self {
        SqlStore {
            read,
            write,
            key_locks: dialect::KeyLocks::new(),
        }
    }

    /// Brings the schema up to date with sqlx's migrator: each migration runs once, in its own
    /// transaction, and is recorded with a checksum; a database that has a migration this build does
    /// not know, or one whose file was edited after it ran, is refused rather than half-understood.
    pub(crate) async fn migrate(&self) -> StoreResult<()> {
        let migrator = Migrator::with_migrations(
            dialect::MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        (*description).into(),
                        MigrationType::Simple,
                        sql.into_sql_str(),
                        false,
                    )
                })
                .collect(),
        );
        let mut conn = self.write.acquire().await?;
        adopt_schema_migrations(&mut conn, &migrator).await?;
        migrator.run(&mut *conn).await.map_err(|e| match e {
            MigrateError::Execute(e) => StoreError::from(e),
            refused => StoreError::Database(format!("cannot migrate this database: {refused}")),
        })
    }
}

/// Databases made before the switch to sqlx's migrator recorded applied versions in
/// `schema_migrations` (version only). Their versions are carried into sqlx's table once, with the
/// checksums of today's files (those files have not changed since), so the migrator neither re-runs
/// them nor refuses the database.
async fn adopt_schema_migrations(conn: &mut Conn, migrator: &Migrator) -> StoreResult<()> {
    let legacy: Vec<i64> = match sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await
    {
        Ok(versions) => versions,
        // No such table: a new database, or one already adopted.
        Err(sqlx::Error::Database(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    conn.ensure_migrations_table("_sqlx_migrations")
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    for migration in migrator.iter().filter(|m| legacy.contains(&m.version)) {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, $3, $4, 0) ON CONFLICT (version) DO NOTHING",
        )
        .bind(migration.version)
        .bind(migration.description.as_ref())
        .bind(true)
        .bind(migration.checksum.as_ref())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::raw_sql("DROP TABLE IF EXISTS schema_migrations")
        .execute(&mut *tx)
        .await?;
    Ok(tx.commit().await?)
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
