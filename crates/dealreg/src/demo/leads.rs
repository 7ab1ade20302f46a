//! The demo's leads (PRG-2): partners placed on the map, leads from marketing, web forms and a
//! vendor distributed by the rules — some offered, some accepted (now opportunities), one declined
//! and offered to the next partner, one without a country waiting for a person, one nobody can take.

use domain::Actor;
use domain::directory::input::LeadReach;
use domain::directory::products::ProductLineInput;
use domain::leads::Coordinates;
use domain::leads::input::{LeadCompanyInput, LeadInput, parse_lead};
use domain::money::MoneyInput;
use jiff::Timestamp;
use store::Store;

/// A country and the coordinates of a city.
type Place = (Option<&'static str>, Option<(f64, f64)>);

/// Where each demo partner (in `PARTNERS` order) is: country and city coordinates. The last one
/// has no country yet, so the rules never offer it a lead.
const PLACES: &[Place] = &[
    (Some("US"), Some((41.878, -87.630))),
    (Some("US"), Some((43.039, -87.906))),
    (Some("US"), Some((32.777, -96.797))),
    (Some("CA"), Some((43.653, -79.383))),
    (Some("US"), Some((33.749, -84.388))),
    (None, None),
];

/// The lead distribution facts of the `index`-th demo partner.
pub(super) fn reach(index: usize) -> LeadReach {
    let (country, at) = PLACES.get(index).copied().unwrap_or((None, None));
    LeadReach {
        country: country.map(Into::into),
        location: at.and_then(|(lat, lon)| Coordinates::from_degrees(lat, lon).ok()),
        lead_capacity: None,
    }
}

/// (company, source, country, city, coordinates, value in dollars, product).
type DemoLead = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<(f64, f64)>,
    i64,
    Option<&'static str>,
);

const LEADS: &[DemoLead] = &[
    (
        "Springfield Middle School",
        "web_form",
        Some("US"),
        "Springfield",
        Some((39.781, -89.650)),
        42_000,
        Some("MB-65"),
    ),
    (
        "Naperville Community College",
        "marketing",
        Some("US"),
        "Naperville",
        Some((41.750, -88.153)),
        96_000,
        Some("MB-86"),
    ),
    (
        "Evanston Public Library",
        "vendor",
        Some("US"),
        "Evanston",
        Some((42.045, -87.688)),
        18_500,
        None,
    ),
    (
        "Waukesha County Schools",
        "marketing",
        Some("US"),
        "Waukesha",
        Some((43.011, -88.231)),
        64_000,
        Some("MB-65"),
    ),
    (
        "Toronto Catholic Academy",
        "web_form",
        Some("CA"),
        "Toronto",
        Some((43.700, -79.420)),
        52_000,
        None,
    ),
    (
        "Fort Worth Learning Center",
        "vendor",
        Some("US"),
        "Fort Worth",
        Some((32.755, -97.330)),
        38_000,
        None,
    ),
    (
        "Rockford Technical Institute",
        "web_form",
        Some("US"),
        "Rockford",
        Some((42.271, -89.094)),
        27_000,
        None,
    ),
    (
        "Unnamed inquiry from the trade show",
        "marketing",
        None,
        "",
        None,
        12_000,
        None,
    ),
    (
        "Lycée International de Lyon",
        "web_form",
        Some("FR"),
        "Lyon",
        Some((45.764, 4.836)),
        70_000,
        None,
    ),
];

/// What the demo's partners do with their leads: accept (by lead index) or decline with a reason.
const ACCEPTED: &[usize] = &[0, 3];
const DECLINED: (usize, &str) = (2, "Libraries are outside our focus on classrooms");

/// Enters the demo's leads as `manager` and lets the partners (`partners`, in `PARTNERS` order)
/// answer some of them. Returns how many leads there are.
pub(super) async fn load(s: &dyn Store, manager: &Actor, partners: &[Actor], now: Timestamp) -> anyhow::Result<usize> {
    let mut ids = Vec::new();
    for &(company, source, country, city, at, dollars, sku) in LEADS {
        let lead = parse_lead(&LeadInput {
            source: Some(source.into()),
            company: Some(LeadCompanyInput {
                name: Some(company.into()),
                domain: None,
                country: country.map(Into::into),
                city: (!city.is_empty()).then(|| city.into()),
            }),
            segment: Some("education".into()),
            latitude: at.map(|a| a.0),
            longitude: at.map(|a| a.1),
            description: Some(format!("Asked about interactive displays for {city}.").replace(" for .", ".")),
            estimated_value: Some(MoneyInput {
                amount_minor: Some(dollars * 100),
                currency: Some("USD".into()),
            }),
            products: sku.map(|s| {
                vec![ProductLineInput {
                    sku: Some(s.into()),
                    quantity: Some(6),
                }]
            }),
            ..LeadInput::default()
        })
        .map_err(|e| anyhow::anyhow!("demo lead {company}: {e}"))?;
        ids.push(s.create_lead(manager, lead, now).await?);
    }
    let holder = |lead: &store::Lead| partners.iter().find(|p| p.partner_id == lead.partner_id).cloned();
    let (declined, reason) = DECLINED;
    if let Some(p) = holder(&ids[declined]) {
        s.decline_lead(&p, ids[declined].id, reason.into(), now).await?;
    }
    for &i in ACCEPTED {
        if let Some(p) = holder(&ids[i]) {
            s.accept_lead(&p, ids[i].id, now).await?;
        }
    }
    Ok(ids.len())
}
