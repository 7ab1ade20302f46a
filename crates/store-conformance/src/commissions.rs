//! Commissions (issue 15, items 1, 2, 4–7, 9): earned when an invoice is paid, never when issued;
//! clawed back by credit notes; one draft per partner, period and currency; confirmed only once the
//! period is complete, with the minimum payout carried; levels, plans and a partner's override; and
//! partners reading only their own.

use crate::{World, ts, user, world};
use domain::commissions::input::{
    BandInput, NewCategory, PartnerTerms, PlanInput, PlanVersionInput, RuleInput, parse_plan, parse_version,
};
use domain::commissions::{PartialPaymentPolicy, PeriodKind, PlanSource, PoState, ReviewStatus};
use domain::directory::input::NewPartner;
use domain::directory::{ActivationStage, PartnerLevel};
use domain::invoices::input::{NewCreditNote, NewInvoice, NewInvoiceLine, NewPayment};
use domain::{Actor, Currency, Role};
use jiff::Timestamp;
use jiff::civil::{Date, date};
use std::sync::Arc;
use store::*;

/// 2026-12-10: the suite's clock for these cases, in December.
fn december() -> Timestamp {
    ts("2026-12-10T10:00:00Z")
}

async fn finance(w: &World) -> Actor {
    user(w.store.as_ref(), "finance@vendor.example", Role::Finance, None).await
}

fn percent_rule(name: &str, category_id: Option<i64>, level_id: Option<i64>, kind: &str, rate_bp: i64) -> RuleInput {
    RuleInput {
        name: Some(name.into()),
        category_id,
        level_id,
        kind: Some(kind.into()),
        rate_bp: Some(rate_bp),
        ..RuleInput::default()
    }
}

fn category_id(categories: &[Category], name: &str) -> i64 {
    categories.iter().find(|c| c.name == name).unwrap().id
}

/// "Gold 2026" from 2026-01-01: displays 10 % of the amount, everything else 4 % of the margin; the
/// default plan of Gold, which every partner of the world is.
async fn gold_plan(w: &World, fin: &Actor, rules: Vec<RuleInput>) -> PlanView {
    let s = &w.store;
    let plan = parse_plan(&PlanInput {
        name: Some("Gold 2026".into()),
        deciding_date: None,
    })
    .unwrap();
    let plan = s.create_plan(fin, plan, december()).await.unwrap();
    let version = parse_version(&PlanVersionInput {
        effective_from: Some("2026-01-01".into()),
        effective_until: None,
        rules: Some(rules),
    })
    .unwrap();
    let plan = s.add_plan_version(fin, plan.id, version, december()).await.unwrap();
    let levels = s.list_levels(&w.admin).await.unwrap();
    let gold = levels.iter().find(|l| l.code == PartnerLevel::Gold).unwrap();
    s.update_level(
        &w.admin,
        gold.id,
        domain::commissions::input::NewLevel {
            name: gold.name.clone(),
            rank: gold.rank,
            default_plan_id: Some(plan.id),
            lead_weight: gold.lead_weight,
        },
        december(),
    )
    .await
    .unwrap();
    plan
}

async fn standard_plan(w: &World, fin: &Actor) -> PlanView {
    let categories = w.store.list_categories(fin).await.unwrap();
    let displays = category_id(&categories, "displays");
    gold_plan(
        w,
        fin,
        vec![
            percent_rule("Displays", Some(displays), None, "amount_percentage", 1_000),
            percent_rule("Everything else", None, None, "margin_percentage", 400),
        ],
    )
    .await
}

fn line(sku: &str, amount_minor: i64, cost_minor: i64) -> NewInvoiceLine {
    NewInvoiceLine {
        sku: sku.into(),
        description: None,
        quantity: 1,
        amount_minor,
        cost_minor,
    }
}

async fn issued_invoice(w: &World, fin: &Actor, number: &str, currency: &str, lines: Vec<NewInvoiceLine>) -> Invoice {
    let partner = w.partner_a.partner_id.unwrap();
    invoice_for(w, fin, partner, number, currency, lines).await
}

