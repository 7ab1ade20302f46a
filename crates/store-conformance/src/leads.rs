//! Leads (PRG-2): distribution by country, region, level weight, capacity and distance; declines
//! that never come back; the partner's answer; imports that are whole. Partners of the world:
//! A (Northwind, West) in Berlin, B (Contoso, West) in Munich, C (Fabrikam, East) in Austria.

use crate::{World, notifications, today, world};
use domain::Actor;
use domain::directory::input::NewPartner;
use domain::leads::input::{Assign, LeadCompanyInput, LeadInput, NewLead, parse_lead};
use domain::leads::{Coordinates, LeadStatus, files::parse_leads};
use domain::money::MoneyInput;
use std::sync::Arc;
use store::*;

/// Gives a world partner a country, coordinates and a capacity.
pub async fn place(w: &World, partner: &Actor, country: &str, at: Option<(f64, f64)>, capacity: Option<u32>) {
    let id = partner.partner_id.unwrap();
    let p = w.store.get_partner(&w.admin, id).await.unwrap();
    let moved = NewPartner {
        name: p.name,
        level: p.level,
        activation_stage: p.activation_stage,
        region_id: p.region_id,
        reach: domain::directory::input::LeadReach {
            country: Some(country.into()),
            location: at.map(|(lat, lon)| Coordinates::from_degrees(lat, lon).unwrap()),
            lead_capacity: capacity,
        },
    };
    w.store.update_partner(&w.admin, id, moved, today()).await.unwrap();
}

/// A and B in Germany (Berlin, Munich), C in Austria.
async fn german_world(store: Arc<dyn Store>) -> World {
    let w = world(store).await;
    place(&w, &w.partner_a, "DE", Some((52.52, 13.405)), None).await;
    place(&w, &w.partner_b, "DE", Some((48.137, 11.575)), None).await;
    place(&w, &w.partner_c, "AT", None, None).await;
    w
}

async fn region_of(w: &World, partner: &Actor) -> i64 {
    w.store
        .get_partner(&w.admin, partner.partner_id.unwrap())
        .await
        .unwrap()
        .region_id
}

/// A lead for `company` in `country`, optionally in a region and at coordinates.
pub fn lead(company: &str, country: Option<&str>, region_id: Option<i64>, at: Option<(f64, f64)>) -> NewLead {
    parse_lead(&LeadInput {
        source: Some("marketing".into()),
        company: Some(LeadCompanyInput {
            name: Some(company.into()),
            domain: None,
            country: country.map(Into::into),
            city: None,
        }),
        region_id,
        latitude: at.map(|a| a.0),
        longitude: at.map(|a| a.1),
        estimated_value: Some(MoneyInput {
            amount_minor: Some(4_800_000),
            currency: Some("USD".into()),
        }),
        ..LeadInput::default()
    })
    .unwrap()
}

const POTSDAM: Option<(f64, f64)> = Some((52.39, 13.065));

