//! The PostgreSQL backend, for scale and for several stateless `dealreg serve` processes on one
//! database. Commits are durable (`synchronous_commit=on`, set per connection).

mod dialect;
#[path = "../../store/sql/mod.rs"]
mod sql;

pub use sql::SqlStore;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;
use store::{StoreError, StoreResult};

/// Connects to `url` (`postgres://…`) and applies pending migrations.
pub async fn open(url: &str) -> StoreResult<SqlStore> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(durable_options(url)?)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let store = SqlStore::new(pool.clone(), pool);
    store.migrate().await?;
    Ok(store)
}

/// `url` with `synchronous_commit=on`: a commit is on disk (WAL flushed) before it is acknowledged.
fn durable_options(url: &str) -> StoreResult<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::invalid("database_url", e.to_string()))?
        .options([("synchronous_commit", "on")]))
}

/// The raw limit benchmarks compare with (see [`sql::bench::durable_insert_rate`]), on one connection to
/// `url` with the store's durable settings.
pub async fn durable_insert_rate(url: &str, count: usize) -> StoreResult<f64> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect_with(&durable_options(url)?)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    sql::bench::durable_insert_rate(&mut conn, count).await
}

/// The durability settings a store connection to `url` really runs with, read back from the
/// server, for benchmark reports.
pub async fn durability(url: &str) -> StoreResult<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect_with(&durable_options(url)?)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let mut settings = Vec::new();
    for name in ["fsync", "synchronous_commit", "full_page_writes"] {
        let value: String = sqlx::query_scalar("SELECT current_setting($1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        settings.push(format!("{name}={value}"));
    }
    Ok(format!("PostgreSQL {}", settings.join(", ")))
}

/// Creates database `name` on the server at `admin_url` and returns the URL that reaches it. Used
/// by tests and benchmarks to work in a database of their own.
pub async fn create_database(admin_url: &str, name: &str) -> StoreResult<String> {
    on_server(admin_url, name, |name| format!("CREATE DATABASE {name}")).await?;
    let mut url = admin_url.split('?').next().unwrap_or(admin_url).to_owned();
    if let Some(slash) = url
        .rfind('/')
        .filter(|i| url[..*i].contains("//") && *i > url.find("//").unwrap_or(0) + 1)
    {
        url.truncate(slash);
    }
    Ok(format!("{url}/{name}"))
}

/// Drops database `name` (one made by [`create_database`]) on the server at `admin_url`.
pub async fn drop_database(admin_url: &str, name: &str) -> StoreResult<()> {
    on_server(admin_url, name, |name| {
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    })
    .await
}

/// Runs the statement `sql(name)` on the server at `admin_url`; `name` is checked first because
/// database names cannot be bound as parameters.
async fn on_server(admin_url: &str, name: &str, sql: impl Fn(&str) -> String) -> StoreResult<()> {
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
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql(name)))
        .execute(&mut conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    Ok(())
}