async fn invoice_for(
    w: &World,
    fin: &Actor,
    partner: i64,
    number: &str,
    currency: &str,
    lines: Vec<NewInvoiceLine>,
) -> Invoice {
    let invoice = NewInvoice {
        number: number.into(),
        partner_id: Some(partner),
        opportunity_id: None,
        order_id: None,
        currency: Currency::parse(currency).unwrap(),
        lines,
    };
    let draft = w.store.create_invoice(fin, invoice, december()).await.unwrap();
    w.store
        .issue_invoice(fin, draft.id, date(2026, 12, 1), december())
        .await
        .unwrap()
}

async fn pay(w: &World, fin: &Actor, invoice: &Invoice, id: &str, amount_minor: i64, on: Date) -> Invoice {
    let payment = NewPayment {
        external_id: id.into(),
        amount_minor,
        paid_on: on,
    };
    w.store
        .record_payment(fin, invoice.id, payment, december())
        .await
        .unwrap()
}

async fn credit(w: &World, fin: &Actor, invoice: &Invoice, id: &str, lines: Vec<(i64, i64)>, on: Date) -> Invoice {
    let note = NewCreditNote {
        external_id: id.into(),
        credited_on: on,
        lines,
    };
    w.store
        .record_credit_note(fin, invoice.id, note, december())
        .await
        .unwrap()
}

async fn orders_of(w: &World, actor: &Actor) -> Vec<CommissionOrder> {
    let page = w
        .store
        .list_commission_orders(actor, CommissionOrderFilter::default(), PageRequest::first(50))
        .await
        .unwrap();
    let mut orders = Vec::new();
    for order in page.items {
        orders.push(w.store.get_commission_order(actor, order.id).await.unwrap());
    }
    orders
}

/// Issue 15 item 9: a mixed invoice — a 10,000.00 display at 10 %, 2,000.00 of pens (cost 1,500.00)
/// at 4 % of the margin. Issued: nothing. Paid: a draft with 1,000.00 and 20.00. The same payment
/// again: nothing more. A refund of 2,500.00 on the display: −250.00 on the same draft. The rest
/// credited: every line nets to zero.
pub async fn a_paid_invoice_earns_and_its_refund_claws_back(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    standard_plan(&w, &fin).await;
    let invoice = issued_invoice(
        &w,
        &fin,
        "INV-100",
        "USD",
        vec![line("MB-100", 1_000_000, 600_000), line("PEN-2", 200_000, 150_000)],
    )
    .await;
    assert!(orders_of(&w, &fin).await.is_empty(), "issuing earns nothing");
    let preview = w.store.preview_invoice(&fin, invoice.id, december()).await.unwrap();
    assert_eq!(
        preview
            .lines
            .iter()
            .map(|l| l.commission.amount_minor)
            .collect::<Vec<_>>(),
        [100_000, 2_000]
    );
    assert_eq!(preview.earned.amount_minor, 0);
    let paid = pay(&w, &fin, &invoice, "BANK-100", 1_200_000, date(2026, 12, 3)).await;
    pay(&w, &fin, &invoice, "BANK-100", 1_200_000, date(2026, 12, 3)).await;
    let orders = orders_of(&w, &fin).await;
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(
        (order.state, order.period_label.as_str(), order.total.amount_minor),
        (PoState::Draft, "December 2026", 102_000)
    );
    assert_eq!(
        order.lines.iter().map(|l| l.amount.amount_minor).collect::<Vec<_>>(),
        [100_000, 2_000]
    );
    assert_eq!(
        order.lines[0].explanation,
        "10% of 10,000.00 USD amount under Gold 2026 v1, rule 'Displays'"
    );
    assert_eq!(
        order.lines[1].explanation,
        "4% of 500.00 USD margin under Gold 2026 v1, rule 'Everything else'"
    );
    let refunded = credit(&w, &fin, &paid, "CN-100", vec![(1, 250_000)], date(2026, 12, 5)).await;
    let order = &orders_of(&w, &fin).await[0];
    assert_eq!(order.lines.last().unwrap().amount.amount_minor, -25_000);
    assert_eq!(
        (
            order.total.amount_minor,
            order.earned.amount_minor,
            order.clawed_back.amount_minor
        ),
        (77_000, 102_000, -25_000)
    );
    credit(
        &w,
        &fin,
        &refunded,
        "CN-101",
        vec![(1, 750_000), (2, 200_000)],
        date(2026, 12, 6),
    )
    .await;
    let order = &orders_of(&w, &fin).await[0];
    assert_eq!(order.total.amount_minor, 0, "a fully credited invoice nets to zero");
    assert_eq!(order.line_count, 5);
    let preview = w.store.preview_invoice(&fin, invoice.id, december()).await.unwrap();
    assert_eq!((preview.total.amount_minor, preview.earned.amount_minor), (0, 0));
}

