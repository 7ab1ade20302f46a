//! The SQLite backend: the embedded default. One file in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives a crash or a power cut; writes go through one connection with
//! `BEGIN IMMEDIATE`, reads through a small pool.

mod dialect;
#[path = "../../store/sql/ops.rs"]
mod ops;

pub use ops::SqlStore;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use store::{StoreError, StoreResult};

/// Opens (creating if needed) the database file and applies pending migrations.
pub async fn open(path: &Path) -> StoreResult<SqlStore> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| StoreError::Database(e.to_string()))?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30));
    let connect = |max: u32| {
        SqlitePoolOptions::new()
            .max_connections(max)
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
