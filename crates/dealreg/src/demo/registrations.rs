//! The demo's registrations: filed over the last four months by every partner, more each week as
//! the program grows, each taken as far as its plan says — approved (with orders, some expiring
//! soon, some with a pending extension or update request), declined, won, lost, withdrawn, left to
//! expire, or (the newest, and spelling variants of a protected customer) waiting for the manager;
//! some with a conversation or a letter of intent. Decision times and dates vary from one
//! registration to the next by a fixed pseudo-random sequence, so the charts have shape and every
//! run is the same.

use super::data::{PRODUCTS, contact_input, customer_input};
use domain::Actor;
use domain::directory::customers::Customer;
use domain::directory::products::{ProductLine, ProductLineInput};
use domain::money::MoneyInput;
use domain::orders::input::NewOrder;
use domain::registrations::ValidityChoice;
use domain::registrations::discussion::parse_attachment;
use domain::registrations::input::{Approval, ChangeRequest, NewRegistrationInput, Outcome, parse_new_registration};
use jiff::{Timestamp, ToSpan};
use store::{Store, StoreError, StoreResult};

/// Registrations the demo files.
const REGISTRATIONS: usize = 48;

/// What the demo filed.
pub(super) struct Filed {
    pub(super) registrations: usize,
    pub(super) orders: usize,
}

