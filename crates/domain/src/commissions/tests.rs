//! The rules with concrete amounts and dates: issue 15 item 9 and research/commissions.md section 3
//! (N1, N2, N7, N9, N10 and the two assertions after N12).

use super::*;
use crate::{Currency, Money};
use jiff::civil::{Date, date};

pub(super) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

pub(super) fn band(from: i64, to: Option<i64>, rate_bp: u32) -> Band {
    Band { from, to, rate_bp }
}

/// Research N1: 0–50,000.00 at 5 %, 50,000.01–100,000.00 at 7 %, above at 10 %.
pub(super) fn quarterly_tiers(mode: TierMode) -> RuleKind {
    let bands = vec![
        band(0, Some(5_000_000), 500),
        band(5_000_001, Some(10_000_000), 700),
        band(10_000_001, None, 1_000),
    ];
    RuleKind::VolumeTiers {
        tiers: Tiers {
            period: PeriodKind::Quarter,
            mode,
            bands: Bands::new(currency("USD"), bands, "bands").unwrap(),
        },
    }
}

/// Sections: up to 999.99 at 5 %, 1,000.00–4,999.99 at 8 %, from 5,000.00 at 10 %.
pub(super) fn sections() -> RuleKind {
    let bands = vec![
        band(0, Some(99_999), 500),
        band(100_000, Some(499_999), 800),
        band(500_000, None, 1_000),
    ];
    RuleKind::Sections {
        bands: Bands::new(currency("USD"), bands, "bands").unwrap(),
    }
}

pub(super) fn rule(id: i64, name: &str, category_id: Option<i64>, level_id: Option<i64>, kind: RuleKind) -> Rule {
    Rule {
        id,
        name: name.into(),
        category_id,
        level_id,
        kind,
    }
}

pub(super) fn gold_plan(deciding_date: DecidingDate) -> Plan {
    Plan {
        id: 7,
        name: "Gold 2026".into(),
        deciding_date,
    }
}

pub(super) fn version(id: i64, number: u32, from: Date, until: Option<Date>, rules: Vec<Rule>) -> PlanVersion {
    PlanVersion {
        id,
        plan_id: 7,
        number,
        effective_from: from,
        effective_until: until,
        rules,
    }
}

/// What an event on a line under `kind` earns, in USD, with `prior` volume in the period.
pub(super) fn earned(kind: &RuleKind, before: Standing, after: Standing, prior: i64) -> i64 {
    earned_in(kind, currency("USD"), before, after, prior).map_or(0, |line| line.amount)
}

pub(super) fn earned_in(
    kind: &RuleKind,
    currency: Currency,
    before: Standing,
    after: Standing,
    prior: i64,
) -> Option<CommissionLine> {
    let plan = gold_plan(DecidingDate::Invoice);
    let version = version(
        21,
        2,
        date(2026, 1, 1),
        None,
        vec![rule(5, "Software", Some(10), None, kind.clone())],
    );
    let applied = AppliedRule {
        plan: &plan,
        version: &version,
        rule: &version.rules[0],
    };
    line_commission(applied, currency, &before, &after, prior)
}

fn paid(line: LineState) -> Standing {
    Standing {
        line,
        share: Share::ALL,
    }
}

/// Software (category 10, under Products 1) and Hardware (20, under Products) and a service without
/// a category, for a Gold partner (level 3).
const SOFTWARE: &[i64] = &[10, 1];
const HARDWARE: &[i64] = &[20, 1];

fn mixed_plan() -> Vec<Rule> {
    vec![
        rule(1, "Everything", None, None, RuleKind::AmountPercentage { rate_bp: 200 }),
        rule(
            2,
            "Software",
            Some(10),
            None,
            RuleKind::MarginPercentage { rate_bp: 1_200 },
        ),
        rule(
            3,
            "Products",
            Some(1),
            None,
            RuleKind::AmountPercentage { rate_bp: 500 },
        ),
    ]
}

