//! Kill -9 at varying moments during write load, twenty times on each backend: every acknowledged
//! submission, approval and order is there after a restart, SOR numbers are neither duplicated nor
//! skipped, the audit chain verifies, and every queued notification is delivered exactly once
//! afterwards (SQLite in WAL with synchronous=FULL; PostgreSQL with synchronous_commit=on).
//! Every submission carries an `Idempotency-Key`, as a client library's would; each one whose answer
//! was lost is retried with its key after the restart, as that library would, and again at the end:
//! it gets an answer at once (never "in progress" for a request that died), and no registration is
//! filed twice.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{PageRequest, RegistrationFilter};

/// Where the crashing server keeps its data: a data directory, and a PostgreSQL URL or none (SQLite).
struct Target {
    data: std::path::PathBuf,
    database_url: Option<String>,
}

fn dealreg(target: &Target) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dealreg"));
    command
        .arg("--data-dir")
        .arg(&target.data)
        .env_remove("DEALREG_DATABASE_URL")
        .env("DEALREG_LOG", "warn");
    if let Some(url) = &target.database_url {
        command.args(["--database-url", url]);
    }
    command
}

/// A `dealreg serve` process, killed with SIGKILL when dropped — also when a failed assertion unwinds
/// the test, so that no server outlives it.
struct Server(Child);

