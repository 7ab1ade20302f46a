//! The parts of the `dealreg` program that tests drive directly: opening the configured store,
//! the background worker with its mailers, the server, the demo data set and the benchmark.

pub mod bench;
pub mod demo;
pub mod files;
pub mod mailer;
pub mod private_files;
pub mod server;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{Store, StoreResult};

/// Where the data lives: a PostgreSQL URL, or else a SQLite file in the data directory.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// `postgres://…` (or `postgresql://…`) selects PostgreSQL; `sqlite:PATH` or nothing selects
    /// SQLite, by default `DATA_DIR/dealreg.db`.
    pub fn choose(database_url: Option<&str>, data_dir: &Path) -> Database {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url.to_owned())
            }
            Some(url) => Database::Sqlite(PathBuf::from(
                url.trim_start_matches("sqlite://").trim_start_matches("sqlite:"),
            )),
            None => Database::Sqlite(data_dir.join("dealreg.db")),
        }
    }

    /// Opens the store, creating the SQLite file and its directory on first use (private to the
    /// service user), and applies pending migrations.
    pub async fn open(&self) -> StoreResult<Arc<dyn Store>> {
        Ok(match self {
            Database::Sqlite(path) => {
                let unavailable =
                    |e: std::io::Error| store::StoreError::Unavailable(format!("{}: {e}", path.display()));
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::private_files::create_dir(dir).map_err(unavailable)?;
                }
                crate::private_files::private_database(path).map_err(unavailable)?;
                Arc::new(store_sqlite::open(path).await?)
            }
            Database::Postgres(url) => Arc::new(store_postgres::open(url).await?),
        })
    }
}