#[test]
fn percentage_by_category_on_a_mixed_invoice_earns_when_paid_and_claws_back_on_refund() {
    let rules = mixed_plan();
    let usd = currency("USD");
    let context = |chain| LineContext {
        category_chain: chain,
        level_id: Some(3),
        currency: usd,
    };
    // Software 1,000.00 costing 400.00; hardware 2,000.00; a service 500.00.
    let lines = [
        (context(SOFTWARE), LineState::new(100_000, 40_000)),
        (context(HARDWARE), LineState::new(200_000, 150_000)),
        (context(&[]), LineState::new(50_000, 0)),
    ];
    let names: Vec<_> = lines
        .iter()
        .map(|(c, _)| matching_rule(&rules, c).unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["Software", "Products", "Everything"]);
    let invoice_total: i64 = lines.iter().map(|(_, l)| l.net_amount()).sum();
    let policy = PartialPaymentPolicy::OnFullPayment;
    let on_paying = |paid_before: i64, paid_after: i64| -> Vec<i64> {
        lines
            .iter()
            .map(|(c, line)| {
                let kind = &matching_rule(&rules, c).unwrap().kind;
                let before = Standing {
                    line: *line,
                    share: paid_share(policy, invoice_total, paid_before),
                };
                let after = Standing {
                    line: *line,
                    share: paid_share(policy, invoice_total, paid_after),
                };
                earned(kind, before, after, 0)
            })
            .collect()
    };
    // Issued: nothing. Paid: 12 % of the 600.00 margin, 5 % of 2,000.00, 2 % of 500.00.
    assert_eq!(on_paying(0, 0), [0, 0, 0]);
    assert_eq!(on_paying(0, invoice_total), [7_200, 10_000, 1_000]);
    // A credit note for the whole software line claws back exactly what it earned.
    let software = lines[0].1;
    let credited = credit_line(software, 100_000, None, usd).unwrap();
    assert_eq!((credited.net_amount(), credited.net_cost()), (0, 0));
    let kind = &rules[1].kind;
    assert_eq!(earned(kind, paid(software), paid(credited), 0), -7_200);
    // Half of it: the margin falls from 600.00 to 300.00, −36.00.
    let half = credit_line(software, 50_000, None, usd).unwrap();
    assert_eq!(half.net_cost(), 20_000);
    assert_eq!(earned(kind, paid(software), paid(half), 0), -3_600);
}

#[test]
fn every_figure_says_where_it_comes_from() {
    let margin = RuleKind::MarginPercentage { rate_bp: 1_200 };
    let line = LineState::new(150_000, 50_000);
    let earning = earned_in(&margin, currency("USD"), Standing::unpaid(line), paid(line), 0).unwrap();
    assert_eq!(earning.amount, 12_000);
    assert_eq!(
        earning.explanation.sentence(),
        "12% of 1,000.00 USD margin under Gold 2026 v2, rule 'Software'"
    );
    assert_eq!((earning.explanation.version_id, earning.explanation.rule_id), (21, 5));
    let credited = credit_line(line, 30_000, Some(0), currency("USD")).unwrap();
    let claw_back = earned_in(&margin, currency("USD"), paid(line), paid(credited), 0).unwrap();
    assert_eq!(claw_back.amount, -3_600);
    assert_eq!(
        claw_back.explanation.sentence(),
        "12% of 700.00 USD margin is 84.00 USD, less 120.00 USD earned on this line before under Gold 2026 v2, rule 'Software'"
    );
    let half = Standing {
        line,
        share: Share::new(75_000, 150_000).unwrap(),
    };
    let partial = earned_in(&margin, currency("USD"), Standing::unpaid(line), half, 0).unwrap();
    assert_eq!(
        partial.explanation.sentence(),
        "12% of 1,000.00 USD margin (750.00 USD of 1,500.00 USD paid) under Gold 2026 v2, rule 'Software'"
    );
    let tiers = quarterly_tiers(TierMode::Retroactive);
    let sale = LineState::new(4_000_000, 0);
    let tiered = earned_in(&tiers, currency("USD"), Standing::unpaid(sale), paid(sale), 3_000_000).unwrap();
    assert_eq!(tiered.amount, 340_000);
    assert_eq!(
        tiered.explanation.sentence(),
        "Retroactive tier 7% of 70,000.00 USD period volume is 4,900.00 USD, less 1,500.00 USD earned on the period's \
         earlier business under Gold 2026 v2, rule 'Software'"
    );
}