impl Server {
    /// SIGKILL: no shutdown, no flush.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `dealreg serve` on a free port; returns the process and its API base URL.
fn serve(target: &Target) -> (Server, String) {
    let mut child = dealreg(target)
        .args(["serve", "--listen", "127.0.0.1:0", "--worker-interval", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = lines
        .find_map(|l| {
            l.ok()?
                .strip_prefix("dealreg serving ")
                .map(|r| r.split(' ').next().unwrap_or("").to_owned())
        })
        .expect("serve prints its address");
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server(child), base)
}

fn token_of(demo_output: &str, email: &str) -> String {
    demo_output
        .lines()
        .find(|l| l.trim_start().starts_with(email))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no token for {email} in:\n{demo_output}"))
        .to_owned()
}

/// Kills per backend.
const ROUNDS: usize = 20;

#[derive(Default)]
struct Acknowledged {
    submitted: Vec<(i64, String)>,
    approved: Vec<(i64, String)>,
    /// Order id, PO number, status as answered.
    orders: Vec<(i64, String, String)>,
    /// Submissions whose answer was lost: key, body, organisation.
    lost: Vec<(String, serde_json::Value, String)>,
    /// Lost submissions answered on a retry with their key: key, body, registration id.
    retried: Vec<(String, serde_json::Value, i64)>,
}

/// Sends a submission with its key until the server answers; the answer must be 201 at once.
async fn retry_submission(client: &reqwest::Client, base: &str, ann: &str, key: &str, body: &serde_json::Value) -> i64 {
    for _ in 0..200 {
        let sent = client
            .post(format!("{base}/registrations"))
            .bearer_auth(ann)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await;
        let Ok(response) = sent else {
            tokio::time::sleep(Duration::from_millis(25)).await;
            continue;
        };
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 201, "retry of {key} after a restart: {answer}");
        return answer["id"].as_i64().unwrap();
    }
    panic!("no answer to the retry of {key}");
}

/// Retries every submission whose answer was lost, with its key.
async fn retry_lost(base: &str, ann: &str, acked: &Mutex<Acknowledged>) {
    let client = reqwest::Client::new();
    let lost = std::mem::take(&mut acked.lock().unwrap().lost);
    for (key, body, _) in lost {
        let id = retry_submission(&client, base, ann, &key, &body).await;
        acked.lock().unwrap().retried.push((key, body, id));
    }
}

async fn write_load(base: String, ann: String, wendy: String, round: usize, acked: Arc<Mutex<Acknowledged>>) {
    let close_date = jiff::Zoned::now()
        .date()
        .saturating_add(jiff::ToSpan::days(60))
        .to_string();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let submitters: Vec<_> = (0..3).map(|task| {
        let (client, base, ann, acked, close_date) = (client.clone(), base.clone(), ann.clone(), acked.clone(), close_date.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let name = format!("Crash Test Organisation {round} {task} {n}");
                let body = serde_json::json!({
                    "customer": {"name": name, "country": "US", "segment": "commercial", "city": format!("Town {task}{n}")},
                    "products": [{"sku": "MB-65", "quantity": 1}],
                    "estimated_value": {"amount_minor": 100_000, "currency": "USD"},
                    "expected_close_date": close_date
                });
                let key = format!("submit-{round}-{task}-{n}");
                let sent = client.post(format!("{base}/registrations")).bearer_auth(&ann).header("Idempotency-Key", &key).json(&body).send().await;
                let created = match sent {
                    Ok(response) if response.status().as_u16() == 201 => response.json::<serde_json::Value>().await.ok(),
                    _ => None,
                };
                let Some(created) = created else {
                    acked.lock().unwrap().lost.push((key, body, name));
                    return;
                };
                acked.lock().unwrap().submitted.push((created["id"].as_i64().unwrap(), name));
            }
        })
    }).collect();
    let (order_base, order_ann) = (base.clone(), ann.clone());
    // Each round decides and orders only what this round filed and approved.
    let (first_submitted, first_approved) = {
        let acked = acked.lock().unwrap();
        (acked.submitted.len(), acked.approved.len())
    };
    let approver = {
        let acked = acked.clone();
        tokio::spawn(async move {
            let mut next = first_submitted;
            loop {
                let id = acked.lock().unwrap().submitted.get(next).map(|(id, _)| *id);
                let Some(id) = id else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                next += 1;
                let Ok(response) = client
                    .post(format!("{base}/registrations/{id}/approve"))
                    .bearer_auth(&wendy)
                    .json(&serde_json::json!({"acknowledge_conflicts": true}))
                    .send()
                    .await
                else {
                    return;
                };
                if response.status().as_u16() != 200 {
                    return;
                }
                let Ok(approved) = response.json::<serde_json::Value>().await else {
                    return;
                };
                acked
                    .lock()
                    .unwrap()
                    .approved
                    .push((id, approved["sor_number"].as_str().unwrap().to_owned()));
            }
        })
    };
    let orderer = {
        let (client, base, ann, acked) = (reqwest::Client::new(), order_base, order_ann, acked.clone());
        tokio::spawn(async move {
            let mut next = first_approved;
            loop {
                let approved = acked.lock().unwrap().approved.get(next).cloned();
                let Some((id, sor)) = approved else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                next += 1;
                let name = acked
                    .lock()
                    .unwrap()
                    .submitted
                    .iter()
                    .find(|(s, _)| *s == id)
                    .map(|(_, n)| n.clone());
                let Some(name) = name else { continue };
                let po = format!("PO-{round}-{id}");
                let town = name.rsplitn(3, ' ').take(2).collect::<Vec<_>>();
                let body = serde_json::json!({
                    "po_number": po,
                    "customer": {"name": name, "country": "US", "segment": "commercial", "city": format!("Town {}{}", town[1], town[0])},
                    "sor_number": sor,
                    "lines": [{"sku": "MB-65", "quantity": 1}, {"sku": "PEN-ACT", "quantity": 2}]
                });
                let Ok(response) = client
                    .post(format!("{base}/orders"))
                    .bearer_auth(&ann)
                    .json(&body)
                    .send()
                    .await
                else {
                    return;
                };
                if response.status().as_u16() != 201 {
                    return;
                }
                let Ok(order) = response.json::<serde_json::Value>().await else {
                    return;
                };
                acked.lock().unwrap().orders.push((
                    order["id"].as_i64().unwrap(),
                    po,
                    order["status"].as_str().unwrap().to_owned(),
                ));
            }
        })
    };
    for task in submitters {
        let _ = task.await;
    }
    approver.abort();
    orderer.abort();
}

#[test]
fn acknowledged_writes_survive_kill_9_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_rounds(Target {
        data: dir.path().join("data"),
        database_url: None,
    });
}

#[test]
fn acknowledged_writes_survive_kill_9_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(testkit::pg_database("crash"));
    crash_rounds(Target {
        data: dir.path().join("data"),
        database_url: Some(url),
    });
}