/// Issue 15 items 4 and 9: 4,000.00 of a 10,000.00 display invoice paid — nothing under the seed's
/// policy until the rest is paid; in proportion, 400.00 at once and 600.00 with the rest.
pub async fn partial_payments_earn_by_the_programs_policy(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    standard_plan(&w, &fin).await;
    let first = issued_invoice(&w, &fin, "INV-200", "USD", vec![line("MB-100", 1_000_000, 0)]).await;
    let first = pay(&w, &fin, &first, "BANK-200", 400_000, date(2026, 12, 2)).await;
    assert!(orders_of(&w, &fin).await.is_empty());
    pay(&w, &fin, &first, "BANK-201", 600_000, date(2026, 12, 4)).await;
    assert_eq!(orders_of(&w, &fin).await[0].total.amount_minor, 100_000);
    let mut settings = w.store.settings().await.unwrap();
    settings.commissions.partial_payment = PartialPaymentPolicy::Proportional;
    w.store.update_settings(&w.admin, settings, december()).await.unwrap();
    let second = issued_invoice(&w, &fin, "INV-201", "USD", vec![line("MB-100", 1_000_000, 0)]).await;
    let second = pay(&w, &fin, &second, "BANK-202", 400_000, date(2026, 12, 5)).await;
    let order = &orders_of(&w, &fin).await[0];
    assert_eq!(order.lines.last().unwrap().amount.amount_minor, 40_000);
    assert!(
        order
            .lines
            .last()
            .unwrap()
            .explanation
            .contains("(4,000.00 USD of 10,000.00 USD paid)")
    );
    pay(&w, &fin, &second, "BANK-203", 600_000, date(2026, 12, 6)).await;
    assert_eq!(orders_of(&w, &fin).await[0].total.amount_minor, 200_000);
    // An invoice paid in part before the policy changes keeps the policy it first earned under: the
    // rest of INV-202 earns all of its 1,000.00, not the 600.00 the new policy would leave.
    let third = issued_invoice(&w, &fin, "INV-202", "USD", vec![line("MB-100", 1_000_000, 0)]).await;
    let mut settings = w.store.settings().await.unwrap();
    settings.commissions.partial_payment = PartialPaymentPolicy::OnFullPayment;
    w.store.update_settings(&w.admin, settings, december()).await.unwrap();
    let third = pay(&w, &fin, &third, "BANK-204", 400_000, date(2026, 12, 7)).await;
    let mut settings = w.store.settings().await.unwrap();
    settings.commissions.partial_payment = PartialPaymentPolicy::Proportional;
    w.store.update_settings(&w.admin, settings, december()).await.unwrap();
    pay(&w, &fin, &third, "BANK-205", 600_000, date(2026, 12, 8)).await;
    assert_eq!(orders_of(&w, &fin).await[0].total.amount_minor, 300_000);
}