#[test]
fn the_most_specific_rule_decides() {
    let eur_sections = RuleKind::Sections {
        bands: Bands::new(currency("EUR"), vec![band(0, None, 900)], "bands").unwrap(),
    };
    let pct = |bp| RuleKind::AmountPercentage { rate_bp: bp };
    let rules = vec![
        rule(1, "Any", None, None, pct(100)),
        rule(2, "Gold", None, Some(3), pct(200)),
        rule(3, "Products", Some(1), None, pct(300)),
        rule(4, "Software", Some(10), None, pct(400)),
        rule(5, "Products for Gold", Some(1), Some(3), pct(500)),
        rule(6, "Software in EUR", Some(10), None, eur_sections),
        rule(7, "Also any", None, None, pct(600)),
    ];
    let chosen = |chain: &[i64], level, code| {
        let line = LineContext {
            category_chain: chain,
            level_id: level,
            currency: currency(code),
        };
        matching_rule(&rules, &line).map(|r| r.name.clone())
    };
    // Category and level beats category alone, even a nearer one.
    assert_eq!(chosen(SOFTWARE, Some(3), "USD").as_deref(), Some("Products for Gold"));
    // Without the level: the product's own category before its parent; in EUR, the EUR rule first.
    assert_eq!(chosen(SOFTWARE, Some(1), "USD").as_deref(), Some("Software"));
    assert_eq!(chosen(SOFTWARE, None, "EUR").as_deref(), Some("Software in EUR"));
    assert_eq!(chosen(HARDWARE, None, "USD").as_deref(), Some("Products"));
    // Level beats a rule for everything; of two rules for everything, the older.
    assert_eq!(chosen(&[], Some(3), "USD").as_deref(), Some("Gold"));
    assert_eq!(chosen(&[99], None, "USD").as_deref(), Some("Any"));
    assert_eq!(
        matching_rule(
            &rules[5..6],
            &LineContext {
                category_chain: SOFTWARE,
                level_id: None,
                currency: currency("USD")
            }
        ),
        None
    );
}

#[test]
fn a_partners_own_plan_and_the_date_that_decides_choose_the_terms() {
    // After N12: Silver terms 8 % before 2025-04-01, Gold 12 % from then; closed 2025-03-31, invoiced
    // 2025-04-05, 10,000.00.
    let pct = |bp| vec![rule(1, "All", None, None, RuleKind::AmountPercentage { rate_bp: bp })];
    let versions = vec![
        version(1, 1, date(2025, 1, 1), Some(date(2025, 3, 31)), pct(800)),
        version(2, 2, date(2025, 4, 1), None, pct(1_200)),
    ];
    let dates = DecisionDates {
        close: Some(date(2025, 3, 31)),
        invoice: date(2025, 4, 5),
        first_payment: date(2025, 5, 2),
    };
    let line = LineContext {
        category_chain: &[],
        level_id: None,
        currency: currency("USD"),
    };
    let sale = LineState::new(1_000_000, 0);
    let by = |deciding| {
        let plan = gold_plan(deciding);
        let applied = applied_rule(&plan, &versions, &dates, &line).unwrap();
        line_commission(applied, currency("USD"), &Standing::unpaid(sale), &paid(sale), 0)
            .unwrap()
            .amount
    };
    assert_eq!(by(DecidingDate::Close), 80_000);
    assert_eq!(by(DecidingDate::Invoice), 120_000);
    assert_eq!(by(DecidingDate::Payment), 120_000);
    assert_eq!(input::DEFAULT_DECIDING_DATE, DecidingDate::Invoice);
    // Without an opportunity, the close date is the invoice date.
    assert_eq!(
        DecisionDates { close: None, ..dates }.deciding(DecidingDate::Close),
        date(2025, 4, 5)
    );
    let early = DecisionDates {
        close: None,
        invoice: date(2024, 12, 31),
        first_payment: date(2025, 1, 2),
    };
    let plan = gold_plan(DecidingDate::Invoice);
    let refused = applied_rule(&plan, &versions, &early, &line).unwrap_err();
    assert_eq!(
        refused.reason(),
        "No version of Gold 2026 is in force on 2024-12-31 (invoice date)."
    );
    // A later version supersedes an open-ended one.
    let superseding = vec![versions[1].clone(), version(3, 3, date(2025, 7, 1), None, pct(1_500))];
    assert_eq!(version_in_force(&superseding, date(2025, 6, 30)).unwrap().number, 2);
    assert_eq!(version_in_force(&superseding, date(2025, 7, 1)).unwrap().number, 3);
}

