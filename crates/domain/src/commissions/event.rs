//! What one event on an invoice — a payment, a credit note, or the preview of a payment in full —
//! earns or claws back on each of its lines: the invoice's standing before and after, each line's
//! terms, and one `line_commission` per line.

use super::PartialPaymentPolicy;
use super::amounts::paid_share;
use super::earning::{CommissionLine, LineState, Standing, line_commission};
use super::plans::{AppliedRule, RuleKind};
use crate::Currency;

/// An invoice's figures at one moment: its lines (net of credit notes) and what the customer paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceStanding {
    pub lines: Vec<LineState>,
    pub paid: i64,
}

impl InvoiceStanding {
    pub fn net_total(&self) -> i64 {
        self.lines.iter().map(LineState::net_amount).sum()
    }

    fn standing(&self, index: usize, policy: PartialPaymentPolicy) -> Standing {
        Standing {
            line: self.lines[index],
            share: paid_share(policy, self.net_total(), self.paid),
        }
    }

    /// What line `index` has added to its tier period's paid volume at this standing.
    pub fn paid_volume(&self, index: usize, policy: PartialPaymentPolicy) -> i64 {
        self.lines
            .get(index)
            .map_or(0, |_| self.standing(index, policy).paid_volume())
    }
}

/// The terms one invoice line earns under, and — under volume tiers — the partner's paid volume under
/// that rule in the line's tier period before this event.
#[derive(Debug, Clone, Copy)]
pub struct LineTerms<'a> {
    pub applied: AppliedRule<'a>,
    pub prior_volume: i64,
}

/// One line's commission from an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLine {
    /// Index into the invoice's lines.
    pub index: usize,
    pub commission: CommissionLine,
}

/// The paid volume an event adds to one volume-tier rule's period (negative for a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeChange {
    pub version_id: i64,
    pub rule_id: i64,
    pub added: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCommission {
    pub lines: Vec<EventLine>,
    /// Recorded even when a slice earns nothing (a 0 % first tier), so later business counts on it.
    pub volumes: Vec<VolumeChange>,
}

