//! `dealreg bench`: loads N registrations into a fresh SQLite or PostgreSQL database and measures,
//! through HTTP on loopback:
//! - each operation alone, with one client (latency) and then with several (throughput):
//!   submission with its conflict check, the claimed/free check, one page of a partner's list, the
//!   verification and pricing of a 20-line order, and an empty handler (the HTTP stack's limit);
//! - a mixed load for a bounded time and count: partners submitting and listing, each region's
//!   manager working their approval queue, order entry entering orders, all at once;
//! - lead distribution: partners placed in five countries, then leads entered by staff, each
//!   distributed as it is filed;
//! - and, in the same run, the raw limit of the same database: durable single-row INSERT
//!   transactions straight through sqlx with the store's settings.
//!
//! `--commissions` runs the commissions benchmark instead (see [`commissions`]).

mod commission_reads;
mod commissions;
mod leads;
mod load;
mod measure;
mod names;

use crate::mailer::FileMailer;
pub use commissions::{CommissionConfig, CommissionReport};
use domain::directory::input::NewPartner;
use domain::directory::products::ProductLine;
use domain::{Actor, Role};
use jiff::{Timestamp, ToSpan};
pub use leads::LeadPhase;
use load::{Load, MIXED_OPERATIONS, OrderTarget};
pub use measure::{BenchReport, Measurement};
use measure::{Outcome, Sample, join_samples, measure, peak_rss_kib, timed};
use names::{Rng, organisation};
use serde_json::json;
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
    /// Leads entered in the distribution phase, and the partners placed for them.
    pub leads: usize,
    pub lead_partners: usize,
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
    store
        .create_token(None, actor.user_id, "bench", &hash, None, now)
        .await?;
    Ok(secret)
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

    async fn load_invoices(&self, fixture: &store::InvoiceFixture) -> store::StoreResult<Vec<i64>> {
        let total = fixture.count;
        let progress = |done| eprintln!("bench: loaded {done} of {total} invoices");
        match self {
            Opened::Sqlite(store) => store.load_benchmark_invoices(fixture, progress).await,
            Opened::Postgres { store, .. } => store.load_benchmark_invoices(fixture, progress).await,
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

/// The commissions benchmark in a fresh database (`config`'s registration sizes are not used).
pub async fn run_commissions(config: BenchConfig, commissions: CommissionConfig) -> anyhow::Result<CommissionReport> {
    std::fs::create_dir_all(&config.dir)?;
    let opened = Opened::open(&config).await?;
    let report = commissions::run(&commissions, &opened, &config.dir).await;
    opened.discard().await?;
    report
}

async fn measure_all(config: &BenchConfig, opened: &Opened) -> anyhow::Result<BenchReport> {
    let store = opened.store();
    let now = Timestamp::now();
    let cast = Cast::seed(store.as_ref(), now).await?;
    let started = Instant::now();
    let (fixture, customers) = cast.fixture(config.registrations, now);
    opened.load(&fixture).await?;
    drop(fixture);
    let load_time = started.elapsed();
    let targets = order_targets(store.as_ref(), &cast, now).await?;
    let running = crate::server::start(
        "127.0.0.1:0".parse()?,
        store.clone(),
        Arc::new(web::SystemClock),
        Arc::new(FileMailer::new(config.dir.join("outbox"))),
        None,
        None,
        crate::server::Limits::default(),
    )
    .await?;
    let mut partner_tokens = Vec::new();
    for partner in &cast.partners {
        partner_tokens.push(token(store.as_ref(), partner, now).await?);
    }
    let staff_token = token(store.as_ref(), &cast.managers[0], now).await?;
    let load = Arc::new(Load {
        http: reqwest::Client::new(),
        base: format!("http://{}/api/v1", running.addr),
        partner_tokens,
        staff_token,
        skus: cast.products.iter().map(|p| p.sku.clone()).collect(),
        close_date: now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .saturating_add(60.days())
            .to_string(),
        customers,
        targets,
    });
    let (n, c) = (config.requests, config.concurrency);
    let measurements = measure_alone(&load, &format!("http://{}/healthz", running.addr), n, c).await;
    let (mixed, mixed_clients) = mixed_load(&load, store.as_ref(), &cast, config, now).await?;
    leads::place_partners(store.as_ref(), &cast.regions, config.lead_partners, now).await?;
    let lead_distribution = leads::distribute(&load, config.lead_partners, config.leads, c).await;
    running.stop().await?;
    let raw_inserts_per_second = opened.raw_insert_rate(&config.dir, n).await?;
    Ok(BenchReport {
        registrations: config.registrations,
        database: opened.durability(&config.dir).await?,
        load_time,
        measurements,
        mixed_clients,
        mixed,
        lead_distribution,
        raw_inserts_per_second,
        raw_inserts: n,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// The program the benchmark runs in: an administrator, three regions with their managers, order
/// entry, the demo price list and 40 partners with one user each.
struct Cast {
    admin: Actor,
    regions: Vec<i64>,
    managers: Vec<Actor>,
    order_entry: Actor,
    partners: Vec<Actor>,
    products: Vec<store::Product>,
}

impl Cast {
    async fn seed(store: &dyn Store, now: Timestamp) -> anyhow::Result<Cast> {
        let admin = user(store, "admin@bench.example".into(), Role::Admin, None, now).await?;
        let mut regions = Vec::new();
        let mut managers = Vec::new();
        for r in 0..3 {
            let manager = user(
                store,
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
        let order_entry = user(store, "orders@bench.example".into(), Role::OrderEntry, None, now).await?;
        let products = crate::demo::load_price_list(store, None, now).await?;
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
                        reach: Default::default(),
                    },
                    now,
                )
                .await?;
            let actor = user(
                store,
                format!("user{p}@partner{p}.example"),
                Role::PartnerUser,
                Some(partner.id),
                now,
            )
            .await?;
            partners.push(actor);
        }
        Ok(Cast {
            admin,
            regions,
            managers,
            order_entry,
            partners,
            products,
        })
    }

    /// `count` registrations by random partners over a third as many customers; about half approved.
    fn fixture(&self, count: usize, now: Timestamp) -> (Fixture, usize) {
        let (partners, managers, products) = (&self.partners, &self.managers, &self.products);
        let customers = (count / 3).max(1);
        let mut rng = Rng(42);
        let registrations = (0..count)
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
        (fixture, customers)
    }
}

/// Orders cite approved SORs of the loaded data; lines an SOR does not cover are re-priced.
async fn order_targets(store: &dyn Store, cast: &Cast, now: Timestamp) -> anyhow::Result<Vec<OrderTarget>> {
    let (admin, partners) = (&cast.admin, &cast.partners);
    let mut settings = store.settings().await?;
    settings.no_sor_pricing = domain::orders::NoSorPricing::Reprice;
    store.update_settings(admin, settings, now).await?;
    let approved = RegistrationFilter {
        status: Some(domain::registrations::Status::Approved),
        ..RegistrationFilter::default()
    };
    let mut targets = Vec::new();
    for summary in store
        .list_registrations(admin, approved, PageRequest::first(100))
        .await?
        .items
    {
        let reg = store.get_registration(admin, summary.id).await?;
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
    Ok(targets)
}

/// Each operation alone, with one client and then with `c`.
async fn measure_alone(load: &Arc<Load>, healthz: &str, n: usize, c: usize) -> Vec<Measurement> {
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
            "one page (50) of the pipeline, one stage (staff)",
            n,
            c,
            Arc::new(move |i| l.pipeline_page(i)),
        )
        .await,
    );
    let l = load.clone();
    measurements.extend(
        measure(
            "one page (50) of a partner's opportunities",
            n,
            c,
            Arc::new(move |i| l.partner_opportunities(i)),
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
    let healthz = healthz.to_owned();
    measurements.extend(
        measure(
            "empty handler (GET /healthz): the HTTP limit",
            n,
            c,
            Arc::new(move |_| l.http.get(&healthz)),
        )
        .await,
    );
    measurements
}

/// A manager's client in the mixed load: the oldest registration in their queue, approved — or
/// declined when another partner already holds its claim.
async fn work_the_queue(l: Arc<Load>, id: i64, token: String, n: usize, deadline: Instant) -> Vec<Sample> {
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
}

/// Every role at once, each client bounded by the deadline and by `n` operations; the figures per
/// operation, and who the clients were.
async fn mixed_load(
    load: &Arc<Load>,
    store: &dyn Store,
    cast: &Cast,
    config: &BenchConfig,
    now: Timestamp,
) -> anyhow::Result<(Vec<Measurement>, String)> {
    let (n, c, managers) = (config.requests, config.concurrency, &cast.managers);
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
    for manager in managers {
        let l = load.clone();
        let (id, token) = (manager.user_id, token(store, manager, now).await?);
        tasks.push(tokio::spawn(work_the_queue(l, id, token, n, deadline)));
    }
    {
        let l = load.clone();
        let clerk = token(store, &cast.order_entry, now).await?;
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
    let clients = format!(
        "{partner_clients} partner clients, {} managers, 1 order entry clerk; at most {} s and {n} operations per client",
        managers.len(),
        config.mixed_for.as_secs()
    );
    Ok((mixed, clients))
}