fn crash_rounds(target: Target) {
    let demo = dealreg(&target).arg("demo").output().unwrap();
    assert!(demo.status.success());
    let demo = String::from_utf8(demo.stdout).unwrap();
    let (ann, wendy) = (
        token_of(&demo, "ann@northwind-av.example"),
        token_of(&demo, "wendy.west@dealreg.example"),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    for round in 0..ROUNDS {
        let (server, base) = serve(&target);
        runtime.block_on(retry_lost(&base, &ann, &acked));
        let load = runtime.spawn(write_load(base, ann.clone(), wendy.clone(), round, acked.clone()));
        // A different moment each round (deterministic, so a failure reproduces): 300 to 1,400 ms.
        std::thread::sleep(Duration::from_millis(300 + (round as u64 * 397) % 1100));
        server.kill();
        runtime.block_on(load).unwrap();
    }
    // After the last kill: the lost answers of the last round, then every retried key once more,
    // which must replay the same registration.
    let (server, base) = serve(&target);
    runtime.block_on(async {
        retry_lost(&base, &ann, &acked).await;
        let client = reqwest::Client::new();
        let retried = acked.lock().unwrap().retried.clone();
        for (key, body, id) in &retried {
            assert_eq!(
                retry_submission(&client, &base, &ann, key, body).await,
                *id,
                "{key} replayed"
            );
        }
    });
    server.kill();
    let acked = acked.lock().unwrap();
    eprintln!(
        "acknowledged before {ROUNDS} kills: {} submissions, {} approvals, {} orders; {} lost answers retried with their keys",
        acked.submitted.len(),
        acked.approved.len(),
        acked.orders.len(),
        acked.retried.len()
    );
    assert!(
        acked.submitted.len() > 10 && !acked.approved.is_empty() && !acked.orders.is_empty(),
        "the load ran: {} submitted, {} orders",
        acked.submitted.len(),
        acked.orders.len()
    );
    runtime.block_on(async {
        let store = dealreg::Database::choose(target.database_url.as_deref(), &target.data)
            .open()
            .await
            .unwrap();
        let admin = store
            .find_user_by_email("admin@dealreg.example")
            .await
            .unwrap()
            .unwrap();
        let admin = domain::Actor {
            user_id: admin.id,
            email: admin.email,
            role: admin.role,
            partner_id: None,
        };
        for (id, name) in &acked.submitted {
            let reg = store
                .get_registration(&admin, *id)
                .await
                .unwrap_or_else(|e| panic!("acknowledged #{id} lost: {e}"));
            assert_eq!(&reg.customer.name, name);
        }
        for (id, sor) in &acked.approved {
            let reg = store.get_registration(&admin, *id).await.unwrap();
            assert_eq!(
                reg.sor_number.as_ref(),
                Some(sor),
                "acknowledged approval of #{id} lost"
            );
        }
        let mut sors = BTreeSet::new();
        let mut filed: std::collections::BTreeMap<String, usize> = Default::default();
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let listed = store
                .list_registrations(&admin, RegistrationFilter::default(), page)
                .await
                .unwrap();
            for r in &listed.items {
                *filed.entry(r.customer_name.clone()).or_default() += 1;
                if let Some(sor) = &r.sor_number {
                    assert!(sors.insert(sor.clone()), "{sor} issued twice");
                }
            }
            match listed.next_cursor {
                Some(cursor) => page.cursor = cursor.parse().ok(),
                None => break,
            }
        }
        let retried = acked
            .retried
            .iter()
            .map(|(_, body, id)| (*id, body["customer"]["name"].as_str().unwrap().to_owned()));
        for (id, name) in acked.submitted.iter().cloned().chain(retried) {
            assert_eq!(filed.get(&name), Some(&1), "{name} (#{id}) filed once");
        }
        let numbers: Vec<i64> = sors
            .iter()
            .map(|s| s.parse::<domain::sor::SorNumber>().unwrap().seq)
            .collect();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "SOR numbers skip or repeat");
        for (id, po, status) in &acked.orders {
            let order = store
                .get_order(&admin, *id)
                .await
                .unwrap_or_else(|e| panic!("acknowledged order #{id} lost: {e}"));
            assert_eq!(
                (&order.po_number, order.status.as_str(), order.lines.len()),
                (po, status.as_str(), 2)
            );
        }
        assert_eq!(store.verify_audit().await.unwrap().first_bad_id, None);
    });
    // Every queued notification goes out once: the first pass delivers all, the second finds none,
    // and there is one file per delivery.
    let pass = |n: usize| {
        let out = dealreg(&target).args(["jobs", "run"]).output().unwrap();
        assert!(
            out.status.success(),
            "jobs run {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = pass(1);
    let delivered = first["delivered"].as_u64().unwrap();
    assert!(delivered as usize >= acked.approved.len(), "{first}");
    assert_eq!(pass(2)["delivered"], 0);
    let files = std::fs::read_dir(target.data.join("outbox")).unwrap().count() as u64;
    assert_eq!(files, delivered);
}