#[test]
fn section_bounds_belong_to_their_band_on_both_edges() {
    let kind = sections();
    let at = |amount| {
        earned(
            &kind,
            Standing::unpaid(LineState::new(amount, 0)),
            paid(LineState::new(amount, 0)),
            0,
        )
    };
    assert_eq!(at(99_999), 5_000); // 999.99 at 5 %: 50.00 (49.9995 rounds up)
    assert_eq!(at(100_000), 8_000); // 1,000.00 at 8 %
    assert_eq!(at(499_999), 40_000); // 4,999.99 at 8 %: 399.9992 → 400.00
    assert_eq!(at(500_000), 50_000); // 5,000.00 at 10 %
    assert_eq!(at(0), 0);
}

#[test]
fn the_margin_is_never_negative() {
    let kind = RuleKind::MarginPercentage { rate_bp: 1_500 };
    let at_a_loss = LineState::new(100_000, 120_000);
    assert_eq!(at_a_loss.margin(), 0);
    assert!(earned_in(&kind, currency("USD"), Standing::unpaid(at_a_loss), paid(at_a_loss), 0).is_none());
    // Crediting part of a loss-making line claws back nothing either.
    let credited = credit_line(at_a_loss, 50_000, None, currency("USD")).unwrap();
    assert_eq!(earned(&kind, paid(at_a_loss), paid(credited), 0), 0);
}

/// Research N1: three invoices in Q1 2025, each paid in full, through `line_commission`.
fn quarter_deltas(mode: TierMode) -> Vec<i64> {
    let kind = quarterly_tiers(mode);
    let mut volume = 0;
    [3_000_000, 4_000_000, 5_000_000]
        .into_iter()
        .map(|amount| {
            let line = LineState::new(amount, 0);
            let delta = earned(&kind, Standing::unpaid(line), paid(line), volume);
            volume += amount;
            delta
        })
        .collect()
}

#[test]
fn incremental_and_retroactive_tiers_over_a_quarter() {
    assert_eq!(quarter_deltas(TierMode::Incremental), [150_000, 240_000, 410_000]);
    assert_eq!(quarter_deltas(TierMode::Retroactive), [150_000, 340_000, 710_000]);
    let total = |mode, volume| match quarterly_tiers(mode) {
        RuleKind::VolumeTiers { tiers } => tier_total(volume, &tiers),
        _ => unreachable!(),
    };
    assert_eq!(total(TierMode::Incremental, 12_000_000), 800_000);
    assert_eq!(total(TierMode::Retroactive, 12_000_000), 1_200_000);
    // The boundary: exactly 50,000.00 stays at 5 %; one cent more lifts all of it to 7 %.
    assert_eq!(total(TierMode::Retroactive, 5_000_000), 250_000);
    assert_eq!(total(TierMode::Retroactive, 5_000_001), 350_000);
    assert_eq!(total(TierMode::Incremental, 5_000_001), 250_000);
}

#[test]
fn a_credit_note_after_the_quarter_drops_the_tier() {
    // Research N2: 25,000.00 credited on 2025-04-03 against the 2025-03-20 invoice, counted in Q1.
    for (mode, in_review, already_paid) in [
        (TierMode::Incremental, 565_000, -235_000),
        (TierMode::Retroactive, 665_000, -535_000),
    ] {
        let RuleKind::VolumeTiers { tiers } = quarterly_tiers(mode) else {
            unreachable!()
        };
        assert_eq!(tier_total(9_500_000, &tiers), in_review);
        assert_eq!(tier_commission(12_000_000, -2_500_000, &tiers), already_paid);
        let march = LineState::new(5_000_000, 0);
        let credited = credit_line(march, 2_500_000, None, currency("USD")).unwrap();
        assert_eq!(
            earned(&quarterly_tiers(mode), paid(march), paid(credited), 12_000_000),
            already_paid
        );
    }
}

