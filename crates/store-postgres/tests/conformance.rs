//! The store conformance suite on PostgreSQL: every case in a database of its own, created on the
//! server named by `DEALREG_TEST_PG_URL` (the README's test command starts one).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::Store;

async fn fresh_store() -> Arc<dyn Store> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let admin_url = std::env::var("DEALREG_TEST_PG_URL")
        .expect("DEALREG_TEST_PG_URL must name a PostgreSQL server for these tests; `bash .ci/run` starts one");
    let name = format!(
        "conformance_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        jiff::Timestamp::now().as_microsecond()
    );
    let url = store_postgres::create_database(&admin_url, &name).await.unwrap();
    Arc::new(store_postgres::open(&url).await.unwrap())
}

store_conformance::conformance_tests!(fresh_store);
