//! What SQLite does differently from the shared SQL in `store/sql`.

use sqlx::{Pool, Transaction};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use store::{HeldKey, KeyGuard, StoreError, StoreResult};

pub type Db = sqlx::Sqlite;
pub const BACKEND: &str = "sqlite";
/// Version, description and SQL of each migration, in order (run by sqlx's migrator).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "registrations", include_str!("../migrations/0001_registrations.sql")),
    (2, "orders", include_str!("../migrations/0002_orders.sql")),
    (3, "web", include_str!("../migrations/0003_web.sql")),
    (4, "queue_index", include_str!("../migrations/0004_queue_index.sql")),
    (
        5,
        "idempotency_in_the_write",
        include_str!("../migrations/0005_idempotency_in_the_write.sql"),
    ),
    (6, "hardening", include_str!("../migrations/0006_hardening.sql")),
    (7, "unknown_skus", include_str!("../migrations/0007_unknown_skus.sql")),
    (
        8,
        "customer_contact",
        include_str!("../migrations/0008_customer_contact.sql"),
    ),
    (
        9,
        "notification_reads",
        include_str!("../migrations/0009_notification_reads.sql"),
    ),
    (
        10,
        "registration_discussion",
        include_str!("../migrations/0010_registration_discussion.sql"),
    ),
    (
        11,
        "opportunities",
        include_str!("../migrations/0011_opportunities.sql"),
    ),
    (12, "leads", include_str!("../migrations/0012_leads.sql")),
    (13, "invoices", include_str!("../migrations/0013_invoices.sql")),
    (14, "commissions", include_str!("../migrations/0014_commissions.sql")),
    (
        15,
        "commission_indexes",
        include_str!("../migrations/0015_commission_indexes.sql"),
    ),
];
/// SQLite has one writer at a time; `BEGIN IMMEDIATE` already excludes other claimers.
pub const SKIP_LOCKED: &str = "";

/// Takes the write lock at `BEGIN`, not at the first write, so a read-then-write transaction never
/// fails with SQLITE_BUSY halfway and commit order is the order in which writers began.
pub async fn begin_write(pool: &Pool<Db>) -> sqlx::Result<Transaction<'static, Db>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

pub async fn begin_queue(pool: &Pool<Db>) -> sqlx::Result<Transaction<'static, Db>> {
    begin_write(pool).await
}

/// After the benchmark loader: rowids already continue after explicitly inserted ids, and a
/// production SQLite database never gathers planner statistics, so neither does the benchmark's.
pub async fn after_bulk_load(_pool: &Pool<Db>, _tables: &[&str]) -> sqlx::Result<()> {
    Ok(())
}

/// `VACUUM INTO` writes a consistent snapshot while readers and writers carry on.
pub async fn backup(pool: &Pool<Db>, destination: &std::path::Path) -> StoreResult<()> {
    if destination.exists() {
        return Err(StoreError::conflict(format!(
            "{} already exists; choose a new file",
            destination.display()
        )));
    }
    let target = destination
        .to_str()
        .ok_or_else(|| StoreError::invalid("destination", "the path must be valid UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    Ok(())
}

/// One process serves a SQLite file, so a key's "request running" lock is a set in memory: it dies
/// with the process, and a retry after a restart runs at once.
pub struct KeyLocks(Arc<Mutex<HashSet<i64>>>);

impl KeyLocks {
    pub fn new() -> Self {
        KeyLocks(Arc::default())
    }
}

pub async fn try_lock_key(_pool: &Pool<Db>, locks: &KeyLocks, id: i64) -> StoreResult<Option<KeyGuard>> {
    let mut running = locks.0.lock().unwrap_or_else(|e| e.into_inner());
    if !running.insert(id) {
        return Ok(None);
    }
    Ok(Some(KeyGuard::new(RunningKey {
        locks: locks.0.clone(),
        id,
    })))
}

struct RunningKey {
    locks: Arc<Mutex<HashSet<i64>>>,
    id: i64,
}

#[async_trait::async_trait]
impl HeldKey for RunningKey {
    async fn release(self: Box<Self>) {
        // Dropping removes the key.
    }
}

impl Drop for RunningKey {
    fn drop(&mut self) {
        self.locks.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}
