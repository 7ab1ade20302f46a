//! The PostgreSQL backend, for scale and for several stateless `dealreg serve` processes on one
//! database. Commits are durable (`synchronous_commit=on`, set per connection).

mod dialect;
#[path = "../../store/sql/ops.rs"]
mod ops;

pub use ops::SqlStore;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;
use store::{StoreError, StoreResult};

/// Connects to `url` (`postgres://…`) and applies pending migrations.
pub async fn open(url: &str) -> StoreResult<SqlStore> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::invalid("database_url", e.to_string()))?
        .options([("synchronous_commit", "on")]);
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let store = SqlStore::new(pool.clone(), pool);
    store.migrate().await?;
    Ok(store)
}

/// Creates database `name` on the server at `admin_url` and returns the URL that reaches it. Used
/// by tests and benchmarks to work in a database of their own.
pub async fn create_database(admin_url: &str, name: &str) -> StoreResult<String> {
    use sqlx::Connection;
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StoreError::invalid(
            "name",
            "database names here are letters, digits and _",
        ));
    }
    let options =
        PgConnectOptions::from_str(admin_url).map_err(|e| StoreError::invalid("database_url", e.to_string()))?;
    let mut conn = sqlx::PgConnection::connect_with(&options)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let mut url = admin_url.split('?').next().unwrap_or(admin_url).to_owned();
    if let Some(slash) = url
        .rfind('/')
        .filter(|i| url[..*i].contains("//") && *i > url.find("//").unwrap_or(0) + 1)
    {
        url.truncate(slash);
    }
    Ok(format!("{url}/{name}"))
}
