//! `dealreg bench`: loads N registrations into a fresh SQLite or PostgreSQL database and measures,
//! through HTTP on loopback:
//! - each operation alone, with one client (latency) and then with several (throughput):
//!   submission with its conflict check, the claimed/free check, one page of a partner's list, the
//!   verification and pricing of a 20-line order, and an empty handler (the HTTP stack's limit);
//! - a mixed load for a bounded time and count: partners submitting and listing, each region's
//!   manager working their approval queue, order entry entering orders, all at once;
//! - and, in the same run, the raw limit of the same database: durable single-row INSERT
//!   transactions straight through sqlx with the store's settings.

use crate::mailer::FileMailer;
use domain::directory::Segment;
use domain::directory::customers::Customer;
use domain::directory::input::NewPartner;
use domain::directory::products::ProductLine;
use domain::{Actor, Role};
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Fixture, FixtureRegistration, NewUserRecord, PageRequest, RegistrationFilter, Store};

/// Where the benchmark database lives.
#[derive(Debug, Clone)]
pub enum BenchDatabase {
    /// A fresh SQLite file in the scratch directory.
    Sqlite,
    /// A fresh database on this PostgreSQL server (the URL of a database there that may create
    /// others), dropped at the end.
    Postgres { server_url: String },
}

pub struct BenchConfig {
    pub registrations: usize,
    pub requests: usize,
    pub concurrency: usize,
    pub dir: PathBuf,
    pub database: BenchDatabase,
    /// Upper bound of the mixed-load phase (each client also stops after `requests` operations).
    pub mixed_for: Duration,
}

/// Deterministic pseudo-random numbers (xorshift64*), so every run loads the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "an", "bel", "cor", "dan", "el", "fal", "gar", "hol", "ish", "jor", "kel", "lan", "mar", "nor", "ol", "pen",
    "quin", "ros", "sal", "tor", "ul", "ven", "wes", "xan", "yor", "zel", "bri", "cla", "dro", "fen",
];
const KINDS: &[(&str, Segment)] = &[
    ("School District", Segment::Education),
    ("Unified School District", Segment::Education),
    ("Community College", Segment::Education),
    ("University", Segment::Education),
    ("Public Library", Segment::Government),
    ("County Government", Segment::Government),
    ("Regional Hospital", Segment::Commercial),
    ("Medical Center", Segment::Commercial),
    ("Logistics Inc.", Segment::Commercial),
    ("Industries LLC", Segment::Commercial),
    ("Academy", Segment::Education),
    ("Manufacturing GmbH", Segment::Commercial),
];

fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut w: String = (0..syllables).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
    if let Some(first) = w.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    w
}

/// The `index`-th synthetic organisation: the same index always gives the same customer.
fn organisation(index: usize) -> Customer {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (index as u64).wrapping_mul(0x1000_0000_01b3));
    let (kind, segment) = KINDS[rng.below(KINDS.len())];
    let name = format!("{} {} {kind}", word(&mut rng, 3), word(&mut rng, 2));
    let domain = (rng.below(2) == 0).then(|| format!("org{index}.example"));
    let city = word(&mut rng, 2);
    Customer {
        name,
        domain,
        tax_id: None,
        city: Some(city),
        postal_code: Some(format!("{:05}", rng.below(99_999))),
        country: "US".into(),
        segment,
    }
}

/// How a partner would misspell the same organisation: abbreviated kind, one letter dropped.
fn variant(customer: &Customer) -> Customer {
    let name = customer
        .name
        .replace("School District", "Sch. Dist.")
        .replace("University", "Univ.")
        .replace("Medical Center", "Med. Ctr.");
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() > 6 {
        chars.remove(3);
    }
    Customer {
        name: chars.into_iter().collect(),
        domain: None,
        ..customer.clone()
    }
}

/// How one request ended: 2xx, refused by a rule (4xx), or failed (5xx or no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Refused,
    Failed,
}

struct Sample {
    operation: &'static str,
    latency: Duration,
    outcome: Outcome,
}

