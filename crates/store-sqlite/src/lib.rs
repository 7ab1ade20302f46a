//! The SQLite backend: the embedded default. One file in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives a crash or a power cut; writes go through one connection with
//! `BEGIN IMMEDIATE`, reads through a small pool.

mod dialect;
#[path = "../../store/sql/mod.rs"]
mod sql;

pub use sql::SqlStore;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use store::{StoreError, StoreResult};

/// Opens (creating if needed) the database file and applies pending migrations.
pub async fn open(path: &Path) -> StoreResult<SqlStore> {
    let options = durable_options(path)?;
    let connect = |max: u32| {
        SqlitePoolOptions::new()
            .max_connections(max)
            // A local file cannot drop the connection; the ping would cost a thread hop per query.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
    };
    let write = connect(1)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", path.display())))?;
    let read = connect(8)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", path.display())))?;
    let store = SqlStore::new(read, write);
    store.migrate().await?;
    Ok(store)
}

/// The settings every connection uses: WAL, `synchronous=FULL` (a commit is on disk before it is
/// acknowledged), foreign keys on, and a generous busy timeout.
fn durable_options(path: &Path) -> StoreResult<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| StoreError::Database(e.to_string()))?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        // 32 MiB of page cache per connection instead of 2 MiB: index probes stay in memory.
        .pragma("cache_size", "-32768")
        .pragma("temp_store", "memory"))
}

/// The raw limit benchmarks compare with (see [`sql::bench::durable_insert_rate`]), in a scratch file at
/// `path` opened with the same durable settings as the store.
pub async fn durable_insert_rate(path: &Path, count: usize) -> StoreResult<f64> {
    use sqlx::Connection;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut conn = sqlx::SqliteConnection::connect_with(&durable_options(path)?)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    sql::bench::durable_insert_rate(&mut conn, count).await
}

/// The durability settings a store connection to `path` really runs with, read back from SQLite,
/// for benchmark reports.
pub async fn durability(path: &Path) -> StoreResult<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect_with(&durable_options(path)?)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let fail = |e: sqlx::Error| StoreError::Database(e.to_string());
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .map_err(fail)?;
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut conn)
        .await
        .map_err(fail)?;
    let synchronous = match synchronous {
        0 => "OFF",
        1 => "NORMAL",
        2 => "FULL",
        _ => "EXTRA",
    };
    Ok(format!("SQLite journal_mode={journal}, synchronous={synchronous}"))
}
