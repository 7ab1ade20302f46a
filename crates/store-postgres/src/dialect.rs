//! What PostgreSQL does differently from the shared SQL in `store/sql`.

use sqlx::pool::PoolConnection;
use sqlx::{Pool, Transaction};
use store::{HeldKey, KeyGuard, StoreError, StoreResult};

pub type Db = sqlx::Postgres;
pub const BACKEND: &str = "postgres";
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
/// Several servers may claim outbox rows at once: each skips the rows another has locked.
pub const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// Arbitrary but fixed: the advisory lock every write transaction holds.
const WRITE_LOCK: i64 = 0x0064_6561_6c72_6567; // "dealreg"

/// Serialises writers across every server on this database, like SQLite's single writer: each write
/// transaction sees all earlier commits, so "first to file" is commit order and checks that read
/// before they write (conflicts, SOR numbers, the audit chain head) cannot race.
pub async fn begin_write(pool: &Pool<Db>) -> sqlx::Result<Transaction<'static, Db>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Outbox claims need no global order, only row locks.
pub async fn begin_queue(pool: &Pool<Db>) -> sqlx::Result<Transaction<'static, Db>> {
    pool.begin().await
}

/// After the benchmark loader wrote `tables` with explicit ids: identity columns do not notice such
/// ids, so each table's sequence is moved past its largest one; then `VACUUM (ANALYZE)` and
/// `CHECKPOINT` do now what autovacuum and the checkpointer would otherwise do in the middle of the
/// measurements (planner statistics, the visibility map, writing out a gigabyte of loaded pages), as
/// they would long before a real program reached this size.
pub async fn after_bulk_load(pool: &Pool<Db>, tables: &[&str]) -> sqlx::Result<()> {
    for table in tables {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )))
        .execute(pool)
        .await?;
    }
    sqlx::raw_sql("VACUUM (ANALYZE)").execute(pool).await?;
    // CHECKPOINT needs a superuser or the pg_checkpoint role; without it the figures carry the
    // checkpointer's writes, which the report cannot hide, so say so and go on.
    if let Err(e) = sqlx::raw_sql("CHECKPOINT").execute(pool).await {
        tracing::warn!(error = %e, "could not CHECKPOINT after loading; the checkpointer will write during the measurements");
    }
    Ok(())
}

pub async fn backup(_pool: &Pool<Db>, _destination: &std::path::Path) -> StoreResult<()> {
    Err(StoreError::Forbidden(
        "dealreg does not copy PostgreSQL databases itself: use `pg_dump --format=custom` (consistent while \
         the server runs) or continuous archiving; see docs/ARCHITECTURE.md"
            .into(),
    ))
}

/// Several servers share the database, so a key's "request running" lock lives in PostgreSQL.
pub struct KeyLocks;

impl KeyLocks {
    pub fn new() -> Self {
        KeyLocks
    }
}

/// Takes the session advisory lock `id` on a connection of its own, which the guard keeps out of
/// the pool until the request ends. If the server dies, PostgreSQL ends the session and releases
/// the lock at once, so a retry on another server never waits for a lease to lapse.
pub async fn try_lock_key(pool: &Pool<Db>, _locks: &KeyLocks, id: i64) -> StoreResult<Option<KeyGuard>> {
    let mut conn = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(locked.then(|| KeyGuard::new(SessionLock { conn: Some(conn), id })))
}

struct SessionLock {
    conn: Option<PoolConnection<Db>>,
    id: i64,
}

const UNLOCK: &str = "SELECT pg_advisory_unlock($1)";

#[async_trait::async_trait]
impl HeldKey for SessionLock {
    async fn release(mut self: Box<Self>) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if sqlx::query(UNLOCK).bind(self.id).execute(&mut *conn).await.is_err() {
            // Closing the session releases its locks.
            drop(conn.detach());
        }
    }
}

/// A guard dropped without `release` (a panic, a cancelled request) unlocks in the background.
impl Drop for SessionLock {
    fn drop(&mut self) {
        let (Some(mut conn), id) = (self.conn.take(), self.id) else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                        .bind(id)
                        .execute(&mut *conn)
                        .await;
                    if unlocked.is_err() {
                        // Closing the session releases its locks.
                        drop(conn.detach());
                    }
                });
            }
            Err(_) => drop(conn.detach()),
        }
    }
}