/// Sends one request, records it under `operation`, and returns its outcome and JSON body.
async fn timed(
    operation: &'static str,
    request: reqwest::RequestBuilder,
    samples: &mut Vec<Sample>,
) -> (Outcome, Value) {
    let sent = Instant::now();
    let (outcome, body) = match request.send().await {
        Ok(reply) => {
            let status = reply.status();
            let body = reply.bytes().await.ok();
            let outcome = if status.is_success() {
                Outcome::Done
            } else if status.is_client_error() {
                Outcome::Refused
            } else {
                Outcome::Failed
            };
            let json = body
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null);
            (outcome, json)
        }
        Err(_) => (Outcome::Failed, Value::Null),
    };
    samples.push(Sample {
        operation,
        latency: sent.elapsed(),
        outcome,
    });
    (outcome, body)
}

/// Figures for one operation over one phase.
pub struct Measurement {
    pub name: &'static str,
    pub clients: usize,
    pub count: usize,
    pub wall: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// Answered 4xx: refused by a rule (in the mixed load, e.g. a claim another partner holds).
    pub refused: usize,
    /// Answered 5xx or not at all.
    pub errors: usize,
}

impl Measurement {
    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.wall.as_secs_f64()
    }

    fn from_samples(name: &'static str, clients: usize, wall: Duration, samples: &[&Sample]) -> Measurement {
        let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
        latencies.sort();
        let percentile = |p: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        let count_of = |o: Outcome| samples.iter().filter(|s| s.outcome == o).count();
        Measurement {
            name,
            clients,
            count: samples.len(),
            wall,
            p50: percentile(0.5),
            p99: percentile(0.99),
            refused: count_of(Outcome::Refused),
            errors: count_of(Outcome::Failed),
        }
    }
}

pub struct BenchReport {
    pub registrations: usize,
    /// The backend and its durability settings as read back from it.
    pub database: String,
    pub load_time: Duration,
    pub measurements: Vec<Measurement>,
    pub mixed_clients: String,
    pub mixed: Vec<Measurement>,
    pub raw_inserts_per_second: f64,
    pub raw_inserts: usize,
    /// This process's peak resident memory (server, load generator and loader together), if known.
    pub peak_rss_kib: Option<u64>,
}

/// Peak resident set size of this process (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl BenchReport {
    pub fn markdown(&self) -> String {
        let raw = self.raw_inserts_per_second;
        let row = |m: &Measurement| {
            format!(
                "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} | {} | {:.0}% |\n",
                m.name,
                m.clients,
                m.count,
                m.per_second(),
                m.p50.as_secs_f64() * 1e3,
                m.p99.as_secs_f64() * 1e3,
                m.refused,
                m.errors,
                100.0 * m.per_second() / raw
            )
        };
        let head = "| operation | clients | requests | per second | p50 | p99 | refused (4xx) | errors | vs raw insert limit |\n\
                    |---|---|---|---|---|---|---|---|---|\n";
        let mut out = format!(
            "Loaded {} registrations in {:.1} s. Durability: {}.\n\nEach operation alone:\n\n{head}",
            self.registrations,
            self.load_time.as_secs_f64(),
            self.database,
        );
        self.measurements.iter().for_each(|m| out.push_str(&row(m)));
        out.push_str(&format!(
            "| raw limit: durable single-row INSERT transactions through sqlx | 1 | {} | {raw:.0} | | | | | 100% |\n",
            self.raw_inserts
        ));
        out.push_str(&format!(
            "\nMixed load, all at once ({}); per second is over the phase's wall time:\n\n{head}",
            self.mixed_clients
        ));
        self.mixed.iter().for_each(|m| out.push_str(&row(m)));
        let total: usize = self.mixed.iter().map(|m| m.count).sum();
        let wall = self.mixed.first().map_or(Duration::ZERO, |m| m.wall);
        out.push_str(&format!(
            "| all requests of the mixed load | | {total} | {:.0} | | | | | |\n",
            total as f64 / wall.as_secs_f64().max(f64::EPSILON)
        ));
        if let Some(kib) = self.peak_rss_kib {
            out.push_str(&format!(
                "\nPeak RSS of the dealreg process (loader, server and load generator together; a PostgreSQL \
                 server's own memory is not included): {} MiB.\n",
                kib / 1024
            ));
        }
        out
    }
}

async fn user(
    store: &dyn Store,
    email: String,
    role: Role,
    partner_id: Option<i64>,
    now: Timestamp,
) -> anyhow::Result<Actor> {
    let record = NewUserRecord {
        email: domain::access::input::Email::parse(&email).map_err(anyhow::Error::msg)?,
        display_name: email.clone(),
        role,
        partner_id,
        password_hash: None,
    };
    let created = store.create_user(None, record, now).await?;
    Ok(Actor {
        user_id: created.id,
        email,
        role,
        partner_id,
    })
}