/// A fixed pseudo-random number for the `i`-th registration (splitmix64): varied, yet the same on
/// every run, so tests over the demo stay stable.
fn spread(i: usize, salt: u64) -> u64 {
    let mut x = (i as u64 + 1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Days before today the `i`-th registration is filed: 131 for the first, 2 for the last, closer
/// together towards today (a growing program files more each week).
fn filed_days_ago(i: usize) -> i64 {
    let left = (REGISTRATIONS - 1 - i) as i64;
    2 + left * (left + 30) / 28
}

/// Everything the demo does happens in the past: a step planned after `now` happens just before it.
fn by(t: Timestamp, now: Timestamp) -> Timestamp {
    t.min(now.checked_sub(1.hour()).unwrap_or(now))
}

fn later(t: Timestamp, hours: i64) -> Timestamp {
    t.checked_add(hours.hours()).unwrap_or(t)
}

/// Files the registrations and decides each by its plan.
pub(super) async fn file_and_decide(
    s: &dyn Store,
    partners: &[(Actor, Actor)],
    order_entry: &Actor,
    now: Timestamp,
) -> anyhow::Result<Filed> {
    let mut filed = Filed {
        registrations: 0,
        orders: 0,
    };
    for i in 0..REGISTRATIONS {
        let (partner, manager) = &partners[i % partners.len()];
        let at = now
            .checked_sub((filed_days_ago(i) * 24 - 8 - (spread(i, 1) % 9) as i64).hours())
            .unwrap_or(now);
        let filed_day = at.to_zoned(jiff::tz::TimeZone::UTC).date();
        // Neighbouring customers are often spelling variants of one organisation: giving them the same
        // display product makes their registrations conflict, as they would in real life.
        let skus: Vec<&str> = [PRODUCTS[(i / 2) % 8].0, PRODUCTS[13 + i % 3].0, PRODUCTS[19 + i % 10].0].to_vec();
        let input = NewRegistrationInput {
            customer: Some(customer_input(i)),
            customer_contact: contact_input(i),
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
        let reg = s.submit_registration(partner, parsed, at).await?;
        filed.registrations += 1;
        let people = People {
            partner,
            manager,
            order_entry,
        };
        discuss(s, i, &reg, &people, at, now).await?;
        match decide_by_plan(s, i, &reg, &people, at, now).await {
            Ok(orders) => filed.orders += orders,
            // A spelling variant of a customer already protected for the same products: left for the manager.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filed)
}

/// A one-page PDF: the letters of intent partners attach, the quotes they share.
pub(super) const ONE_PAGE_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/MediaBox[0 0 612 792]/Parent 2 0 R/Resources<<>>>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

/// Some registrations carry a conversation: the partner asks about timing and the manager answers;
/// others a letter of intent from the customer.
async fn discuss(
    s: &dyn Store,
    i: usize,
    reg: &store::Registration,
    who: &People<'_>,
    filed: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    if i.is_multiple_of(5) || i.is_multiple_of(9) {
        let board = reg.expected_close_date.saturating_sub(14.days());
        let ask = format!(
            "{}'s board meets on {board}. A decision before then would let us quote with the SOR.",
            reg.customer.name
        );
        s.add_comment(who.partner, reg.id, ask, by(later(filed, 2), now))
            .await?;
        let question =
            "Thanks. Is this for the whole organisation or one site? Another partner registered a site of theirs.";
        s.add_comment(who.manager, reg.id, question.into(), by(later(filed, 5), now))
            .await?;
        // Half of the partners have answered; the others' answers are still due.
        if i.is_multiple_of(10) {
            let answer = "The whole organisation: every site in the description.";
            s.add_comment(who.partner, reg.id, answer.into(), by(later(filed, 8), now))
                .await?;
        }
    }
    if i % 7 == 1 {
        let file = parse_attachment(
            &format!("Letter of intent {}.pdf", reg.customer.name),
            ONE_PAGE_PDF.to_vec(),
        )
        .map_err(StoreError::Invalid)?;
        s.add_attachment(who.partner, reg.id, file, by(later(filed, 1), now))
            .await?;
    }
    Ok(())
}

struct People<'a> {
    partner: &'a Actor,
    manager: &'a Actor,
    order_entry: &'a Actor,
}

/// Plan by position (`i % 7`): 0 approved without orders yet, 1 approved with orders (every other one ending
/// within 30 days; two of those with a pending request), 2 declined, 3 won after an order, 4 lost,
/// 5 withdrawn, 6 approved briefly (it expires; some are then cited on a PO, which is refused). The
/// newest registrations, and plan 0's of the last month, wait for their manager. Returns how many
/// orders were entered.
async fn decide_by_plan(
    s: &dyn Store,
    i: usize,
    reg: &store::Registration,
    who: &People<'_>,
    filed: Timestamp,
    now: Timestamp,
) -> StoreResult<usize> {
    // From an hour to six days: managers are quick on some days and slow on others.
    let decided = by(later(filed, 1 + (spread(i, 2) % 150) as i64), now);
    let round = i / 7;
    // The newest registrations wait for their manager; so do plan 0's of the last month.
    if filed_days_ago(i) <= 5 || (i.is_multiple_of(7) && filed_days_ago(i) <= 30) {
        return Ok(0);
    }
    match i % 7 {
        0 => s
            .approve_registration(who.manager, reg.id, approve(ValidityChoice::ProgramDefault), decided)
            .await
            .map(|_| 0),
        1 => approve_with_orders(s, i, reg, who, decided, now).await,
        2 => s
            .decline_registration(
                who.manager,
                reg.id,
                "The end customer already buys direct from us".into(),
                decided,
            )
            .await
            .map(|_| 0),
        3 | 4 => {
            let approved = s
                .approve_registration(who.manager, reg.id, approve(ValidityChoice::ProgramDefault), decided)
                .await?;
            let mut orders = 0;
            let outcome = if i % 7 == 3 {
                let lines = vec![line(&approved.products[0].sku, 1), line(&approved.products[1].sku, 1)];
                order(s, who.partner, None, &approved, "", lines, by(later(decided, 72), now)).await?;
                orders += 1;
                Outcome::Won
            } else {
                Outcome::Lost
            };
            s.close_registration(who.partner, reg.id, outcome, None, by(later(decided, 240), now))
                .await?;
            Ok(orders)
        }
        5 => s
            .withdraw_registration(
                who.partner,
                reg.id,
                Some("Customer postponed the project".into()),
                decided,
            )
            .await
            .map(|_| 0),
        _ => {
            let approved = s
                .approve_registration(who.manager, reg.id, approve(ValidityChoice::Days(14)), decided)
                .await?;
            // Weeks later the partner sends a PO citing the lapsed SOR: refused, with the reason.
            let late = later(decided, 20 * 24);
            if round % 2 == 1 && late < now {
                let lines = vec![line(&approved.products[0].sku, 2)];
                order(s, who.order_entry, who.partner.partner_id, &approved, "", lines, late).await?;
                return Ok(1);
            }
            Ok(0)
        }
    }
}

/// Plan 1: approved (every other one ending within 30 days), ordered against, some with a follow-on
/// order from order entry, two with a request waiting for the manager. Returns the orders entered.
async fn approve_with_orders(
    s: &dyn Store,
    i: usize,
    reg: &store::Registration,
    who: &People<'_>,
    decided: Timestamp,
    now: Timestamp,
) -> StoreResult<usize> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let round = i / 7;
    let validity = if round.is_multiple_of(2) {
        ValidityChoice::Through(today.saturating_add((3 + (spread(i, 3) % 25) as i64).days()))
    } else {
        ValidityChoice::ProgramDefault
    };
    let approved = s
        .approve_registration(who.manager, reg.id, approve(validity), decided)
        .await?;
    let mut lines = vec![line(&approved.products[0].sku, 2), line("PEN-ACT", 4)];
    // Every other PO also asks for a display the SOR does not cover: that line is refused.
    if reg.id % 2 == 0 && approved.products.iter().all(|p| p.sku != PRODUCTS[0].0) {
        lines.push(line(PRODUCTS[0].0, 1));
    }
    let mut orders = 1;
    order(s, who.partner, None, &approved, "", lines, by(later(decided, 48), now)).await?;
    // A follow-on order of the project, sent to order entry, draws on the same SOR.
    if round % 2 == 1 {
        let follow_on = vec![line(&approved.products[0].sku, 3), line(&approved.products[1].sku, 1)];
        let at = by(later(decided, 20 * 24), now);
        order(
            s,
            who.order_entry,
            who.partner.partner_id,
            &approved,
            "-2",
            follow_on,
            at,
        )
        .await?;
        orders += 1;
    }
    // Two SORs ending soon have a request waiting for the manager: an extension, an update.
    let asked = by(
        later(decided, 24 * 30),
        now.checked_sub((i as i64).hours()).unwrap_or(now),
    );
    let request = match round {
        2 => Some(ChangeRequest::Extension {
            valid_through: today.saturating_add(75.days()),
        }),
        4 => Some(ChangeRequest::Update {
            lines: Some(approved.products.iter().map(|p| line(&p.sku, p.quantity + 5)).collect()),
            estimated_value: None,
            expected_close: None,
        }),
        _ => None,
    };
    if let Some(change) = request {
        let reason = "The district added five classrooms to the project".to_owned();
        s.request_change(who.partner, reg.id, change, Some(reason), asked)
            .await?;
    }
    Ok(orders)
}

/// The manager's approval, without acknowledging conflicts: a spelling variant of a protected
/// customer is left waiting.
fn approve(validity: ValidityChoice) -> Approval {
    Approval {
        validity,
        acknowledge_conflicts: false,
        note: None,
    }
}

fn line(sku: &str, quantity: i64) -> ProductLine {
    ProductLine {
        sku: sku.to_owned(),
        quantity,
    }
}

/// A PO for `reg`'s customer citing its SOR, numbered after the registration (plus `suffix`),
/// entered by the partner itself or by order entry for it (`for_partner`).
async fn order(
    s: &dyn Store,
    by: &Actor,
    for_partner: Option<i64>,
    reg: &store::Registration,
    suffix: &str,
    lines: Vec<ProductLine>,
    at: Timestamp,
) -> StoreResult<()> {
    let c = &reg.customer;
    let order = NewOrder {
        partner_id: for_partner,
        po_number: format!("PO-{}{suffix}", 4500 + reg.id),
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
    s.enter_order(by, order, at).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_filed_over_four_months_closer_together_towards_today() {
        assert_eq!(filed_days_ago(0), 131);
        assert_eq!(filed_days_ago(REGISTRATIONS - 1), 2);
        let gaps: Vec<i64> = (1..REGISTRATIONS)
            .map(|i| filed_days_ago(i - 1) - filed_days_ago(i))
            .collect();
        assert!(gaps.iter().all(|g| *g >= 0));
        assert!(gaps[0] > gaps[gaps.len() - 1]);
    }
}
