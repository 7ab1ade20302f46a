//! Timing requests from concurrent clients, and the report of what was measured.

use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How one request ended: 2xx, refused by a rule (4xx), or failed (5xx or no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Done,
    Refused,
    Failed,
}

pub(super) struct Sample {
    pub(super) operation: &'static str,
    pub(super) latency: Duration,
    pub(super) outcome: Outcome,
}

/// Sends one request, records it under `operation`, and returns its outcome and JSON body.
pub(super) async fn timed(
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

    pub(super) fn from_samples(name: &'static str, clients: usize, wall: Duration, samples: &[&Sample]) -> Measurement {
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
    pub lead_distribution: super::LeadPhase,
    pub raw_inserts_per_second: f64,
    pub raw_inserts: usize,
    /// This process's peak resident memory (server, load generator and loader together), if known.
    pub peak_rss_kib: Option<u64>,
}

/// Peak resident set size of this process (Linux `VmHWM`).
pub(super) fn peak_rss_kib() -> Option<u64> {
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
        let leads = &self.lead_distribution;
        out.push_str(&format!(
            "\nLead distribution: {} partners placed in five countries; {} of {} leads offered to a partner \
             (the rest found every candidate at capacity):\n\n{head}",
            leads.partners, leads.offered, leads.measurement.count
        ));
        out.push_str(&row(&leads.measurement));
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

pub(super) type MakeRequest = Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `count` requests from one client (latency) and then `count` more from `concurrency`
/// clients (throughput); `make(i)` builds the i-th request.
pub(super) async fn measure(
    name: &'static str,
    count: usize,
    concurrency: usize,
    make: MakeRequest,
) -> [Measurement; 2] {
    [
        run_clients(name, 0, count, 1, make.clone()).await,
        run_clients(name, count, count, concurrency, make).await,
    ]
}

pub(super) async fn run_clients(
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

pub(super) async fn join_samples(workers: Vec<tokio::task::JoinHandle<Vec<Sample>>>) -> Vec<Sample> {
    let mut all = Vec::new();
    for worker in workers {
        if let Ok(samples) = worker.await {
            all.extend(samples);
        }
    }
    all
}