#[test]
fn partial_payments_under_both_policies() {
    // OCA PR #480: invoice 1,000.00 at 20 % = 200.00; 500.00 paid.
    let kind = RuleKind::AmountPercentage { rate_bp: 2_000 };
    let line = LineState::new(100_000, 0);
    let at = |policy, paid| Standing {
        line,
        share: paid_share(policy, 100_000, paid),
    };
    let full = PartialPaymentPolicy::OnFullPayment;
    assert_eq!(earned(&kind, at(full, 0), at(full, 50_000), 0), 0);
    assert_eq!(earned(&kind, at(full, 50_000), at(full, 100_000), 0), 20_000);
    let part = PartialPaymentPolicy::Proportional;
    assert_eq!(earned(&kind, at(part, 0), at(part, 50_000), 0), 10_000);
    assert_eq!(earned(&kind, at(part, 50_000), at(part, 100_000), 0), 10_000);
    // Three payments of a third at 10 %: 33.33, 33.34, 33.33 — they sum to 100.00 exactly.
    let kind = RuleKind::AmountPercentage { rate_bp: 1_000 };
    let steps = [0, 333_333, 666_667, 1_000_000];
    let big = LineState::new(1_000_000, 0);
    let share = |paid| Standing {
        line: big,
        share: paid_share(part, 1_000_000, paid),
    };
    let deltas: Vec<_> = steps
        .windows(2)
        .map(|w| earned(&kind, share(w[0]), share(w[1]), 0))
        .collect();
    assert_eq!(deltas, [33_333, 33_334, 33_333]);
    assert_eq!(deltas.iter().sum::<i64>(), 100_000);
}

#[test]
fn two_currencies_in_one_period_are_two_orders() {
    let (usd, eur) = (currency("USD"), currency("EUR"));
    let day = date(2026, 3, 12);
    let lines = [
        Money {
            amount_minor: 12_000,
            currency: usd,
        },
        Money {
            amount_minor: 9_000,
            currency: eur,
        },
        Money {
            amount_minor: -2_000,
            currency: usd,
        },
    ];
    let totals: CurrencyTotals = lines.iter().copied().collect();
    assert_eq!(
        (totals.get(usd), totals.get(eur), totals.get(currency("JPY"))),
        (10_000, 9_000, 0)
    );
    let codes: Vec<_> = totals.iter().map(|m| m.currency.to_string()).collect();
    assert_eq!(codes, ["EUR", "USD"]);
    let po = |c| PoKey::for_line(4, PeriodKind::Month, c, day, None);
    assert_ne!(po(usd), po(eur));
    assert_eq!(po(usd).period, Period::containing(PeriodKind::Month, date(2026, 3, 31)));
}

#[test]
fn a_line_after_confirmation_joins_the_next_draft() {
    let usd = currency("USD");
    // March is confirmed: a refund dated 2026-03-28, recorded later, goes to April's draft.
    let key = PoKey::for_line(4, PeriodKind::Month, usd, date(2026, 3, 28), Some(date(2026, 3, 31)));
    assert_eq!(
        (key.period.start, key.period.end),
        (date(2026, 4, 1), date(2026, 4, 30))
    );
    let key = PoKey::for_line(4, PeriodKind::Month, usd, date(2026, 4, 2), Some(date(2026, 3, 31)));
    assert_eq!(key.period.start, date(2026, 4, 1));
    assert!(PoState::Draft.takes_lines() && !PoState::Confirmed.takes_lines());
}

#[test]
fn below_the_minimum_or_negative_the_balance_carries() {
    // Research N9: minimum 50.00; October 30.00 carries, November 25.00 pays 55.00.
    assert_eq!(
        payout_decision(3_000, 0, 5_000),
        Payout::Carry {
            balance: 3_000,
            reason: CarryReason::BelowMinimum
        }
    );
    assert_eq!(payout_decision(2_500, 3_000, 5_000), Payout::Pay { amount: 5_500 });
    assert_eq!(payout_decision(5_000, 0, 5_000), Payout::Pay { amount: 5_000 });
    // Research N7: April −1,000.00 + 600.00 = −400.00 carries, never paid; May 700.00 pays 300.00.
    let april = payout_decision(-100_000 + 60_000, 0, 0);
    assert_eq!(
        april,
        Payout::Carry {
            balance: -40_000,
            reason: CarryReason::Negative
        }
    );
    assert_eq!(payout_decision(70_000, -40_000, 0), Payout::Pay { amount: 30_000 });
    assert_eq!(
        payout_decision(0, 0, 0),
        Payout::Carry {
            balance: 0,
            reason: CarryReason::BelowMinimum
        }
    );
    let usd = currency("USD");
    assert_eq!(
        payout_decision(3_000, 0, 5_000).sentence(usd, 5_000),
        "30.00 USD is below the minimum payout of 50.00 USD: carried to the next period."
    );
    assert!(april.sentence(usd, 0).starts_with("The balance is -400.00 USD"));
}