pub async fn leads_go_to_the_nearest_partner_by_the_rules_and_say_why(store: Arc<dyn Store>) {
    let w = german_world(store).await;
    let s = w.store.as_ref();
    let gym = s
        .create_lead(
            &w.west_manager,
            lead("Potsdam Gymnasium", Some("DE"), None, POTSDAM),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(gym.status, LeadStatus::Offered);
    assert_eq!(gym.partner_id, w.partner_a.partner_id);
    assert_eq!(
        gym.reason,
        "Same country (Germany) · Gold, weight 3 · 0 of 5 open leads · 27 km"
    );
    let told = notifications(&w, &w.partner_a).await;
    assert_eq!(
        told[0].subject,
        format!("New lead for you: Potsdam Gymnasium (lead #{})", gym.id)
    );
    assert!(notifications(&w, &w.partner_b).await.is_empty());
    // A has one open lead now, so the next lead without coordinates goes to B, who has more room.
    let next = s
        .create_lead(
            &w.west_manager,
            lead("Hamburg Hafen AG", Some("DE"), None, None),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(next.partner_id, w.partner_b.partner_id);
    // An Austrian lead of the West region: C in Austria first, over the West partners.
    let west = region_of(&w, &w.partner_a).await;
    let vienna = s
        .create_lead(
            &w.west_manager,
            lead("Wiener Schule", Some("AT"), Some(west), None),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(vienna.partner_id, w.partner_c.partner_id);
    // A Swiss lead of the West region: the region's partners; outside country and region, nobody.
    let zurich = s
        .create_lead(
            &w.west_manager,
            lead("Zürich Gymnasium", Some("CH"), Some(west), None),
            today(),
        )
        .await
        .unwrap();
    assert!(
        zurich.reason.starts_with("Same region (West) · Gold, weight 3"),
        "{}",
        zurich.reason
    );
    let paris = s
        .create_lead(&w.west_manager, lead("Lycée de Paris", Some("FR"), None, None), today())
        .await
        .unwrap();
    assert_eq!(paris.status, LeadStatus::NoPartner);
    assert_eq!(
        paris.reason,
        "No partner available: no partner is in the lead's country or region."
    );
}

pub async fn a_declined_lead_goes_to_the_next_partner_and_never_back(store: Arc<dyn Store>) {
    let w = german_world(store).await;
    let s = w.store.as_ref();
    let west = region_of(&w, &w.partner_a).await;
    let gym = s
        .create_lead(
            &w.admin,
            lead("Potsdam Gymnasium", Some("DE"), Some(west), POTSDAM),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(gym.partner_id, w.partner_a.partner_id);
    s.decline_lead(&w.partner_a, gym.id, "Too far from our team".into(), today())
        .await
        .unwrap();
    let moved = s.get_lead(&w.west_manager, gym.id).await.unwrap();
    assert_eq!(moved.partner_id, w.partner_b.partner_id);
    assert_eq!(
        moved.reason,
        "Same country (Germany) · Gold, weight 3 · 0 of 5 open leads · 485 km"
    );
    assert_eq!(moved.declines[0].reason, "Too far from our team");
    // The decliner no longer sees it, and cannot have it back by hand.
    assert!(matches!(
        s.get_lead(&w.partner_a, gym.id).await,
        Err(StoreError::NotFound(_))
    ));
    let back = Assign {
        partner_id: w.partner_a.partner_id.unwrap(),
        note: None,
    };
    assert!(matches!(
        s.assign_lead(&w.west_manager, gym.id, back, today()).await,
        Err(StoreError::Invalid(_))
    ));
    // Redistributing never brings it back to A either.
    let again = s.redistribute_lead(&w.west_manager, gym.id, today()).await.unwrap();
    assert_eq!(again.partner_id, w.partner_b.partner_id);
    s.decline_lead(&w.partner_b, gym.id, "No capacity this quarter".into(), today())
        .await
        .unwrap();
    let nobody = s.get_lead(&w.admin, gym.id).await.unwrap();
    assert_eq!(nobody.status, LeadStatus::NoPartner);
    assert_eq!(
        nobody.reason,
        "No partner available: of 2 partners in the lead's country or region, 2 declined it."
    );
    let told = notifications(&w, &w.west_manager).await;
    assert!(
        told.iter()
            .any(|n| n.subject == format!("No partner available for Potsdam Gymnasium (lead #{})", gym.id))
    );
    // Partners never learn who else declined.
    let c = s.get_lead(&w.partner_c, gym.id).await;
    assert!(matches!(c, Err(StoreError::NotFound(_))));
}

pub async fn weight_zero_and_a_full_partner_are_skipped(store: Arc<dyn Store>) {
    let w = german_world(store).await;
    let s = w.store.as_ref();
    // Both take one lead at once: equal room, so distance decides the first lead.
    place(&w, &w.partner_a, "DE", Some((52.52, 13.405)), Some(1)).await;
    place(&w, &w.partner_b, "DE", Some((48.137, 11.575)), Some(1)).await;
    let first = s
        .create_lead(&w.admin, lead("Potsdam Gymnasium", Some("DE"), None, POTSDAM), today())
        .await
        .unwrap();
    assert_eq!(first.partner_id, w.partner_a.partner_id);
    // A is full (1 of 1): the next Potsdam lead goes to B in Munich; then both are full.
    let second = s
        .create_lead(&w.admin, lead("Potsdam Realschule", Some("DE"), None, POTSDAM), today())
        .await
        .unwrap();
    assert_eq!(second.partner_id, w.partner_b.partner_id);
    let third = s
        .create_lead(
            &w.admin,
            lead("Potsdam Grundschule", Some("DE"), None, POTSDAM),
            today(),
        )
        .await
        .unwrap();
    assert_eq!(
        third.reason,
        "No partner available: of 2 partners in the lead's country or region, 2 at capacity."
    );
    let mut rules = s.lead_rules(&w.west_manager).await.unwrap();
    rules.level_weights.insert("gold".into(), 0);
    assert!(matches!(
        s.update_lead_rules(&w.partner_a, rules.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let sales_rules = s.update_lead_rules(&w.order_entry, rules.clone(), today()).await;
    assert!(matches!(sales_rules, Err(StoreError::Forbidden(_))));
    s.update_lead_rules(&w.west_manager, rules, today()).await.unwrap();
    let fourth = s
        .create_lead(&w.admin, lead("Berliner Schule", Some("DE"), None, None), today())
        .await
        .unwrap();
    assert_eq!(fourth.status, LeadStatus::NoPartner);
    assert!(
        fourth.reason.contains("2 of a level that weighs 0"),
        "{}",
        fourth.reason
    );
}

pub async fn a_lead_without_a_country_waits_for_a_person(store: Arc<dyn Store>) {
    let w = german_world(store).await;
    let s = w.store.as_ref();
    let west = region_of(&w, &w.partner_a).await;
    let nameless = s
        .create_lead(&w.west_manager, lead("Somewhere Ltd", None, Some(west), None), today())
        .await
        .unwrap();
    assert_eq!(nameless.status, LeadStatus::Unassigned);
    assert_eq!(
        nameless.reason,
        "Not assigned automatically: the lead names no country. Assign it by hand."
    );
    let by_hand = Assign {
        partner_id: w.partner_b.partner_id.unwrap(),
        note: Some("They know the buyer".into()),
    };
    let offered = s
        .assign_lead(&w.west_manager, nameless.id, by_hand, today())
        .await
        .unwrap();
    assert_eq!(offered.status, LeadStatus::Offered);
    assert_eq!(
        offered.reason,
        "Assigned by hand by west@vendor.example: They know the buyer"
    );
    // It cannot become a customer without a country.
    assert!(matches!(
        s.accept_lead(&w.partner_b, nameless.id, today()).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn partners_see_and_answer_only_their_own_leads(store: Arc<dyn Store>) {
    let w = german_world(store).await;
    let s = w.store.as_ref();
    let gym = s
        .create_lead(&w.admin, lead("Potsdam Gymnasium", Some("DE"), None, POTSDAM), today())
        .await
        .unwrap();
    for other in [&w.partner_b, &w.partner_c] {
        assert!(matches!(s.get_lead(other, gym.id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(
            s.accept_lead(other, gym.id, today()).await,
            Err(StoreError::NotFound(_))
        ));
        let declined = s.decline_lead(other, gym.id, "Not ours".into(), today()).await;
        assert!(matches!(declined, Err(StoreError::NotFound(_))));
        assert!(
            s.list_leads(other, LeadFilter::default(), PageRequest::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    assert!(matches!(
        s.get_lead(&w.order_entry, gym.id).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.accept_lead(&w.admin, gym.id, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let mine = s
        .list_leads(&w.partner_a, LeadFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1);
    let accepted = s.accept_lead(&w.partner_a, gym.id, today()).await.unwrap();
    assert_eq!(accepted.status, LeadStatus::Accepted);
    // It is an opportunity now, from a lead, managed by A, forecasting the lead's value.
    let opportunity = s
        .get_opportunity(&w.partner_a, accepted.opportunity_id.unwrap())
        .await
        .unwrap()
        .opportunity;
    assert_eq!(opportunity.source, domain::opportunities::Source::Lead);
    assert_eq!(
        opportunity.manager.party,
        domain::opportunities::Party::partner(w.partner_a.partner_id.unwrap())
    );
    assert_eq!(opportunity.forecast.amount_minor, 4_800_000);
    assert_eq!(opportunity.close_date, jiff::civil::date(2027, 2, 20));
    assert!(matches!(
        s.get_opportunity(&w.partner_b, opportunity.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.accept_lead(&w.partner_a, gym.id, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    let filter = LeadFilter {
        partner_id: w.partner_a.partner_id,
        status: Some(LeadStatus::Accepted),
    };
    let listed = s
        .list_leads(&w.west_manager, filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.iter().map(|l| l.id).collect::<Vec<_>>(), [gym.id]);
}

pub async fn lead_imports_are_whole_and_distributed(store: Arc<dyn Store>) {
    let w = german_world(store).await;
    let s = w.store.as_ref();
    let bad = parse_leads(
        "source,company,country,region,estimated_value,currency,products\n\
         marketing,Potsdam Gymnasium,DE,West,48000,USD,MB-100:12\n\
         vendor,Lost GmbH,DE,Atlantis,100,USD,\n\
         vendor,Odd GmbH,DE,,100,USD,NOPE-1\n",
    )
    .unwrap();
    let Err(StoreError::Invalid(errors)) = s.import_leads(&w.west_manager, bad, today()).await else {
        panic!("an unknown region and SKU fail the file");
    };
    let got: Vec<_> = errors.0.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(got, [(Some(3), "region"), (Some(4), "products")]);
    assert!(
        s.list_leads(&w.admin, LeadFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let good = parse_leads(
        "source,company,country,region,latitude,longitude,estimated_value,currency,products\n\
         marketing,Potsdam Gymnasium,DE,West,52.39,13.065,48000,USD,MB-100:12\n\
         web_form,Nameless Co,,,,,1200,USD,\n",
    )
    .unwrap();
    let report = s.import_leads(&w.west_manager, good, today()).await.unwrap();
    assert_eq!((report.rows, report.created), (2, 2));
    let leads = s
        .list_leads(&w.admin, LeadFilter::default(), PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(leads[1].partner_id, w.partner_a.partner_id);
    assert_eq!(leads[1].products[0].sku, "MB-100");
    assert_eq!(leads[0].status, LeadStatus::Unassigned);
    assert!(matches!(
        s.import_leads(&w.partner_a, Vec::new(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
}