/// Issue 15 items 5, 6 and 9: a USD and a EUR invoice paid in December make two drafts; neither is
/// confirmed before the month is over; then USD 1,000.00 is paid, while EUR 40.00 is below the
/// 50.00 minimum and carries into January, where it is paid with January's earnings. A confirmed
/// order never takes a line: a later refund of December's business lands on January's draft.
pub async fn periods_confirm_once_complete_and_carry_below_the_minimum(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    standard_plan(&w, &fin).await;
    let mut settings = w.store.settings().await.unwrap();
    settings.commissions.minimum_payout.insert("EUR".into(), 5_000);
    w.store.update_settings(&w.admin, settings, december()).await.unwrap();
    let usd = issued_invoice(&w, &fin, "INV-300", "USD", vec![line("MB-100", 1_000_000, 0)]).await;
    let usd = pay(&w, &fin, &usd, "BANK-300", 1_000_000, date(2026, 12, 2)).await;
    let eur = issued_invoice(&w, &fin, "INV-301", "EUR", vec![line("MB-100", 40_000, 0)]).await;
    pay(&w, &fin, &eur, "BANK-301", 40_000, date(2026, 12, 3)).await;
    let orders = orders_of(&w, &fin).await;
    let currencies: Vec<_> = orders.iter().map(|o| o.currency.to_string()).collect();
    assert_eq!(currencies.len(), 2);
    assert!(currencies.contains(&"USD".to_owned()) && currencies.contains(&"EUR".to_owned()));
    let early = w.store.confirm_commission_order(&fin, orders[0].id, december()).await;
    assert!(matches!(early, Err(StoreError::Conflict { .. })), "{early:?}");
    let denied = w
        .store
        .confirm_commission_order(&w.west_manager, orders[0].id, ts("2027-01-02T10:00:00Z"))
        .await;
    assert!(matches!(denied, Err(StoreError::Forbidden(_))), "{denied:?}");
    let january = ts("2027-01-02T10:00:00Z");
    let mut confirmed = Vec::new();
    for order in &orders {
        confirmed.push(w.store.confirm_commission_order(&fin, order.id, january).await.unwrap());
    }
    let usd_order = confirmed.iter().find(|o| o.currency.as_str() == "USD").unwrap();
    let eur_order = confirmed.iter().find(|o| o.currency.as_str() == "EUR").unwrap();
    assert_eq!(usd_order.payout.unwrap().amount_minor, 100_000);
    assert_eq!(
        (
            eur_order.payout.unwrap().amount_minor,
            eur_order.carried_out.unwrap().amount_minor
        ),
        (0, 4_000)
    );
    assert!(
        eur_order
            .payout_sentence
            .as_deref()
            .unwrap()
            .contains("below the minimum payout of 50.00 EUR")
    );
    let again = w.store.confirm_commission_order(&fin, usd_order.id, january).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })));
    // A December refund after December is confirmed: a negative line on January's USD draft.
    credit(&w, &fin, &usd, "CN-300", vec![(1, 100_000)], date(2026, 12, 20)).await;
    let after = orders_of(&w, &fin).await;
    let confirmed_usd = after.iter().find(|o| o.id == usd_order.id).unwrap();
    assert_eq!(
        confirmed_usd.total.amount_minor, 100_000,
        "a confirmed order never changes"
    );
    let january_usd = after
        .iter()
        .find(|o| o.currency.as_str() == "USD" && o.state == PoState::Draft)
        .unwrap();
    assert_eq!(
        (january_usd.period_label.as_str(), january_usd.total.amount_minor),
        ("January 2027", -10_000)
    );
    // January's EUR business: 20.00 earned plus 40.00 carried reaches the minimum and is paid.
    let more = issued_invoice(&w, &fin, "INV-302", "EUR", vec![line("MB-100", 20_000, 0)]).await;
    pay(&w, &fin, &more, "BANK-302", 20_000, date(2027, 1, 5)).await;
    let eur_january = orders_of(&w, &fin)
        .await
        .into_iter()
        .find(|o| o.currency.as_str() == "EUR" && o.state == PoState::Draft)
        .unwrap();
    let paid = w
        .store
        .confirm_commission_order(&fin, eur_january.id, ts("2027-02-01T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (paid.carried_in.unwrap().amount_minor, paid.payout.unwrap().amount_minor),
        (4_000, 6_000)
    );
    // The USD January draft is negative: confirmed, it pays nothing and carries the debt.
    let usd_january = w
        .store
        .confirm_commission_order(&fin, january_usd.id, ts("2027-02-01T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (
            usd_january.payout.unwrap().amount_minor,
            usd_january.carried_out.unwrap().amount_minor
        ),
        (0, -10_000)
    );
}

