//! Two `dealreg serve` processes on one PostgreSQL database: their workers expire every lapsed
//! registration once and deliver every notification exactly once between them.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use store_conformance::{approval, customer, registration, ts, world};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str, data_dir: &Path) -> Server {
    Server(
        Command::new(env!("CARGO_BIN_EXE_dealreg"))
            .arg("--data-dir")
            .arg(data_dir)
            .args([
                "--database-url",
                url,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--worker-interval",
                "1",
            ])
            .env("DEALREG_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()
            .expect("start dealreg serve"),
    )
}

fn delivered(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("outbox"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_the_work_without_doing_any_twice() {
    let url = testkit::pg_database("scale_out").await;
    let store: std::sync::Arc<dyn store::Store> = std::sync::Arc::new(store_postgres::open(&url).await.unwrap());
    let w = world(store.clone()).await;
    // Approved in 2020 for 30 days: long lapsed, so the servers' workers expire them on sight.
    let long_ago = ts("2020-03-02T10:00:00Z");
    let count = 24;
    for i in 0..count {
        let reg = store
            .submit_registration(
                &w.partner_a,
                registration(
                    customer(&format!("Lapsed Organisation {i}"), None, "Springfield"),
                    &["MB-100"],
                ),
                ts("2026-11-22T10:00:00Z"),
            )
            .await
            .unwrap();
        store
            .approve_registration(&w.west_manager, reg.id, approval(false), long_ago)
            .await
            .unwrap();
    }
    let expected = count * 3; // submitted, approved, expired
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let servers: Vec<Server> = dirs.iter().map(|d| serve(&url, d.path())).collect();
    for _ in 0..300 {
        let files: usize = dirs.iter().map(|d| delivered(d.path()).len()).sum();
        if files >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let a few more passes run: a duplicate would show up now.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    drop(servers);
    let per_dir: Vec<usize> = dirs.iter().map(|d| delivered(d.path()).len()).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for name in dirs.iter().flat_map(|d| delivered(d.path())) {
        *seen.entry(name).or_default() += 1;
    }
    assert_eq!(seen.len(), expected, "every notification delivered: {per_dir:?}");
    assert!(seen.values().all(|n| *n == 1), "none delivered twice: {seen:?}");
    let expired = store
        .list_registrations(
            &w.admin,
            store::RegistrationFilter {
                status: Some(domain::registrations::Status::Expired),
                ..Default::default()
            },
            store::PageRequest::first(200),
        )
        .await
        .unwrap();
    assert_eq!(expired.items.len(), count);
    assert_eq!(store.verify_audit().await.unwrap().first_bad_id, None);
}

/// Issue 11 with two servers on one database: a key whose request runs on one server is "in
/// progress" on the other, its answer is replayed there once the write committed, and a key whose
/// server died (its database sessions end) is free on the other at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_holds_across_two_servers() {
    use sqlx::Connection;
    use store::{Claim, IdempotencyStore, PendingKey};
    let url = testkit::pg_database("keys").await;
    let one: std::sync::Arc<dyn store::Store> = std::sync::Arc::new(store_postgres::open(&url).await.unwrap());
    let other = store_postgres::open(&url).await.unwrap();
    let w = world(one.clone()).await;
    let user = w.partner_a.user_id;
    let Claim::Run(running) = one.claim_idempotency_key(user, "k", "f").await.unwrap() else {
        panic!("the first claim runs");
    };
    assert!(matches!(
        other.claim_idempotency_key(user, "k", "f").await.unwrap(),
        Claim::InProgress
    ));
    let pending = PendingKey::new(user, "k".into(), "f".into(), 201);
    let filed = pending
        .scope(one.submit_registration(
            &w.partner_a,
            registration(customer("Capital City Hospital", None, "Capital City"), &["MB-100"]),
            ts("2026-11-22T10:00:00Z"),
        ))
        .await
        .unwrap();
    running.release().await;
    let Claim::Done(replayed) = other.claim_idempotency_key(user, "k", "f").await.unwrap() else {
        panic!("the other server replays the answer");
    };
    assert_eq!(replayed.body, serde_json::to_string(&filed).unwrap());

    // A request that never ends on the first server: its guard is never dropped...
    let Claim::Run(stuck) = one.claim_idempotency_key(user, "k2", "f").await.unwrap() else {
        panic!("runs");
    };
    std::mem::forget(stuck);
    assert!(matches!(
        other.claim_idempotency_key(user, "k2", "f").await.unwrap(),
        Claim::InProgress
    ));
    // ...until its server dies: PostgreSQL ends its sessions, and with them the key's lock.
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(
        // Only this test's database: other tests' migrations hold advisory locks of their own.
        "SELECT pg_terminate_backend(pid) FROM pg_locks \
         WHERE locktype = 'advisory' AND pid <> pg_backend_pid() \
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    let mut freed = false;
    for _ in 0..50 {
        if let Claim::Run(_) = other.claim_idempotency_key(user, "k2", "f").await.unwrap() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(freed, "the dead server's key is free on the other");
}
