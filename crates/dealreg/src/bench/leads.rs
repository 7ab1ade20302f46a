//! The lead-distribution phase (PRG-2): partners placed in five countries with coordinates and a
//! capacity, then leads entered by staff through `POST /leads`, each distributed in the write that
//! files it (candidates of its country, their open leads, the level weights, the distance).

use super::load::Load;
use super::measure::{Measurement, Outcome, Sample, timed};
use super::names::Rng;
use domain::directory::input::{LeadReach, NewPartner};
use domain::leads::Coordinates;
use jiff::Timestamp;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use store::Store;

/// Country, and the centre and spread (millionths of a degree) partners and leads are placed in.
const COUNTRIES: [(&str, i64, i64, i64); 5] = [
    ("US", 39_000_000, -98_000_000, 8_000_000),
    ("CA", 50_000_000, -100_000_000, 6_000_000),
    ("GB", 53_000_000, -2_000_000, 2_000_000),
    ("DE", 51_000_000, 10_000_000, 2_000_000),
    ("FR", 47_000_000, 2_000_000, 2_500_000),
];

const LEVELS: [domain::directory::PartnerLevel; 3] = [
    domain::directory::PartnerLevel::Bronze,
    domain::directory::PartnerLevel::Silver,
    domain::directory::PartnerLevel::Gold,
];

pub(super) const OPERATION: &str = "staff: enter a lead, distributed among the placed partners";

/// What the phase measured and how the leads ended.
pub struct LeadPhase {
    pub partners: usize,
    pub measurement: Measurement,
    /// Leads the rules offered to a partner (the rest found every candidate at capacity).
    pub offered: usize,
}

fn spread(rng: &mut Rng, centre: i64, width: i64) -> i64 {
    centre - width + (rng.next() % (2 * width as u64 + 1)) as i64
}

/// `count` partners, a fifth per country, across the regions and levels, each with room for 10–29
/// open leads.
pub(super) async fn place_partners(
    store: &dyn Store,
    regions: &[i64],
    count: usize,
    now: Timestamp,
) -> anyhow::Result<()> {
    let mut rng = Rng(7);
    for p in 0..count {
        let (country, latitude, longitude, width) = COUNTRIES[p % COUNTRIES.len()];
        let partner = NewPartner {
            name: format!("Lead Partner {p}"),
            level: LEVELS[rng.below(LEVELS.len())],
            activation_stage: domain::directory::ActivationStage::FullyOperational,
            region_id: regions[p % regions.len()],
            reach: LeadReach {
                country: Some(country.to_owned()),
                location: Some(Coordinates {
                    latitude_e6: spread(&mut rng, latitude, width),
                    longitude_e6: spread(&mut rng, longitude, width),
                }),
                lead_capacity: Some(10 + rng.below(20) as u32),
            },
        };
        store.create_partner(None, partner, now).await?;
    }
    Ok(())
}

/// The i-th lead: a company in one of the countries, somewhere near its centre.
fn lead(load: &Load, i: usize) -> reqwest::RequestBuilder {
    let mut rng = Rng(1_000 + i as u64);
    let (country, latitude, longitude, width) = COUNTRIES[i % COUNTRIES.len()];
    let degrees = |e6: i64| e6 as f64 / 1e6;
    let body = json!({
        "source": "marketing",
        "company": {"name": format!("Lead Company {i}"), "domain": format!("lead{i}.example"), "country": country},
        "latitude": degrees(spread(&mut rng, latitude, width)),
        "longitude": degrees(spread(&mut rng, longitude, width)),
        "estimated_value": {"amount_minor": 500_000 + 10_000 * rng.below(500) as i64, "currency": "USD"},
    });
    load.http
        .post(format!("{}/leads", load.base))
        .bearer_auth(&load.staff_token)
        .json(&body)
}

/// `count` leads from `concurrency` staff clients; counts those offered to a partner.
pub(super) async fn distribute(load: &Arc<Load>, partners: usize, count: usize, concurrency: usize) -> LeadPhase {
    let started = Instant::now();
    let workers = (0..concurrency)
        .map(|w| {
            let load = load.clone();
            tokio::spawn(async move {
                let (mut samples, mut offered) = (Vec::<Sample>::new(), 0);
                for i in (w..count).step_by(concurrency) {
                    let (outcome, body) = timed(OPERATION, lead(&load, i), &mut samples).await;
                    offered += usize::from(outcome == Outcome::Done && body["status"] == "offered");
                }
                (samples, offered)
            })
        })
        .collect::<Vec<_>>();
    let (mut samples, mut offered) = (Vec::new(), 0);
    for worker in workers {
        let (of_worker, offered_by_worker) = worker.await.unwrap_or_default();
        samples.extend(of_worker);
        offered += offered_by_worker;
    }
    LeadPhase {
        partners,
        measurement: Measurement::from_samples(
            OPERATION,
            concurrency,
            started.elapsed(),
            &samples.iter().collect::<Vec<_>>(),
        ),
        offered,
    }
}