/// Issue 15 item 5: under automatic confirmation the worker confirms only complete periods and the
/// partner's users are sent their statement; a partner on manual confirmation waits for finance.
pub async fn the_sweep_confirms_complete_periods_and_sends_statements(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    standard_plan(&w, &fin).await;
    let mut settings = w.store.settings().await.unwrap();
    settings.commissions.automatic_confirmation = true;
    settings.commissions.payout_period = PeriodKind::Week;
    w.store.update_settings(&w.admin, settings, december()).await.unwrap();
    let invoice = issued_invoice(&w, &fin, "INV-400", "USD", vec![line("MB-100", 500_000, 0)]).await;
    // Thursday 2026-12-03: week 49, Monday 11-30 to Sunday 12-06.
    pay(&w, &fin, &invoice, "BANK-400", 500_000, date(2026, 12, 3)).await;
    let order = &orders_of(&w, &fin).await[0];
    assert_eq!(
        (order.period_start, order.period_end, order.period_label.as_str()),
        (date(2026, 11, 30), date(2026, 12, 6), "Week 49, 2026")
    );
    let sunday = w.store.run_commission_sweep(ts("2026-12-06T20:00:00Z")).await.unwrap();
    assert_eq!(sunday.confirmed, 0, "the week is not over on its Sunday");
    let monday = w.store.run_commission_sweep(ts("2026-12-07T08:00:00Z")).await.unwrap();
    assert_eq!((monday.confirmed, monday.statements_queued), (1, 1));
    let again = w.store.run_commission_sweep(ts("2026-12-07T09:00:00Z")).await.unwrap();
    assert_eq!(again.confirmed, 0);
    let notes = w
        .store
        .list_notifications(&w.partner_a, PageRequest::first(10))
        .await
        .unwrap();
    let statement = notes
        .items
        .iter()
        .find(|n| n.kind == "commission_statement")
        .expect("the partner is sent its statement");
    assert!(
        statement.subject.contains("Week 49, 2026 (USD)"),
        "{}",
        statement.subject
    );
    assert!(statement.body.contains("500.00 USD paid out."), "{}", statement.body);
    // Partner A on manual confirmation from now: its next week waits.
    let terms = PartnerTerms {
        automatic_confirmation: Some(false),
        ..PartnerTerms::default()
    };
    w.store
        .set_partner_terms(&fin, w.partner_a.partner_id.unwrap(), terms, december())
        .await
        .unwrap();
    let next = issued_invoice(&w, &fin, "INV-401", "USD", vec![line("MB-100", 100_000, 0)]).await;
    pay(&w, &fin, &next, "BANK-401", 100_000, date(2026, 12, 9)).await;
    let later = w.store.run_commission_sweep(ts("2026-12-20T08:00:00Z")).await.unwrap();
    assert_eq!(later.confirmed, 0);
}

fn quarterly_tiers(mode: &str) -> RuleInput {
    RuleInput {
        name: Some("Quarter volume".into()),
        kind: Some("volume_tiers".into()),
        currency: Some("USD".into()),
        tier_period: Some("quarter".into()),
        tier_mode: Some(mode.into()),
        bands: Some(vec![
            BandInput {
                from_minor: Some(0),
                to_minor: Some(5_000_000),
                rate_bp: Some(500),
            },
            BandInput {
                from_minor: Some(5_000_001),
                to_minor: None,
                rate_bp: Some(700),
            },
        ]),
        ..RuleInput::default()
    }
}