async fn token(store: &dyn Store, actor: &Actor, now: Timestamp) -> anyhow::Result<String> {
    let (secret, hash) = web::credentials::new_token().map_err(anyhow::Error::msg)?;
    store.create_token(None, actor.user_id, "bench", &hash, now).await?;
    Ok(secret)
}

type MakeRequest = Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `count` requests from one client (latency) and then `count` more from `concurrency`
/// clients (throughput); `make(i)` builds the i-th request.
async fn measure(name: &'static str, count: usize, concurrency: usize, make: MakeRequest) -> [Measurement; 2] {
    [
        run_clients(name, 0, count, 1, make.clone()).await,
        run_clients(name, count, count, concurrency, make).await,
    ]
}

async fn run_clients(
    name: &'static str,
    offset: usize,
    count: usize,
    concurrency: usize,
    make: MakeRequest,
) -> Measurement {
    let started = Instant::now();
    let workers = (0..concurrency)
        .map(|w| {
            let make = make.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                for i in (w..count).step_by(concurrency) {
                    timed(name, make(offset + i), &mut samples).await;
                }
                samples
            })
        })
        .collect();
    let samples = join_samples(workers).await;
    Measurement::from_samples(
        name,
        concurrency,
        started.elapsed(),
        &samples.iter().collect::<Vec<_>>(),
    )
}

async fn join_samples(workers: Vec<tokio::task::JoinHandle<Vec<Sample>>>) -> Vec<Sample> {
    let mut all = Vec::new();
    for worker in workers {
        if let Ok(samples) = worker.await {
            all.extend(samples);
        }
    }
    all
}

/// The benchmark database, with what the loader and the raw limit need besides the store.
enum Opened {
    Sqlite(Arc<store_sqlite::SqlStore>),
    Postgres {
        store: Arc<store_postgres::SqlStore>,
        url: String,
        server_url: String,
        name: String,
    },
}

impl Opened {
    async fn open(config: &BenchConfig) -> anyhow::Result<Opened> {
        Ok(match &config.database {
            BenchDatabase::Sqlite => {
                let path = config.dir.join("bench.db");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Opened::Sqlite(Arc::new(store_sqlite::open(&path).await?))
            }
            BenchDatabase::Postgres { server_url } => {
                let name = format!("dealreg_bench_{}", Timestamp::now().as_second());
                let url = store_postgres::create_database(server_url, &name).await?;
                Opened::Postgres {
                    store: Arc::new(store_postgres::open(&url).await?),
                    url,
                    server_url: server_url.clone(),
                    name,
                }
            }
        })
    }

    fn store(&self) -> Arc<dyn Store> {
        match self {
            Opened::Sqlite(store) => store.clone(),
            Opened::Postgres { store, .. } => store.clone(),
        }
    }

    /// The durability settings in force, read back from the database.
    async fn durability(&self, dir: &std::path::Path) -> store::StoreResult<String> {
        match self {
            Opened::Sqlite(_) => store_sqlite::durability(&dir.join("bench.db")).await,
            Opened::Postgres { url, .. } => Ok(format!("{} on loopback", store_postgres::durability(url).await?)),
        }
    }

    async fn load(&self, fixture: &Fixture) -> store::StoreResult<()> {
        let total = fixture.registrations.len();
        let progress = |done| eprintln!("bench: loaded {done} of {total} registrations");
        match self {
            Opened::Sqlite(store) => store.load_benchmark_fixture(fixture, progress).await,
            Opened::Postgres { store, .. } => store.load_benchmark_fixture(fixture, progress).await,
        }
    }

    async fn raw_insert_rate(&self, dir: &std::path::Path, count: usize) -> store::StoreResult<f64> {
        match self {
            Opened::Sqlite(_) => store_sqlite::durable_insert_rate(&dir.join("raw.db"), count).await,
            Opened::Postgres { url, .. } => store_postgres::durable_insert_rate(url, count).await,
        }
    }

    /// Drops a PostgreSQL benchmark database; the SQLite file stays in the scratch directory.
    async fn discard(self) -> store::StoreResult<()> {
        match self {
            Opened::Sqlite(_) => Ok(()),
            Opened::Postgres {
                store,
                server_url,
                name,
                ..
            } => {
                drop(store);
                store_postgres::drop_database(&server_url, &name).await
            }
        }
    }
}