#[test]
fn only_complete_periods_are_confirmed() {
    let q1 = Period::containing(PeriodKind::Quarter, date(2026, 2, 14));
    assert_eq!(
        (q1.start, q1.end, q1.label()),
        (date(2026, 1, 1), date(2026, 3, 31), "Q1 2026".to_owned())
    );
    assert!(!q1.is_complete(date(2026, 3, 31)));
    assert!(q1.is_complete(date(2026, 4, 1)));
    assert_eq!(q1.next().start, date(2026, 4, 1));
    // 2026-03-31 is a Tuesday: its week runs Monday 30 March to Sunday 5 April.
    let week = Period::containing(PeriodKind::Week, date(2026, 3, 31));
    assert_eq!(
        (week.start, week.end, week.label()),
        (date(2026, 3, 30), date(2026, 4, 5), "Week 14, 2026".to_owned())
    );
    assert!(!week.is_complete(date(2026, 4, 5)) && week.is_complete(date(2026, 4, 6)));
    let feb = Period::containing(PeriodKind::Month, date(2028, 2, 10));
    assert_eq!((feb.end, feb.label()), (date(2028, 2, 29), "February 2028".to_owned()));
    let q4 = Period::containing(PeriodKind::Quarter, date(2026, 12, 31));
    assert_eq!((q4.start, q4.next().start), (date(2026, 10, 1), date(2027, 1, 1)));
    let year = Period::containing(PeriodKind::Year, date(2026, 6, 1));
    assert_eq!(
        (year.start, year.end, year.label()),
        (date(2026, 1, 1), date(2026, 12, 31), "2026".to_owned())
    );
    assert!(year.contains(date(2026, 12, 31)) && !year.contains(date(2027, 1, 1)));
}

#[test]
fn yen_have_no_decimals_and_dinars_three() {
    // Research N10: ¥12,345 at 10 % → ¥1,235; KWD 1,234.567 at 10 % → 123.457.
    let kind = RuleKind::AmountPercentage { rate_bp: 1_000 };
    let yen = LineState::new(12_345, 0);
    let line = earned_in(&kind, currency("JPY"), Standing::unpaid(yen), paid(yen), 0).unwrap();
    assert_eq!(line.amount, 1_235);
    assert!(line.explanation.sentence().starts_with("10% of 12,345 JPY amount"));
    let dinars = LineState::new(1_234_567, 0);
    let line = earned_in(&kind, currency("KWD"), Standing::unpaid(dinars), paid(dinars), 0).unwrap();
    assert_eq!(line.amount, 123_457);
    assert!(line.explanation.sentence().starts_with("10% of 1,234.567 KWD amount"));
    // The refund mirrors the earning to the unit.
    let back = earned_in(
        &kind,
        currency("KWD"),
        paid(dinars),
        paid(credit_line(dinars, 1_234_567, None, currency("KWD")).unwrap()),
        0,
    );
    assert_eq!(back.unwrap().amount, -123_457);
}

#[test]
fn a_credit_note_credits_no_more_than_is_left() {
    let usd = currency("USD");
    let line = LineState::new(100_000, 30_000);
    let once = credit_line(line, 40_000, None, usd).unwrap();
    assert_eq!((once.net_amount(), once.net_cost()), (60_000, 18_000));
    assert_eq!(
        credit_line(once, 60_001, None, usd).unwrap_err(),
        "Only 600.00 USD of the line is left to credit; this credit note would credit 600.01 USD."
    );
    assert!(credit_line(once, 0, None, usd).is_err());
    assert!(credit_line(once, 10_000, Some(18_001), usd).is_err());
    let all = credit_line(once, 60_000, None, usd).unwrap();
    assert_eq!((all.net_amount(), all.net_cost(), all.margin()), (0, 0, 0));
}