/// Issue 15 items 2 and 9 (research N1): quarterly tiers — 0–50,000.00 at 5 %, above at 7 % — over
/// two invoices of one quarter. Retroactive (Gold's plan, partner A): 40,000.00 earns 2,000.00;
/// 20,000.00 more lifts the quarter to 7 % of 60,000.00 = 4,200.00, so it earns 2,200.00.
/// Incremental (partner B's own plan): 2,000.00, then 10,000.00 at 5 % and 10,000.00 at 7 % = 1,200.00.
pub async fn volume_tiers_count_the_partners_quarter(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    let s = &w.store;
    gold_plan(&w, &fin, vec![quarterly_tiers("retroactive")]).await;
    let plan = parse_plan(&PlanInput {
        name: Some("Contoso incremental".into()),
        deciding_date: None,
    })
    .unwrap();
    let plan = s.create_plan(&fin, plan, december()).await.unwrap();
    let version = parse_version(&PlanVersionInput {
        effective_from: Some("2026-10-01".into()),
        effective_until: Some("2026-12-31".into()),
        rules: Some(vec![quarterly_tiers("incremental")]),
    })
    .unwrap();
    s.add_plan_version(&fin, plan.id, version, december()).await.unwrap();
    let terms = PartnerTerms {
        own_plan_id: Some(plan.id),
        ..PartnerTerms::default()
    };
    s.set_partner_terms(&fin, w.partner_b.partner_id.unwrap(), terms, december())
        .await
        .unwrap();
    for (partner, prefix, second) in [(&w.partner_a, "A", 220_000), (&w.partner_b, "B", 120_000)] {
        let pid = partner.partner_id.unwrap();
        let first = invoice_for(
            &w,
            &fin,
            pid,
            &format!("INV-{prefix}1"),
            "USD",
            vec![line("MB-100", 4_000_000, 0)],
        )
        .await;
        pay(
            &w,
            &fin,
            &first,
            &format!("BANK-{prefix}1"),
            4_000_000,
            date(2026, 12, 2),
        )
        .await;
        let next = invoice_for(
            &w,
            &fin,
            pid,
            &format!("INV-{prefix}2"),
            "USD",
            vec![line("MB-200", 2_000_000, 0)],
        )
        .await;
        pay(
            &w,
            &fin,
            &next,
            &format!("BANK-{prefix}2"),
            2_000_000,
            date(2026, 12, 4),
        )
        .await;
        let lines: Vec<i64> = orders_of(&w, partner)
            .await
            .iter()
            .flat_map(|o| o.lines.iter().map(|l| l.amount.amount_minor))
            .collect();
        assert_eq!(lines, [200_000, second], "partner {prefix}");
    }
}

