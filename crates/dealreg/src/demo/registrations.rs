//! The demo's registrations: filed over the last four months by every partner, each taken as far as
//! its plan says — approved (with orders), declined, won, lost, withdrawn, or left to expire.

use super::data::{PRODUCTS, customer_input};
use domain::Actor;
use domain::directory::customers::Customer;
use domain::directory::products::{ProductLine, ProductLineInput};
use domain::money::MoneyInput;
use domain::orders::input::NewOrder;
use domain::registrations::ValidityChoice;
use domain::registrations::input::{Approval, NewRegistrationInput, Outcome, parse_new_registration};
use jiff::{Timestamp, ToSpan};
use store::{Store, StoreError, StoreResult};

/// Files 48 registrations, two days apart, and decides each by its plan; returns how many were filed.
pub(super) async fn file_and_decide(
    s: &dyn Store,
    partners: &[(Actor, Actor)],
    now: Timestamp,
) -> anyhow::Result<usize> {
    let mut count = 0;
    // Registrations filed over the last four months, each taken as far as its plan says.
    for i in 0..48usize {
        let (partner, manager) = &partners[i % partners.len()];
        let filed = now.checked_sub(((120 - (i as i64) * 2) * 24).hours()).unwrap_or(now);
        let filed_day = filed.to_zoned(jiff::tz::TimeZone::UTC).date();
        // Neighbouring customers are often spelling variants of one organisation: giving them the same
        // display product makes their registrations conflict, as they would in real life.
        let skus: Vec<&str> = [PRODUCTS[(i / 2) % 8].0, PRODUCTS[13 + i % 3].0, PRODUCTS[19 + i % 10].0].to_vec();
        let input = NewRegistrationInput {
            customer: Some(customer_input(i)),
            products: Some(
                skus.iter()
                    .enumerate()
                    .map(|(k, sku)| ProductLineInput {
                        sku: Some((*sku).into()),
                        quantity: Some(((i + k) % 20 + 1) as i64),
                    })
                    .collect(),
            ),
            estimated_value: Some(MoneyInput {
                amount_minor: Some(((i as i64 % 9) + 1) * 1_250_000),
                currency: Some("USD".into()),
            }),
            expected_close_date: Some(filed_day.saturating_add((30 + (i as i64 % 60)).days()).to_string()),
            description: Some(format!("{} classrooms, phase {}", 4 + i % 20, 1 + i % 3)),
        };
        let parsed =
            parse_new_registration(&input, filed_day).map_err(|e| anyhow::anyhow!("demo registration {i}: {e}"))?;
        let reg = s.submit_registration(partner, parsed, filed).await?;
        count += 1;
        let outcome = decide_by_plan(s, i, &reg, partner, manager, filed).await;
        match outcome {
            // A spelling variant of a customer already protected for the same products: left for the manager.
            Ok(()) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(count)
}

/// Plan by position: 0 stays submitted, 1 approved (with orders), 2 declined, 3 won, 4 lost,
/// 5 withdrawn, 6 approved briefly (it expires).
async fn decide_by_plan(
    s: &dyn Store,
    i: usize,
    reg: &store::Registration,
    partner: &Actor,
    manager: &Actor,
    filed: Timestamp,
) -> StoreResult<()> {
    let decided = filed.checked_add(26.hours()).unwrap_or(filed);
    let approve = |days: u32| Approval {
        validity: ValidityChoice::Days(days),
        acknowledge_conflicts: false,
        note: None,
    };
    // Plan: 0 stays submitted, 1 approved, 2 declined, 3 won, 4 lost, 5 withdrawn, 6 approved briefly (expires).
    match i % 7 {
        0 => Ok(()),
        1 => match s.approve_registration(manager, reg.id, approve(90), decided).await {
            Ok(approved) => {
                demo_order(
                    s,
                    partner,
                    &approved,
                    decided.checked_add(48.hours()).unwrap_or(decided),
                )
                .await
            }
            Err(e) => Err(e),
        },
        2 => s
            .decline_registration(
                manager,
                reg.id,
                "The end customer already buys direct from us".into(),
                decided,
            )
            .await
            .map(drop),
        3 | 4 => match s.approve_registration(manager, reg.id, approve(90), decided).await {
            Ok(_) => {
                let outcome = if i % 7 == 3 { Outcome::Won } else { Outcome::Lost };
                s.close_registration(
                    partner,
                    reg.id,
                    outcome,
                    None,
                    decided.checked_add(240.hours()).unwrap_or(decided),
                )
                .await
                .map(drop)
            }
            Err(e) => Err(e),
        },
        5 => s
            .withdraw_registration(partner, reg.id, Some("Customer postponed the project".into()), decided)
            .await
            .map(drop),
        _ => s
            .approve_registration(manager, reg.id, approve(14), decided)
            .await
            .map(drop),
    }
}

/// A PO under an approved registration: two of its first product, four pens (an accessory), and on
/// every other order a product the SOR does not cover, which order entry refuses.
async fn demo_order(s: &dyn Store, partner: &Actor, reg: &store::Registration, at: Timestamp) -> StoreResult<()> {
    let c = &reg.customer;
    let mut lines = vec![
        ProductLine {
            sku: reg.products[0].sku.clone(),
            quantity: 2,
        },
        ProductLine {
            sku: "PEN-ACT".into(),
            quantity: 4,
        },
    ];
    if reg.id % 2 == 0 && reg.products.iter().all(|p| p.sku != PRODUCTS[0].0) {
        lines.push(ProductLine {
            sku: PRODUCTS[0].0.into(),
            quantity: 1,
        });
    }
    let order = NewOrder {
        partner_id: None,
        po_number: format!("PO-{}", 4500 + reg.id),
        customer: Customer {
            name: c.name.clone(),
            domain: c.domain.clone(),
            tax_id: c.tax_id.clone(),
            city: c.city.clone(),
            postal_code: c.postal_code.clone(),
            country: c.country.clone(),
            segment: c.segment,
        },
        sor_number: reg.sor_number.as_deref().and_then(|n| n.parse().ok()),
        lines,
    };
    s.enter_order(partner, order, at).await.map(drop)
}
