//! Each distribution rule with concrete partners: Berlin, Munich and Potsdam for distance.

use super::*;

fn at(latitude: f64, longitude: f64) -> Option<Coordinates> {
    Some(Coordinates::from_degrees(latitude, longitude).unwrap())
}

const BERLIN: (f64, f64) = (52.52, 13.405);
const MUNICH: (f64, f64) = (48.137, 11.575);
const POTSDAM: (f64, f64) = (52.39, 13.065);

fn partner(id: i64, level: PartnerLevel, country: Option<&str>, region_id: i64) -> Candidate {
    Candidate {
        partner_id: id,
        level,
        country: country.map(Into::into),
        region_id,
        location: None,
        capacity: None,
        open_leads: 0,
    }
}

/// A lead in Germany, region 7 ("Central Europe").
fn german_lead() -> LeadPlace<'static> {
    LeadPlace {
        country: Some("DE"),
        region: Some((7, "Central Europe")),
        location: None,
    }
}

fn choose(lead: &LeadPlace<'_>, candidates: &[Candidate], declined: &[i64]) -> Result<Assignment, NoPartner> {
    choose_partner(
        lead,
        candidates,
        &declined.iter().copied().collect(),
        &LeadDistribution::default(),
    )
}

#[test]
fn the_same_country_comes_before_the_same_region_and_before_a_higher_level() {
    let candidates = [
        partner(1, PartnerLevel::Platinum, Some("AT"), 7),
        partner(2, PartnerLevel::Bronze, Some("DE"), 9),
    ];
    let chosen = choose(&german_lead(), &candidates, &[]).unwrap();
    assert_eq!(chosen.partner_id, 2);
    assert_eq!(
        chosen.reason,
        "Same country (Germany) · Bronze, weight 1 · 0 of 5 open leads"
    );
    // Without a partner in Germany, the region's partner gets it, and says so.
    let chosen = choose(&german_lead(), &candidates[..1], &[]).unwrap();
    assert_eq!(chosen.partner_id, 1);
    assert_eq!(
        chosen.reason,
        "Same region (Central Europe) · Platinum, weight 4 · 0 of 5 open leads"
    );
}

#[test]
fn partners_outside_the_country_and_region_are_never_picked() {
    let candidates = [partner(1, PartnerLevel::Platinum, Some("FR"), 3)];
    assert_eq!(
        choose(&german_lead(), &candidates, &[]),
        Err(NoPartner::NobodyLeft {
            candidates: 0,
            declined: 0,
            full: 0,
            weightless: 0
        })
    );
    assert_eq!(
        choose(&german_lead(), &candidates, &[]).unwrap_err().reason(),
        "No partner available: no partner is in the lead's country or region."
    );
}

#[test]
fn a_higher_weight_comes_first_and_weight_zero_is_never_picked() {
    let candidates = [
        partner(1, PartnerLevel::Silver, Some("DE"), 7),
        partner(2, PartnerLevel::Gold, Some("DE"), 7),
    ];
    assert_eq!(choose(&german_lead(), &candidates, &[]).unwrap().partner_id, 2);
    let mut rules = LeadDistribution::default();
    rules.level_weights.remove("silver");
    rules.level_weights.insert("gold".into(), 0);
    let none = choose_partner(&german_lead(), &candidates, &BTreeSet::new(), &rules).unwrap_err();
    assert_eq!(
        none.reason(),
        "No partner available: of 2 partners in the lead's country or region, 2 of a level that weighs 0."
    );
}

#[test]
fn a_partner_at_capacity_is_skipped_and_more_room_comes_first() {
    let mut full = partner(1, PartnerLevel::Gold, Some("DE"), 7);
    full.open_leads = 5;
    let mut busy = partner(2, PartnerLevel::Gold, Some("DE"), 7);
    busy.open_leads = 3;
    let mut roomy = partner(3, PartnerLevel::Gold, Some("DE"), 7);
    roomy.capacity = Some(10);
    roomy.open_leads = 4;
    let chosen = choose(&german_lead(), &[full.clone(), busy.clone(), roomy], &[]).unwrap();
    assert_eq!(chosen.partner_id, 3);
    assert_eq!(
        chosen.reason,
        "Same country (Germany) · Gold, weight 3 · 4 of 10 open leads"
    );
    assert_eq!(
        choose(&german_lead(), &[full.clone(), busy], &[]).unwrap().partner_id,
        2
    );
    assert_eq!(
        choose(&german_lead(), &[full], &[]).unwrap_err().reason(),
        "No partner available: of 1 partner in the lead's country or region, 1 at capacity."
    );
}

#[test]
fn distance_breaks_a_tie_when_both_have_coordinates() {
    let mut munich = partner(1, PartnerLevel::Gold, Some("DE"), 7);
    munich.location = at(MUNICH.0, MUNICH.1);
    let mut berlin = partner(2, PartnerLevel::Gold, Some("DE"), 7);
    berlin.location = at(BERLIN.0, BERLIN.1);
    let nowhere = partner(0, PartnerLevel::Gold, Some("DE"), 7);
    let potsdam = LeadPlace {
        location: at(POTSDAM.0, POTSDAM.1),
        ..german_lead()
    };
    let chosen = choose(&potsdam, &[munich.clone(), nowhere.clone(), berlin], &[]).unwrap();
    assert_eq!(chosen.partner_id, 2);
    assert_eq!(
        chosen.reason,
        "Same country (Germany) · Gold, weight 3 · 0 of 5 open leads · 27 km"
    );
    // A known distance beats an unknown one; without the lead's coordinates the lowest id wins.
    assert_eq!(
        choose(&potsdam, &[nowhere.clone(), munich.clone()], &[])
            .unwrap()
            .partner_id,
        1
    );
    assert_eq!(choose(&german_lead(), &[munich, nowhere], &[]).unwrap().partner_id, 0);
}

#[test]
fn the_lowest_id_decides_a_full_tie() {
    let candidates = [
        partner(9, PartnerLevel::Gold, Some("DE"), 7),
        partner(4, PartnerLevel::Gold, Some("DE"), 7),
    ];
    assert_eq!(choose(&german_lead(), &candidates, &[]).unwrap().partner_id, 4);
}

#[test]
fn a_partner_who_declined_is_never_picked_again() {
    let candidates = [
        partner(1, PartnerLevel::Platinum, Some("DE"), 7),
        partner(2, PartnerLevel::Bronze, Some("DE"), 7),
    ];
    assert_eq!(choose(&german_lead(), &candidates, &[1]).unwrap().partner_id, 2);
    assert_eq!(
        choose(&german_lead(), &candidates, &[1, 2]).unwrap_err().reason(),
        "No partner available: of 2 partners in the lead's country or region, 2 declined it."
    );
}

#[test]
fn a_lead_without_a_country_is_not_assigned_and_says_why() {
    let lead = LeadPlace {
        country: None,
        ..german_lead()
    };
    let candidates = [partner(1, PartnerLevel::Gold, Some("DE"), 7)];
    let none = choose(&lead, &candidates, &[]).unwrap_err();
    assert_eq!(none, NoPartner::NoCountry);
    assert_eq!(
        none.reason(),
        "Not assigned automatically: the lead names no country. Assign it by hand."
    );
}