/// Issue 15 items 1 and 8: a partner's own plan overrides its level's; the level and stage history is
/// kept; a review due soon reminds the region's manager once; a rule for a parent category covers
/// its subcategory; and a partner reads only its own commissions.
pub async fn levels_plans_and_partners_keep_to_their_own(store: Arc<dyn Store>) {
    let w = world(store).await;
    let fin = finance(&w).await;
    let s = &w.store;
    let plan = standard_plan(&w, &fin).await;
    let program = s
        .partner_program(&w.partner_a, w.partner_a.partner_id.unwrap(), december())
        .await
        .unwrap();
    assert_eq!(
        (program.plan_id, program.plan_source),
        (Some(plan.id), Some(PlanSource::Level))
    );
    let hidden = s
        .partner_program(&w.partner_b, w.partner_a.partner_id.unwrap(), december())
        .await;
    assert!(matches!(hidden, Err(StoreError::NotFound(_))), "{hidden:?}");
    // Hardware › Displays: a rule for the parent covers displays.
    let hardware = s
        .create_category(
            &fin,
            NewCategory {
                name: "Hardware".into(),
                parent_id: None,
            },
            december(),
        )
        .await
        .unwrap();
    let displays = category_id(&s.list_categories(&fin).await.unwrap(), "displays");
    let moved = s
        .set_category_parent(&fin, displays, Some(hardware.id), december())
        .await
        .unwrap();
    assert_eq!(moved.path, "Hardware › displays");
    let cycle = s
        .set_category_parent(&fin, hardware.id, Some(displays), december())
        .await;
    assert!(matches!(cycle, Err(StoreError::Invalid(_))), "{cycle:?}");
    let own = parse_plan(&PlanInput {
        name: Some("Northwind special".into()),
        deciding_date: Some("payment".into()),
    })
    .unwrap();
    let own = s.create_plan(&fin, own, december()).await.unwrap();
    let version = parse_version(&PlanVersionInput {
        effective_from: Some("2026-06-01".into()),
        effective_until: None,
        rules: Some(vec![percent_rule(
            "Hardware",
            Some(hardware.id),
            None,
            "amount_percentage",
            1_500,
        )]),
    })
    .unwrap();
    s.add_plan_version(&fin, own.id, version, december()).await.unwrap();
    let terms = PartnerTerms {
        own_plan_id: Some(own.id),
        next_review_on: Some(date(2026, 12, 15)),
        ..PartnerTerms::default()
    };
    let program = s
        .set_partner_terms(&fin, w.partner_a.partner_id.unwrap(), terms, december())
        .await
        .unwrap();
    assert_eq!(program.plan_source, Some(PlanSource::Partner));
    assert_eq!(program.review_status, ReviewStatus::DueSoon);
    let invoice = issued_invoice(&w, &fin, "INV-600", "USD", vec![line("MB-100", 1_000_000, 0)]).await;
    pay(&w, &fin, &invoice, "BANK-600", 1_000_000, date(2026, 12, 2)).await;
    let order = &orders_of(&w, &fin).await[0];
    assert_eq!(
        order.lines[0].explanation,
        "15% of 10,000.00 USD amount under Northwind special v1, rule 'Hardware'"
    );
    // The level history: Gold from the start, Silver from today.
    let partner = s.get_partner(&w.admin, w.partner_a.partner_id.unwrap()).await.unwrap();
    s.update_partner(
        &w.admin,
        partner.id,
        NewPartner {
            name: partner.name.clone(),
            level: PartnerLevel::Silver,
            activation_stage: ActivationStage::RampUp,
            region_id: partner.region_id,
            reach: partner.reach.clone(),
        },
        december(),
    )
    .await
    .unwrap();
    let program = s.partner_program(&fin, partner.id, december()).await.unwrap();
    let levels: Vec<_> = program.history.iter().map(|h| (h.level, h.effective_on)).collect();
    assert_eq!(
        levels,
        [
            (PartnerLevel::Gold, date(2026, 11, 22)),
            (PartnerLevel::Silver, date(2026, 12, 10))
        ]
    );
    // The review reminder reaches the West manager once.
    let first = s.run_commission_sweep(december()).await.unwrap();
    let second = s.run_commission_sweep(december()).await.unwrap();
    assert_eq!((first.review_reminders, second.review_reminders), (1, 0));
    // Partners read their own orders and report only.
    assert_eq!(orders_of(&w, &w.partner_a).await.len(), 1);
    assert!(orders_of(&w, &w.partner_b).await.is_empty());
    let foreign = s.get_commission_order(&w.partner_b, order.id).await;
    assert!(matches!(foreign, Err(StoreError::NotFound(_))), "{foreign:?}");
    let preview = s.preview_invoice(&w.partner_b, invoice.id, december()).await;
    assert!(matches!(preview, Err(StoreError::NotFound(_))), "{preview:?}");
    let report = s
        .commission_report(&w.partner_b, ReportFilter::default())
        .await
        .unwrap();
    assert!(report.is_empty());
    let report = s.commission_report(&fin, ReportFilter::default()).await.unwrap();
    assert_eq!(
        (report.len(), report[0].earned_minor, report[0].draft_minor),
        (1, 150_000, 150_000)
    );
    let sales = user(s.as_ref(), "rep@vendor.example", Role::Sales, None).await;
    let denied = s.commission_report(&sales, ReportFilter::default()).await;
    assert!(matches!(denied, Err(StoreError::Forbidden(_))), "{denied:?}");
}