pub async fn run(config: BenchConfig) -> anyhow::Result<BenchReport> {
    std::fs::create_dir_all(&config.dir)?;
    let opened = Opened::open(&config).await?;
    let report = measure_all(&config, &opened).await;
    opened.discard().await?;
    report
}

/// An approved SOR of the loaded data to order against: the partner's client index, the customer
/// as the registration shows it, and the SOR number.
struct OrderTarget {
    client: usize,
    partner_id: i64,
    customer: Value,
    sor: String,
}

/// What every load-generating client shares: where to send, as whom, and the data its requests are
/// built from. The i-th request of a kind is always the same request.
struct Load {
    http: reqwest::Client,
    base: String,
    partner_tokens: Vec<String>,
    skus: Vec<String>,
    close_date: String,
    customers: usize,
    targets: Vec<OrderTarget>,
}

impl Load {
    fn partner_token(&self, i: usize) -> &str {
        &self.partner_tokens[i % self.partner_tokens.len()]
    }

    /// A registration as a partner files it: even `i` a new organisation, odd `i` a misspelling of
    /// a loaded one, so both paths of the conflict matcher run.
    fn submit(&self, i: usize) -> reqwest::RequestBuilder {
        let customer = if i.is_multiple_of(2) {
            organisation(self.customers + i)
        } else {
            variant(&organisation(i * 7 % self.customers))
        };
        let body = json!({
            "customer": {"name": customer.name, "domain": customer.domain, "city": customer.city,
                         "postal_code": customer.postal_code, "country": "US", "segment": customer.segment.as_str()},
            "products": [{"sku": self.skus[i % self.skus.len()], "quantity": 5}],
            "estimated_value": {"amount_minor": 2_500_000, "currency": "USD"},
            "expected_close_date": self.close_date,
        });
        self.http
            .post(format!("{}/registrations", self.base))
            .bearer_auth(self.partner_token(i))
            .json(&body)
    }

    /// The claimed/free check for a misspelled loaded organisation.
    fn check(&self, i: usize) -> reqwest::RequestBuilder {
        let customer = variant(&organisation(i * 13 % self.customers));
        let body = json!({"customer": {"name": customer.name, "city": customer.city, "country": "US"},
                          "products": [self.skus[i % self.skus.len()]]});
        self.http
            .post(format!("{}/registrations/check", self.base))
            .bearer_auth(self.partner_token(i))
            .json(&body)
    }

    fn list_page(&self, i: usize) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}/registrations?limit=50", self.base))
            .bearer_auth(self.partner_token(i))
    }

    /// A 20-line PO citing an approved SOR; lines the SOR does not cover are re-priced (the program
    /// is set so), so every line is verified, priced and written. Sent by the ordering partner, or
    /// by order entry (`clerk`) naming the partner.
    fn order(&self, i: usize, po_number: String, clerk: Option<&str>) -> reqwest::RequestBuilder {
        let target = &self.targets[i % self.targets.len()];
        let body = json!({
            "partner_id": clerk.map(|_| target.partner_id),
            "po_number": po_number,
            "customer": target.customer,
            "sor_number": target.sor,
            "lines": self.skus.iter().take(20).map(|sku| json!({"sku": sku, "quantity": 1})).collect::<Vec<_>>(),
        });
        let token = clerk.unwrap_or(&self.partner_tokens[target.client]);
        self.http
            .post(format!("{}/orders", self.base))
            .bearer_auth(token)
            .json(&body)
    }
}

const MIXED_OPERATIONS: [&str; 6] = [
    "partner: submit registration",
    "partner: one page (50) of own registrations",
    "manager: approval queue, oldest first",
    "manager: approve",
    "manager: decline (claim held by another partner)",
    "order entry: verify and price a 20-line order",
];