/// Seed 003 ("created when the invoice is paid"), issue 15 item 4: what an event that took the invoice
/// from `before` to `after` gives on each line with terms (`terms[i]` for line `i`; `None` earns
/// nothing). Two lines of one invoice under the same volume-tier rule count in order, the second on
/// top of the first's added volume, so their lines sum to the tier commission on both.
pub fn event_commission(
    policy: PartialPaymentPolicy,
    currency: Currency,
    before: &InvoiceStanding,
    after: &InvoiceStanding,
    terms: &[Option<LineTerms>],
) -> EventCommission {
    let mut event = EventCommission::default();
    for (index, terms) in terms.iter().enumerate() {
        let Some(terms) = terms else { continue };
        if index >= before.lines.len() || index >= after.lines.len() {
            continue;
        }
        let then = before.standing(index, policy);
        let now = after.standing(index, policy);
        let (version_id, rule_id) = (terms.applied.version.id, terms.applied.rule.id);
        let mut prior = terms.prior_volume;
        if matches!(terms.applied.rule.kind, RuleKind::VolumeTiers { .. }) {
            let added = now.paid_volume() - then.paid_volume();
            match event
                .volumes
                .iter_mut()
                .find(|v| (v.version_id, v.rule_id) == (version_id, rule_id))
            {
                Some(change) => {
                    prior = prior.saturating_add(change.added);
                    change.added += added;
                }
                None => event.volumes.push(VolumeChange {
                    version_id,
                    rule_id,
                    added,
                }),
            }
        }
        if let Some(commission) = line_commission(terms.applied, currency, &then, &now, prior) {
            event.lines.push(EventLine { index, commission });
        }
    }
    event.volumes.retain(|v| v.added != 0);
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commissions::tests::{currency, gold_plan, quarterly_tiers, rule, version};
    use crate::commissions::{DecidingDate, Plan, PlanVersion, TierMode};
    use PartialPaymentPolicy::{OnFullPayment, Proportional};
    use jiff::civil::date;

    fn standing(lines: &[(i64, i64, i64)], paid: i64) -> InvoiceStanding {
        InvoiceStanding {
            lines: lines
                .iter()
                .map(|&(amount, cost, credited)| LineState {
                    credited_amount: credited,
                    ..LineState::new(amount, cost)
                })
                .collect(),
            paid,
        }
    }

    fn terms<'a>(plan: &'a Plan, version: &'a PlanVersion, rule: usize, prior_volume: i64) -> Option<LineTerms<'a>> {
        Some(LineTerms {
            applied: AppliedRule {
                plan,
                version,
                rule: &version.rules[rule],
            },
            prior_volume,
        })
    }

    fn amounts(event: &EventCommission) -> Vec<(usize, i64)> {
        event.lines.iter().map(|l| (l.index, l.commission.amount)).collect()
    }

    /// Issue 15 item 9: a mixed invoice — 10,000.00 of software at 10 %, 2,000.00 of hardware at 4 %
    /// on its margin (cost 1,500.00), and 300.00 of freight no rule covers.
    #[test]
    fn a_mixed_invoice_earns_when_paid_and_is_clawed_back_by_its_refund() {
        let plan = gold_plan(DecidingDate::Invoice);
        let software = rule(
            1,
            "Software",
            Some(10),
            None,
            RuleKind::AmountPercentage { rate_bp: 1_000 },
        );
        let hardware = rule(
            2,
            "Hardware",
            Some(20),
            None,
            RuleKind::MarginPercentage { rate_bp: 400 },
        );
        let v = version(70, 1, date(2026, 1, 1), None, vec![software, hardware]);
        let terms = [terms(&plan, &v, 0, 0), terms(&plan, &v, 1, 0), None];
        let usd = currency("USD");
        let issued = standing(&[(1_000_000, 0, 0), (200_000, 150_000, 0), (30_000, 0, 0)], 0);
        let half = standing(&[(1_000_000, 0, 0), (200_000, 150_000, 0), (30_000, 0, 0)], 615_000);
        let paid = standing(&[(1_000_000, 0, 0), (200_000, 150_000, 0), (30_000, 0, 0)], 1_230_000);
        // Issuing earns nothing; half paid earns nothing under the seed's default policy.
        assert!(
            event_commission(OnFullPayment, usd, &issued, &issued, &terms)
                .lines
                .is_empty()
        );
        assert!(
            event_commission(OnFullPayment, usd, &issued, &half, &terms)
                .lines
                .is_empty()
        );
        // Paid in full: 1,000.00 on software, 4 % of the 500.00 margin = 20.00 on hardware.
        let payment = event_commission(OnFullPayment, usd, &half, &paid, &terms);
        assert_eq!(amounts(&payment), [(0, 100_000), (1, 2_000)]);
        assert!(payment.volumes.is_empty());
        assert_eq!(
            payment.lines[1].commission.explanation.sentence(),
            "4% of 500.00 USD margin under Gold 2026 v1, rule 'Hardware'"
        );
        // A refund of 2,500.00 of software claws back 250.00, as a negative line.
        let refunded = standing(
            &[(1_000_000, 0, 250_000), (200_000, 150_000, 0), (30_000, 0, 0)],
            1_230_000,
        );
        let refund = event_commission(OnFullPayment, usd, &paid, &refunded, &terms);
        assert_eq!(amounts(&refund), [(0, -25_000)]);
        // Everything credited: every line nets to zero.
        let all = standing(
            &[
                (1_000_000, 0, 1_000_000),
                (200_000, 150_000, 200_000),
                (30_000, 0, 30_000),
            ],
            1_230_000,
        );
        let rest = event_commission(OnFullPayment, usd, &refunded, &all, &terms);
        let earned: i64 = [&payment, &refund, &rest]
            .iter()
            .flat_map(|e| e.lines.iter())
            .map(|l| l.commission.amount)
            .sum();
        assert_eq!(earned, 0);
    }

    /// Partial payments in proportion: 4,000.00 of 10,000.00 paid earns 40 % of 10 %.
    #[test]
    fn a_partial_payment_earns_in_proportion_under_that_policy() {
        let plan = gold_plan(DecidingDate::Invoice);
        let v = version(
            70,
            1,
            date(2026, 1, 1),
            None,
            vec![rule(
                1,
                "All",
                None,
                None,
                RuleKind::AmountPercentage { rate_bp: 1_000 },
            )],
        );
        let terms = [terms(&plan, &v, 0, 0)];
        let usd = currency("USD");
        let issued = standing(&[(1_000_000, 0, 0)], 0);
        let part = standing(&[(1_000_000, 0, 0)], 400_000);
        assert_eq!(
            amounts(&event_commission(Proportional, usd, &issued, &part, &terms)),
            [(0, 40_000)]
        );
        assert!(
            event_commission(OnFullPayment, usd, &issued, &part, &terms)
                .lines
                .is_empty()
        );
    }

    /// Two lines of one invoice under one retroactive quarterly tier rule: 40,000.00 and 20,000.00 on
    /// top of 0 reach the 7 % tier together, 4,200.00, however the lines fall.
    #[test]
    fn lines_under_one_tier_rule_count_on_each_other() {
        let plan = gold_plan(DecidingDate::Invoice);
        let v = version(
            70,
            1,
            date(2026, 1, 1),
            None,
            vec![rule(
                1,
                "Quarter volume",
                None,
                None,
                quarterly_tiers(TierMode::Retroactive),
            )],
        );
        let usd = currency("USD");
        let issued = standing(&[(4_000_000, 0, 0), (2_000_000, 0, 0)], 0);
        let paid = standing(&[(4_000_000, 0, 0), (2_000_000, 0, 0)], 6_000_000);
        let event = event_commission(
            OnFullPayment,
            usd,
            &issued,
            &paid,
            &[terms(&plan, &v, 0, 0), terms(&plan, &v, 0, 0)],
        );
        assert_eq!(amounts(&event), [(0, 200_000), (1, 220_000)]);
        assert_eq!(
            event.volumes,
            [VolumeChange {
                version_id: 70,
                rule_id: 1,
                added: 6_000_000
            }]
        );
    }
}
