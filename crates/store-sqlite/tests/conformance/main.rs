//! The store conformance suite on SQLite: every case on a fresh database file; and the SQLite
//! audit trail's defences against tampering; migrations adopted, applied and refused.

mod migrations;
mod tamper;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::Store;

async fn fresh_store() -> Arc<dyn Store> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-sqlite");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}-{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Arc::new(store_sqlite::open(&path).await.unwrap())
}

store_conformance::conformance_tests!(fresh_store);