async fn measure_all(config: &BenchConfig, opened: &Opened) -> anyhow::Result<BenchReport> {
    let store = opened.store();
    let now = Timestamp::now();
    let admin = user(store.as_ref(), "admin@bench.example".into(), Role::Admin, None, now).await?;
    let mut regions = Vec::new();
    let mut managers = Vec::new();
    for r in 0..3 {
        let manager = user(
            store.as_ref(),
            format!("manager{r}@bench.example"),
            Role::ChannelManager,
            None,
            now,
        )
        .await?;
        regions.push(
            store
                .create_region(None, &format!("Region {r}"), Some(manager.user_id), now)
                .await?
                .id,
        );
        managers.push(manager);
    }
    let order_entry = user(
        store.as_ref(),
        "orders@bench.example".into(),
        Role::OrderEntry,
        None,
        now,
    )
    .await?;
    let products = crate::demo::load_price_list(store.as_ref(), now).await?;
    let mut partners = Vec::new();
    for p in 0..40 {
        let partner = store
            .create_partner(
                None,
                NewPartner {
                    name: format!("Bench Partner {p}"),
                    level: domain::directory::PartnerLevel::Gold,
                    activation_stage: domain::directory::ActivationStage::FullyOperational,
                    region_id: regions[p % regions.len()],
                },
                now,
            )
            .await?;
        let actor = user(
            store.as_ref(),
            format!("user{p}@partner{p}.example"),
            Role::PartnerUser,
            Some(partner.id),
            now,
        )
        .await?;
        partners.push(actor);
    }
    let customers = (config.registrations / 3).max(1);
    let started = Instant::now();
    let mut rng = Rng(42);
    let registrations = (0..config.registrations)
        .map(|i| {
            let p = rng.below(partners.len());
            let lines = (0..1 + rng.below(3))
                .map(|_| {
                    let product = &products[rng.below(products.len())];
                    (
                        product.id,
                        ProductLine {
                            sku: product.sku.clone(),
                            quantity: 1 + rng.below(30) as i64,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect();
            FixtureRegistration {
                partner_id: partners[p].partner_id.unwrap_or_default(),
                submitted_by: partners[p].user_id,
                approver_id: Some(managers[p % managers.len()].user_id),
                customer: i % customers,
                lines,
                approve: rng.below(2) == 0,
            }
        })
        .collect();
    let fixture = Fixture {
        customers: (0..customers).map(organisation).collect(),
        registrations,
        submitted_at: now,
        valid_through: now.to_zoned(jiff::tz::TimeZone::UTC).date().saturating_add(90.days()),
    };
    opened.load(&fixture).await?;
    drop(fixture);
    let load_time = started.elapsed();

    // Orders cite approved SORs of the loaded data; lines an SOR does not cover are re-priced.
    let mut settings = store.settings().await?;
    settings.no_sor_pricing = domain::orders::NoSorPricing::Reprice;
    store.update_settings(&admin, settings, now).await?;
    let approved = RegistrationFilter {
        status: Some(domain::registrations::Status::Approved),
        ..RegistrationFilter::default()
    };
    let mut targets = Vec::new();
    for summary in store
        .list_registrations(&admin, approved, PageRequest::first(100))
        .await?
        .items
    {
        let reg = store.get_registration(&admin, summary.id).await?;
        targets.push(OrderTarget {
            client: partners
                .iter()
                .position(|p| p.partner_id == Some(reg.partner_id))
                .unwrap_or_default(),
            partner_id: reg.partner_id,
            customer: serde_json::to_value(&reg.customer)?,
            sor: reg.sor_number.unwrap_or_default(),
        });
    }
    anyhow::ensure!(
        !targets.is_empty(),
        "the fixture has no approved registration to order against"
    );

    let running = crate::server::start(
        "127.0.0.1:0".parse()?,
        store.clone(),
        Arc::new(web::SystemClock),
        Arc::new(FileMailer::new(config.dir.join("outbox"))),
        None,
        None,
    )
    .await?;
    let mut partner_tokens = Vec::new();
    for partner in &partners {
        partner_tokens.push(token(store.as_ref(), partner, now).await?);
    }
    let load = Arc::new(Load {
        http: reqwest::Client::new(),
        base: format!("http://{}/api/v1", running.addr),
        partner_tokens,
        skus: products.iter().map(|p| p.sku.clone()).collect(),
        close_date: now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .saturating_add(60.days())
            .to_string(),
        customers,
        targets,
    });
    let n = config.requests;
    let c = config.concurrency;
    let mut measurements = Vec::new();
    let l = load.clone();
    measurements.extend(
        measure(
            "submit registration (with conflict check)",
            n,
            c,
            Arc::new(move |i| l.submit(i)),
        )
        .await,
    );
    let l = load.clone();
    measurements.extend(measure("claimed/free check", n, c, Arc::new(move |i| l.check(i))).await);
    let l = load.clone();
    measurements.extend(
        measure(
            "one page (50) of a partner's registrations",
            n,
            c,
            Arc::new(move |i| l.list_page(i)),
        )
        .await,
    );
    let l = load.clone();
    measurements.extend(
        measure(
            "verify and price a 20-line order",
            n,
            c,
            Arc::new(move |i| l.order(i, format!("BENCH-{i}"), None)),
        )
        .await,
    );
    // The HTTP stack's own limit in this run: a handler that does nothing.
    let l = load.clone();
    let healthz = format!("http://{}/healthz", running.addr);
    measurements.extend(
        measure(
            "empty handler (GET /healthz): the HTTP limit",
            n,
            c,
            Arc::new(move |_| l.http.get(&healthz)),
        )
        .await,
    );

    // Mixed load: every role at once, each client bounded by the deadline and by `n` operations.
    let deadline = Instant::now() + config.mixed_for;
    let partner_clients = (c / 2).max(1);
    let mut tasks = Vec::new();
    for w in 0..partner_clients {
        let l = load.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for k in (0..n).take_while(|_| Instant::now() < deadline) {
                // Indexes past those of the measurements above: new filings, not replays.
                let i = 2 * n + w + k * partner_clients;
                if k.is_multiple_of(2) {
                    timed(MIXED_OPERATIONS[0], l.submit(i), &mut samples).await;
                } else {
                    timed(MIXED_OPERATIONS[1], l.list_page(i), &mut samples).await;
                }
            }
            samples
        }));
    }
    for manager in &managers {
        let l = load.clone();
        let (id, token) = (manager.user_id, token(store.as_ref(), manager, now).await?);
        tasks.push(tokio::spawn(async move {
            let (http, b) = (&l.http, &l.base);
            let mut samples = Vec::new();
            for _ in (0..n).take_while(|_| Instant::now() < deadline) {
                let queue = http
                    .get(format!(
                        "{b}/registrations?status=submitted&approver_id={id}&sort=oldest&limit=1"
                    ))
                    .bearer_auth(&token);
                let (_, page) = timed(MIXED_OPERATIONS[2], queue, &mut samples).await;
                let Some(reg) = page["items"][0]["id"].as_i64() else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let approve = http
                    .post(format!("{b}/registrations/{reg}/approve"))
                    .bearer_auth(&token)
                    .json(&json!({"acknowledge_conflicts": true}));
                if timed(MIXED_OPERATIONS[3], approve, &mut samples).await.0 == Outcome::Refused {
                    let decline = http
                        .post(format!("{b}/registrations/{reg}/decline"))
                        .bearer_auth(&token)
                        .json(&json!({"reason": "another partner holds the approved registration"}));
                    timed(MIXED_OPERATIONS[4], decline, &mut samples).await;
                }
            }
            samples
        }));
    }
    {
        let l = load.clone();
        let clerk = token(store.as_ref(), &order_entry, now).await?;
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for k in (0..n).take_while(|_| Instant::now() < deadline) {
                let request = l.order(k, format!("MIXED-{k}"), Some(&clerk));
                timed(MIXED_OPERATIONS[5], request, &mut samples).await;
            }
            samples
        }));
    }
    let mixed_started = Instant::now();
    let samples = join_samples(tasks).await;
    let mixed_wall = mixed_started.elapsed();
    let mixed = MIXED_OPERATIONS
        .iter()
        .map(|&op| {
            let of_op: Vec<&Sample> = samples.iter().filter(|s| s.operation == op).collect();
            let clients = match op {
                o if o.starts_with("partner") => partner_clients,
                o if o.starts_with("manager") => managers.len(),
                _ => 1,
            };
            Measurement::from_samples(op, clients, mixed_wall, &of_op)
        })
        .collect();
    running.stop().await?;
    let raw_inserts_per_second = opened.raw_insert_rate(&config.dir, n).await?;
    Ok(BenchReport {
        registrations: config.registrations,
        database: opened.durability(&config.dir).await?,
        load_time,
        measurements,
        mixed_clients: format!(
            "{partner_clients} partner clients, {} managers, 1 order entry clerk; at most {} s and {n} operations per client",
            managers.len(),
            config.mixed_for.as_secs()
        ),
        mixed,
        raw_inserts_per_second,
        raw_inserts: n,
        peak_rss_kib: peak_rss_kib(),
    })
}
