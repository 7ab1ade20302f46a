//! The store conformance suite on PostgreSQL: every case in a database of its own, created on the
//! server named by `DEALREG_TEST_PG_URL` (the README's test command starts one); and the schema
//! both backends migrate to, compared.

mod schema;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::Store;

/// A new, empty database on the test server, named after `purpose`; its URL.
async fn fresh_database(purpose: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let admin_url = std::env::var("DEALREG_TEST_PG_URL")
        .expect("DEALREG_TEST_PG_URL must name a PostgreSQL server for these tests; `bash .ci/run` starts one");
    let name = format!(
        "{purpose}_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        jiff::Timestamp::now().as_microsecond()
    );
    store_postgres::create_database(&admin_url, &name).await.unwrap()
}

async fn fresh_store() -> Arc<dyn Store> {
    let url = fresh_database("conformance").await;
    Arc::new(store_postgres::open(&url).await.unwrap())
}

store_conformance::conformance_tests!(fresh_store);
