//! Property tests: whatever the plan kind, the policy and the order of payments and credit notes, a
//! line credited in full nets to zero; tier commission is additive over any split of the volume.

use super::tests::{band, currency, earned, quarterly_tiers, sections};
use super::*;
use proptest::prelude::*;

fn kinds() -> impl Strategy<Value = RuleKind> {
    prop_oneof![
        (0u32..=10_000).prop_map(|rate_bp| RuleKind::AmountPercentage { rate_bp }),
        (0u32..=10_000).prop_map(|rate_bp| RuleKind::MarginPercentage { rate_bp }),
        Just(sections()),
        Just(quarterly_tiers(TierMode::Incremental)),
        Just(quarterly_tiers(TierMode::Retroactive)),
        tiers(),
    ]
}

/// Arbitrary contiguous tiers: widths and rates.
fn tiers() -> impl Strategy<Value = RuleKind> {
    (
        proptest::collection::vec((1i64..50_000_000, 0u32..=10_000), 0..4),
        0u32..=10_000,
        prop_oneof![Just(TierMode::Incremental), Just(TierMode::Retroactive)],
    )
        .prop_map(|(bounded, last_rate, mode)| {
            let mut bands = Vec::new();
            let mut from = 0;
            for (width, rate_bp) in bounded {
                bands.push(band(from, Some(from + width - 1), rate_bp));
                from += width;
            }
            bands.push(band(from, None, last_rate));
            RuleKind::VolumeTiers {
                tiers: Tiers {
                    period: PeriodKind::Quarter,
                    mode,
                    bands: Bands::new(currency("USD"), bands, "bands").unwrap(),
                },
            }
        })
}

fn policies() -> impl Strategy<Value = PartialPaymentPolicy> {
    prop_oneof![
        Just(PartialPaymentPolicy::OnFullPayment),
        Just(PartialPaymentPolicy::Proportional)
    ]
}

/// A line's invoice: this line, other lines never credited, what the customer has paid.
struct Invoice {
    line: LineState,
    others: i64,
    paid: i64,
    policy: PartialPaymentPolicy,
}

impl Invoice {
    fn standing(&self) -> Standing {
        Standing {
            line: self.line,
            share: paid_share(self.policy, self.line.net_amount() + self.others, self.paid),
        }
    }
}

/// Applies `change` to the invoice and returns the commission line it gives, keeping the period
/// volume (other business `prior` plus this line's paid volume) as a store would.
fn event(kind: &RuleKind, invoice: &mut Invoice, volume: &mut i64, change: impl FnOnce(&mut Invoice)) -> i64 {
    let before = invoice.standing();
    change(invoice);
    let after = invoice.standing();
    let amount = earned(kind, before, after, *volume);
    *volume += after.paid_volume() - before.paid_volume();
    amount
}

proptest! {
    #[test]
    fn a_refund_of_everything_nets_every_plan_to_zero(
        kind in kinds(),
        policy in policies(),
        amount in 1i64..100_000_000_000,
        cost_permille in 0i64..1_500,
        others in 0i64..10_000_000,
        prior in 0i64..20_000_000,
        payments in proptest::collection::vec(1u32..100, 1..5),
        credits in proptest::collection::vec(1u32..100, 0..4),
    ) {
        let cost = amount / 1_000 * cost_permille;
        let mut invoice = Invoice { line: LineState::new(amount, cost), others, paid: 0, policy };
        let mut volume = prior;
        let mut total = 0i64;
        let due = amount + others;
        let weights: u32 = payments.iter().sum();
        let mut paid = 0;
        for (i, w) in payments.iter().enumerate() {
            let next = if i + 1 == payments.len() { due } else { paid + due / i64::from(weights) * i64::from(*w) };
            paid = next.min(due);
            total += event(&kind, &mut invoice, &mut volume, |inv| inv.paid = paid);
        }
        // Credit notes in parts, then the rest of the line.
        for w in credits {
            let part = invoice.line.net_amount() * i64::from(w) / 200;
            if part > 0 {
                total += event(&kind, &mut invoice, &mut volume, |inv| {
                    inv.line = credit_line(inv.line, part, None, currency("USD")).unwrap();
                });
            }
        }
        let rest = invoice.line.net_amount();
        total += event(&kind, &mut invoice, &mut volume, |inv| {
            inv.line = credit_line(inv.line, rest, None, currency("USD")).unwrap();
            inv.paid -= rest;
        });
        prop_assert_eq!(total, 0);
        prop_assert_eq!(volume, prior);
    }

    #[test]
    fn tier_commission_is_additive_over_any_split(
        kind in tiers(),
        start in -5_000_000i64..50_000_000,
        parts in proptest::collection::vec(-20_000_000i64..60_000_000, 1..8),
    ) {
        let RuleKind::VolumeTiers { tiers } = kind else { unreachable!() };
        let mut volume = start;
        let mut sum = 0;
        for part in &parts {
            sum += tier_commission(volume, *part, &tiers);
            volume += part;
        }
        prop_assert_eq!(sum, tier_total(volume, &tiers) - tier_total(start, &tiers));
        prop_assert_eq!(tier_total(-volume, &tiers), -tier_total(volume, &tiers));
    }

    #[test]
    fn payments_in_proportion_sum_to_the_whole(
        kind in kinds(),
        amount in 1i64..10_000_000_000,
        cuts in proptest::collection::vec(0i64..10_000_000_000, 0..6),
    ) {
        let line = LineState::new(amount, amount / 3);
        let at = |paid| Standing { line, share: paid_share(PartialPaymentPolicy::Proportional, amount, paid) };
        let mut cuts: Vec<i64> = cuts.into_iter().map(|c| c % amount).collect();
        cuts.push(0);
        cuts.push(amount);
        cuts.sort_unstable();
        let mut volume = 0;
        let mut sum = 0;
        for pair in cuts.windows(2) {
            let (before, after) = (at(pair[0]), at(pair[1]));
            sum += earned(&kind, before, after, volume);
            volume += after.paid_volume() - before.paid_volume();
        }
        prop_assert_eq!(sum, earned(&kind, at(0), at(amount), 0));
    }

    #[test]
    fn a_refund_mirrors_its_earning(base in -100_000_000_000_000i64..100_000_000_000_000, rate in 0u32..=10_000) {
        prop_assert_eq!(apply_rate(-base, rate, Share::ALL), -apply_rate(base, rate, Share::ALL));
    }
}
