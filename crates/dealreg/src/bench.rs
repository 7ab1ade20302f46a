//! `dealreg bench`: loads N registrations into a fresh SQLite database and measures, through HTTP
//! on loopback, submission with its conflict check, the claimed/free check, one page of a partner's
//! list and the verification and pricing of a 20-line order — and, in the same run, the raw limit they are compared with: the same number of
//! durable single-row insert transactions straight through sqlx with the same settings (WAL,
//! synchronous=FULL).

use crate::mailer::FileMailer;
use domain::input::{Customer, NewPartner, ProductLine, Segment};
use domain::{Actor, Role};
use jiff::{Timestamp, ToSpan};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{NewUserRecord, PageRequest, RegistrationFilter, Store};
use store_sqlite::{Fixture, FixtureRegistration};

pub struct BenchConfig {
    pub registrations: usize,
    pub requests: usize,
    pub concurrency: usize,
    pub dir: PathBuf,
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

struct Latencies(Vec<Duration>);

impl Latencies {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted
            .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

pub struct Measurement {
    pub name: &'static str,
    pub clients: usize,
    pub count: usize,
    pub wall: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub errors: usize,
}

impl Measurement {
    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.wall.as_secs_f64()
    }
}

pub struct BenchReport {
    pub registrations: usize,
    pub load_time: Duration,
    pub measurements: Vec<Measurement>,
    pub raw_inserts_per_second: f64,
    /// The process's peak resident memory (server, load generator and loader together), if known.
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
        let mut out = format!(
            "Loaded {} registrations in {:.1} s. SQLite WAL, synchronous=FULL (every acknowledged write fsynced).\n\n\
             | operation | clients | requests | per second | p50 | p99 | errors | vs raw insert limit |\n|---|---|---|---|---|---|---|---|\n",
            self.registrations,
            self.load_time.as_secs_f64()
        );
        for m in &self.measurements {
            out.push_str(&format!(
                "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} | {:.0}% |\n",
                m.name,
                m.clients,
                m.count,
                m.per_second(),
                m.p50.as_secs_f64() * 1e3,
                m.p99.as_secs_f64() * 1e3,
                m.errors,
                100.0 * m.per_second() / self.raw_inserts_per_second
            ));
        }
        out.push_str(&format!(
            "| raw limit: durable single-row INSERT transactions through sqlx | 1 | {} | {:.0} | | | | 100% |\n",
            self.measurements.first().map_or(0, |m| m.count),
            self.raw_inserts_per_second
        ));
        if let Some(kib) = self.peak_rss_kib {
            out.push_str(&format!(
                "\nPeak RSS of the process (loader, server and load generator together): {} MiB.\n",
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
        email: domain::input::Email::parse(&email).map_err(anyhow::Error::msg)?,
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
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let make = make.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                for i in (w..count).step_by(concurrency) {
                    let sent = Instant::now();
                    match make(offset + i).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                        }
                        _ => errors += 1,
                    }
                    latencies.push(sent.elapsed());
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    let mut errors = 0;
    for worker in workers {
        if let Ok((latencies, e)) = worker.await {
            all.extend(latencies);
            errors += e;
        }
    }
    let wall = started.elapsed();
    let latencies = Latencies(all);
    Measurement {
        name,
        clients: concurrency,
        count,
        wall,
        p50: latencies.percentile(0.5),
        p99: latencies.percentile(0.99),
        errors,
    }
}

pub async fn run(config: BenchConfig) -> anyhow::Result<BenchReport> {
    std::fs::create_dir_all(&config.dir)?;
    let db_path = config.dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let sql_store = Arc::new(store_sqlite::open(&db_path).await?);
    let store: Arc<dyn Store> = sql_store.clone();
    let now = Timestamp::now();
    let admin = user(store.as_ref(), "admin@bench.example".into(), Role::Admin, None, now).await?;
    let mut regions = Vec::new();
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
    }
    let products = crate::demo::load_price_list(store.as_ref(), now).await?;
    let mut partners = Vec::new();
    for p in 0..40 {
        let partner = store
            .create_partner(
                None,
                NewPartner {
                    name: format!("Bench Partner {p}"),
                    level: domain::input::PartnerLevel::Gold,
                    activation_stage: domain::input::ActivationStage::FullyOperational,
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
            let partner = &partners[rng.below(partners.len())];
            let lines = (0..1 + rng.below(3))
                .map(|_| {
                    let p = &products[rng.below(products.len())];
                    (
                        p.id,
                        ProductLine {
                            sku: p.sku.clone(),
                            quantity: 1 + rng.below(30) as i64,
                        },
                    )
                })
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .collect();
            FixtureRegistration {
                partner_id: partner.partner_id.unwrap_or_default(),
                submitted_by: partner.user_id,
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
    let total = config.registrations;
    sql_store
        .load_benchmark_fixture(&fixture, |done| {
            eprintln!("bench: loaded {done} of {total} registrations")
        })
        .await?;
    let load_time = started.elapsed();
    let running = crate::server::start(
        "127.0.0.1:0".parse()?,
        store.clone(),
        Arc::new(web::SystemClock),
        Arc::new(FileMailer::new(config.dir.join("outbox"))),
        None,
        None,
    )
    .await?;
    let base = format!("http://{}/api/v1", running.addr);
    let mut tokens = Vec::new();
    for partner in &partners {
        tokens.push(token(store.as_ref(), partner, now).await?);
    }
    let tokens = Arc::new(tokens);
    let client = reqwest::Client::new();
    let skus: Arc<Vec<String>> = Arc::new(products.iter().map(|p| p.sku.clone()).collect());
    let close_date = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .saturating_add(60.days())
        .to_string();
    let n = config.requests;
    let c = config.concurrency;
    let mut measurements = Vec::new();

    let (cl, b, t, s) = (client.clone(), base.clone(), tokens.clone(), skus.clone());
    measurements.extend(
        measure("submit registration (with conflict check)", n, c, Arc::new(move |i| {
            // Half new organisations, half misspellings of loaded ones: both paths of the matcher.
            let customer = if i % 2 == 0 { organisation(customers + i) } else { variant(&organisation(i * 7 % customers)) };
            let body = json!({
                "customer": {"name": customer.name, "domain": customer.domain, "city": customer.city,
                             "postal_code": customer.postal_code, "country": "US", "segment": customer.segment.as_str()},
                "products": [{"sku": s[i % s.len()], "quantity": 5}],
                "estimated_value": {"amount_minor": 2_500_000, "currency": "USD"},
                "expected_close_date": close_date,
            });
            cl.post(format!("{b}/registrations")).bearer_auth(&t[i % t.len()]).json(&body)
        }))
        .await,
    );
    let (cl, b, t, s) = (client.clone(), base.clone(), tokens.clone(), skus.clone());
    measurements.extend(
        measure("claimed/free check", n, c, Arc::new(move |i| {
            let customer = variant(&organisation(i * 13 % customers));
            let body = json!({"customer": {"name": customer.name, "city": customer.city, "country": "US"}, "products": [s[i % s.len()]]});
            cl.post(format!("{b}/registrations/check")).bearer_auth(&t[i % t.len()]).json(&body)
        }))
        .await,
    );
    let (cl, b, t) = (client.clone(), base.clone(), tokens.clone());
    measurements.extend(
        measure(
            "one page (50) of a partner's registrations",
            n,
            c,
            Arc::new(move |i| {
                cl.get(format!("{b}/registrations?limit=50"))
                    .bearer_auth(&t[i % t.len()])
            }),
        )
        .await,
    );
    // Orders: 20 lines each, citing an approved SOR of the ordering partner; lines the SOR does not
    // cover are re-priced (MSRP/RRSP) so that every line is verified, priced and written.
    let mut settings = store.settings().await?;
    settings.no_sor_pricing = domain::ordering::NoSorPricing::Reprice;
    store.update_settings(&admin, settings, now).await?;
    let approved = RegistrationFilter {
        status: Some(domain::registration::Status::Approved),
        ..RegistrationFilter::default()
    };
    let mut sors = Vec::new();
    for summary in store
        .list_registrations(&admin, approved, PageRequest::first(100))
        .await?
        .items
    {
        let reg = store.get_registration(&admin, summary.id).await?;
        let client_index = partners
            .iter()
            .position(|p| p.partner_id == Some(reg.partner_id))
            .unwrap_or_default();
        sors.push((client_index, reg.customer, reg.sor_number.unwrap_or_default()));
    }
    anyhow::ensure!(
        !sors.is_empty(),
        "the fixture has no approved registration to order against"
    );
    let sors = Arc::new(sors);
    let (cl, b, t, s) = (client.clone(), base.clone(), tokens.clone(), skus.clone());
    measurements.extend(
        measure(
            "verify and price a 20-line order",
            n,
            c,
            Arc::new(move |i| {
                let (client_index, customer, sor) = &sors[i % sors.len()];
                let body = json!({
                    "po_number": format!("BENCH-{i}"),
                    "customer": customer,
                    "sor_number": sor,
                    "lines": s.iter().take(20).map(|sku| json!({"sku": sku, "quantity": 1})).collect::<Vec<_>>(),
                });
                cl.post(format!("{b}/orders"))
                    .bearer_auth(&t[*client_index])
                    .json(&body)
            }),
        )
        .await,
    );
    // The HTTP stack's own limit in this run: a handler that does nothing.
    let (cl, b) = (client.clone(), base.clone());
    let root = b.trim_end_matches("/api/v1").to_owned();
    measurements.extend(
        measure(
            "empty handler (GET /healthz): the HTTP limit",
            n,
            c,
            Arc::new(move |_| cl.get(format!("{root}/healthz"))),
        )
        .await,
    );
    running.stop().await?;
    let raw_inserts_per_second = store_sqlite::durable_insert_rate(&config.dir.join("raw.db"), n).await?;
    Ok(BenchReport {
        registrations: config.registrations,
        load_time,
        measurements,
        raw_inserts_per_second,
        peak_rss_kib: peak_rss_kib(),
    })
}
