//! Starts the real dealreg server on port 0 over a fresh SQLite file or PostgreSQL database, seeded
//! with the conformance suite's world, and talks to it over HTTP through a small typed client.

use dealreg::mailer::FileMailer;
use dealreg::server::{Limits, Running};
use domain::Actor;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::Store;
use store_conformance::{World, today};
use web::ManualClock;

/// Runs each named `async fn(Backend)` as two tests, `sqlite::NAME` and `postgres::NAME`, in the
/// module that invokes it (once per module).
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case($crate::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case($crate::Backend::Postgres).await } )+ }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty, migrated store on `backend`, with the directory that holds its files.
pub async fn fresh_store(backend: Backend) -> (Arc<dyn Store>, tempfile::TempDir) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = tempfile::tempdir().expect("temporary directory");
    let store: Arc<dyn Store> = match backend {
        Backend::Sqlite => Arc::new(
            store_sqlite::open(&dir.path().join("dealreg.db"))
                .await
                .expect("open SQLite"),
        ),
        Backend::Postgres => {
            let url = pg_database(&format!(
                "api_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ))
            .await;
            Arc::new(store_postgres::open(&url).await.expect("open PostgreSQL"))
        }
    };
    (store, dir)
}

/// Creates a uniquely named database on the test server and returns its URL.
pub async fn pg_database(prefix: &str) -> String {
    let admin = std::env::var("DEALREG_TEST_PG_URL")
        .expect("DEALREG_TEST_PG_URL must name a PostgreSQL server for these tests; `bash .ci/run` starts one");
    let name = format!("{prefix}_{}", jiff::Timestamp::now().as_microsecond());
    store_postgres::create_database(&admin, &name)
        .await
        .expect("create test database")
}

pub struct TestApp {
    pub base_url: String,
    pub clock: Arc<ManualClock>,
    pub world: World,
    /// Where the file mailer writes .eml files.
    pub outbox_dir: PathBuf,
    running: Option<Running>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The server on port 0, its clock standing at 2026-11-22T10:00Z, its worker off (tests run
    /// passes explicitly with [`TestApp::run_worker`]).
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with_limits(backend, Limits::default()).await
    }

    /// [`TestApp::spawn`] with other timeouts and connection limit.
    pub async fn spawn_with_limits(backend: Backend, limits: Limits) -> TestApp {
        let (store, dir) = fresh_store(backend).await;
        let world = store_conformance::world(store.clone()).await;
        let clock = Arc::new(ManualClock::new(today()));
        let outbox_dir = dir.path().join("outbox");
        let running = dealreg::server::start(
            "127.0.0.1:0".parse().expect("address"),
            store,
            clock.clone(),
            Arc::new(FileMailer::new(outbox_dir.clone())),
            None,
            None,
            limits,
        )
        .await
        .expect("start server");
        TestApp {
            base_url: format!("http://{}", running.addr),
            clock,
            world,
            outbox_dir,
            running: Some(running),
            _dir: dir,
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.world.store.as_ref()
    }

    /// A new internal user with `role` (sales, sales management, finance …) beside the world's.
    pub async fn staff(&self, email: &str, role: domain::Role) -> Actor {
        let user = self
            .store()
            .create_user(
                None,
                store::NewUserRecord {
                    email: domain::access::input::Email::parse(email).expect("e-mail"),
                    display_name: email.to_owned(),
                    role,
                    partner_id: None,
                    password_hash: None,
                },
                today(),
            )
            .await
            .expect("create user");
        Actor {
            user_id: user.id,
            email: user.email,
            role,
            partner_id: None,
        }
    }

    /// A client authenticated as `actor`, with a new token.
    pub async fn client_for(&self, actor: &Actor) -> Client {
        self.client(Some(self.token_for(actor).await))
    }

    /// A new API token of `actor`, for requests made by hand.
    pub async fn token_for(&self, actor: &Actor) -> String {
        let (secret, hash) = web::credentials::new_token().expect("token");
        self.store()
            .create_token(None, actor.user_id, "test", &hash, None, today())
            .await
            .expect("create token");
        secret
    }

    /// Gives `actor` a password for browser sign-in, the way a user sets one: through a reset link.
    pub async fn set_password(&self, actor: &Actor, password: &str) {
        let token = format!(
            "test-reset-{}-{}",
            actor.user_id,
            jiff::Timestamp::now().as_nanosecond()
        );
        let hash = web::credentials::token_hash(&token);
        let now = web::Clock::now(self.clock.as_ref());
        let expires = now.saturating_add(jiff::SignedDuration::from_hours(1)).expect("time");
        self.store()
            .create_password_reset(actor.user_id, &hash, "http://test/reset", expires, now)
            .await
            .expect("reset link");
        let password_hash = web::credentials::hash_password(password).expect("hash");
        self.store()
            .reset_password(&hash, &password_hash, now)
            .await
            .expect("set password");
    }

    pub fn client(&self, token: Option<String>) -> Client {
        Client {
            base: format!("{}/api/v1", self.base_url),
            http: reqwest::Client::new(),
            token,
        }
    }

    pub async fn run_worker(&self) -> dealreg::worker::WorkReport {
        let mailer = FileMailer::new(self.outbox_dir.clone());
        dealreg::worker::run_once(self.store(), &mailer, web::Clock::now(self.clock.as_ref()))
            .await
            .expect("worker pass")
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("clean shutdown");
        }
    }
}

/// A response: status, headers and JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| panic!("unexpected body ({e}): {}", self.body))
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self
    }

    /// The `field` names of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

/// JSON bodies as JSON; anything else (CSV files) as a string, so tests can read it too.
fn body_value(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

impl Client {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        Reply {
            status,
            headers,
            body: body_value(&bytes),
        }
    }

    /// POSTs raw bytes with a given content type.
    pub async fn send_raw(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
        self.send_raw_with("post", path, content_type, bytes).await
    }

    /// Sends raw bytes with `method` as the OpenAPI document spells it (e.g. `post`).
    pub async fn send_raw_with(&self, method: &str, path: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
        let method: reqwest::Method = method.to_uppercase().parse().expect("an HTTP method");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(bytes);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        Reply {
            status,
            headers,
            body: body_value(&bytes),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), &[]).await
    }

    pub async fn submit(&self, body: &Value) -> store::Registration {
        self.post("/registrations", body).await.expect(201).json()
    }

    pub async fn approve(&self, id: i64, body: &Value) -> store::Registration {
        self.post(&format!("/registrations/{id}/approve"), body)
            .await
            .expect(200)
            .json()
    }
}

/// A registration body as a partner's client sends it.
pub fn registration_body(customer: &str, domain: Option<&str>, skus: &[&str]) -> Value {
    serde_json::json!({
        "customer": {"name": customer, "domain": domain, "city": "Springfield", "postal_code": "62701", "country": "US", "segment": "education"},
        "products": skus.iter().map(|s| serde_json::json!({"sku": s, "quantity": 10})).collect::<Vec<_>>(),
        "estimated_value": {"amount_minor": 3_500_000, "currency": "USD"},
        "expected_close_date": "2027-01-31",
        "description": "24 classrooms"
    })
}
