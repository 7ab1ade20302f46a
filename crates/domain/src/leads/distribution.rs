//! PRG-2, seed 003 ("assign your partners a partner level", "assign a partner to your leads"): the
//! rule that chooses which partner a lead is offered to. One pure function; the store loads the
//! candidates and writes what it decides, in one transaction.
//!
//! In order: a lead without a country is not distributed (a person assigns it). Only partners in
//! the lead's country, or else in its region, are candidates — a partner elsewhere is never picked.
//! Among them: the same country before the same region; a higher level weight first (weight 0 is
//! never picked automatically); a partner at its capacity of open leads is skipped, and more room
//! comes first; then the shorter distance, when the lead and the partner both have coordinates;
//! then the lowest partner id. Deterministic on purpose (DECISIONS 55): the same lead and program
//! always give the same partner, which a channel manager can explain and a test can state.

use super::Coordinates;
use crate::directory::PartnerLevel;
use crate::directory::countries::country_name;
use crate::settings::LeadDistribution;
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Where a lead is: what distribution looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadPlace<'a> {
    /// ISO 3166-1 alpha-2.
    pub country: Option<&'a str>,
    /// The lead's region: id and name.
    pub region: Option<(i64, &'a str)>,
    pub location: Option<Coordinates>,
}

/// A partner as distribution sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub partner_id: i64,
    pub level: PartnerLevel,
    pub country: Option<String>,
    pub region_id: i64,
    pub location: Option<Coordinates>,
    /// The partner's own capacity; the program's default when absent.
    pub capacity: Option<u32>,
    /// Leads offered to the partner and not yet answered.
    pub open_leads: u32,
}

/// The partner chosen, and the sentence that says why.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub partner_id: i64,
    /// "Same country (Germany) · Gold, weight 3 · 1 of 5 open leads · 12 km".
    pub reason: String,
}

/// Why nobody was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoPartner {
    /// The lead names no country: it waits for a person.
    NoCountry,
    /// Nobody in the country or region can take it: "no partner available", with the count of
    /// those who declined, were full, or weigh 0.
    NobodyLeft {
        candidates: usize,
        declined: usize,
        full: usize,
        weightless: usize,
    },
}

impl NoPartner {
    /// What the channel manager reads.
    pub fn reason(&self) -> String {
        match self {
            NoPartner::NoCountry => {
                "Not assigned automatically: the lead names no country. Assign it by hand.".to_owned()
            }
            NoPartner::NobodyLeft { candidates: 0, .. } => {
                "No partner available: no partner is in the lead's country or region.".to_owned()
            }
            NoPartner::NobodyLeft {
                candidates,
                declined,
                full,
                weightless,
            } => {
                let mut parts = Vec::new();
                for (n, what) in [
                    (declined, "declined it"),
                    (full, "at capacity"),
                    (weightless, "of a level that weighs 0"),
                ] {
                    if *n > 0 {
                        parts.push(format!("{n} {what}"));
                    }
                }
                let partners = if *candidates == 1 { "partner" } else { "partners" };
                format!(
                    "No partner available: of {candidates} {partners} in the lead's country or region, {}.",
                    parts.join(", ")
                )
            }
        }
    }
}

/// How close a candidate is to the lead: same country (0) before same region (1); `None` is
/// neither, and never a candidate.
fn closeness(lead: &LeadPlace<'_>, partner: &Candidate) -> Option<u8> {
    if lead.country.is_some() && partner.country.as_deref() == lead.country {
        Some(0)
    } else if lead.region.is_some_and(|(id, _)| id == partner.region_id) {
        Some(1)
    } else {
        None
    }
}

/// Seed 003, PRG-2: the partner `lead` is offered to, among `candidates`, never one in `declined`.
pub fn choose_partner(
    lead: &LeadPlace<'_>,
    candidates: &[Candidate],
    declined: &BTreeSet<i64>,
    rules: &LeadDistribution,
) -> Result<Assignment, NoPartner> {
    let Some(country) = lead.country else {
        return Err(NoPartner::NoCountry);
    };
    let (mut count, mut refused, mut full, mut weightless) = (0, 0, 0, 0);
    let mut eligible = Vec::new();
    for partner in candidates {
        let Some(tier) = closeness(lead, partner) else {
            continue;
        };
        count += 1;
        let weight = rules.weight(partner.level);
        let capacity = partner.capacity.unwrap_or(rules.default_capacity);
        if declined.contains(&partner.partner_id) {
            refused += 1;
        } else if weight == 0 {
            weightless += 1;
        } else if partner.open_leads >= capacity {
            full += 1;
        } else {
            let distance = lead.location.zip(partner.location).map(|(a, b)| a.distance_km(b));
            eligible.push((tier, weight, capacity, distance, partner));
        }
    }
    let best = eligible.into_iter().min_by(|a, b| {
        let key = |(tier, weight, capacity, _, p): &(u8, u32, u32, Option<f64>, &Candidate)| {
            (*tier, Reverse(*weight), Reverse(capacity - p.open_leads))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| {
                let far = |d: Option<f64>| d.unwrap_or(f64::INFINITY);
                far(a.3).total_cmp(&far(b.3))
            })
            .then_with(|| a.4.partner_id.cmp(&b.4.partner_id))
    });
    let Some((tier, weight, capacity, distance, partner)) = best else {
        return Err(NoPartner::NobodyLeft {
            candidates: count,
            declined: refused,
            full,
            weightless,
        });
    };
    let place = match (tier, lead.region) {
        (0, _) | (_, None) => format!("Same country ({})", country_name(country).unwrap_or(country)),
        (_, Some((_, region))) => format!("Same region ({region})"),
    };
    let mut reason = format!(
        "{place} · {}, weight {weight} · {} of {capacity} open leads",
        partner.level.label(),
        partner.open_leads
    );
    if let Some(km) = distance {
        reason.push_str(&format!(" · {km:.0} km"));
    }
    Ok(Assignment {
        partner_id: partner.partner_id,
        reason,
    })
}

#[cfg(test)]
mod tests;
