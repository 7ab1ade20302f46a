//! What a payment, a refund or a credit note earns or claws back on one invoice line, and the
//! explanation printed beside every figure.
//!
//! A line's commission is a function of its cumulative standing — the line net of credit notes, and
//! the paid share of its invoice — rounded once. An event's commission line is the standing after
//! less the standing before (DECISIONS 61): a refund gives a negative line and never edits an earlier
//! one; a line credited in full stands at zero, so everything it earned is clawed back to the unit.

use super::amounts::{Share, apply_rate};
use super::bands::{section_rate, tier_total};
use super::plans::{AppliedRule, RuleKind};
use super::{BaseKind, RuleKindCode, TierMode};
use crate::Currency;
use crate::money::display_amount;
use serde::{Deserialize, Serialize};

/// An invoice line as commission sees it, in minor units: what was sold, its cost, and what credit
/// notes have taken off both so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LineState {
    pub amount: i64,
    pub cost: i64,
    pub credited_amount: i64,
    pub credited_cost: i64,
}

impl LineState {
    pub fn new(amount: i64, cost: i64) -> LineState {
        LineState {
            amount,
            cost,
            ..LineState::default()
        }
    }

    pub fn net_amount(&self) -> i64 {
        self.amount - self.credited_amount
    }

    pub fn net_cost(&self) -> i64 {
        self.cost - self.credited_cost
    }

    /// Issue 15 item 2: the margin is the amount less the cost, never below zero.
    pub fn margin(&self) -> i64 {
        (self.net_amount() - self.net_cost()).max(0)
    }
}

/// Issue 15 item 3: a credit note (refund) of `amount` against a line, with the cost it takes back
/// (when the ERP does not say, the cost in proportion — all that is left of it when the rest of the
/// line is credited, so a line credited in full has neither amount nor cost). Never more than is
/// left of the line.
pub fn credit_line(line: LineState, amount: i64, cost: Option<i64>, currency: Currency) -> Result<LineState, String> {
    let left = line.net_amount();
    if amount <= 0 {
        return Err("A credit note credits a positive amount.".to_owned());
    }
    if amount > left {
        return Err(format!(
            "Only {} of the line is left to credit; this credit note would credit {}.",
            display_amount(left, currency),
            display_amount(amount, currency)
        ));
    }
    let cost = match cost {
        Some(cost) => cost,
        None if amount == left => line.net_cost(),
        None => Share::new(amount, left)?.of_amount(line.net_cost()),
    };
    if !(0..=line.net_cost().max(0)).contains(&cost) {
        return Err("A credit note takes back between nothing and the line's remaining cost.".to_owned());
    }
    Ok(LineState {
        credited_amount: line.credited_amount + amount,
        credited_cost: line.credited_cost + cost,
        ..line
    })
}

/// A line and the paid share of its invoice at one moment, before or after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub line: LineState,
    pub share: Share,
}

impl Standing {
    /// Nothing paid: what an issued invoice's line stands at (seed 003: issuing earns nothing).
    pub fn unpaid(line: LineState) -> Standing {
        Standing {
            line,
            share: Share::NONE,
        }
    }

    /// The line's paid business: what it adds to its partner's period volume for volume tiers.
    pub fn paid_volume(&self) -> i64 {
        self.share.of_amount(self.line.net_amount())
    }
}

/// One side of a figure: the base, the rate applied, the paid share it counts, and the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub base_kind: BaseKind,
    pub base: i64,
    /// Basis points; under incremental tiers, the rate of the highest tier reached.
    pub rate_bp: u32,
    pub share: Share,
    pub amount: i64,
}

/// Seed 003 / issue 15 item 4: what a rule has earned on a line at a standing; for volume tiers,
/// what the period volume `volume` has earned.
fn figure(kind: &RuleKind, standing: &Standing, volume: i64) -> Figure {
    let line = &standing.line;
    let (base_kind, base, rate_bp) = match kind {
        RuleKind::AmountPercentage { rate_bp } => (BaseKind::Amount, line.net_amount(), *rate_bp),
        RuleKind::MarginPercentage { rate_bp } => (BaseKind::Margin, line.margin(), *rate_bp),
        RuleKind::Sections { bands } => (
            BaseKind::Amount,
            line.net_amount(),
            section_rate(bands, line.net_amount()),
        ),
        RuleKind::VolumeTiers { tiers } => {
            let rate = tiers.bands.band_for(volume.abs()).rate_bp;
            return Figure {
                base_kind: BaseKind::Volume,
                base: volume,
                rate_bp: rate,
                share: Share::ALL,
                amount: tier_total(volume, tiers),
            };
        }
    };
    Figure {
        base_kind,
        base,
        rate_bp,
        share: standing.share,
        amount: apply_rate(base, rate_bp, standing.share),
    }
}

/// A figure and where it comes from: "12% of 1,000.00 USD margin under Gold 2026 v2, rule 'Software'".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub plan_id: i64,
    pub plan_name: String,
    pub version_id: i64,
    pub version_number: u32,
    pub rule_id: i64,
    pub rule_name: String,
    pub rule_kind: RuleKindCode,
    /// Under volume tiers, how they pay.
    pub tier_mode: Option<TierMode>,
    pub currency: Currency,
    /// What had been earned before the event (under tiers: on the period's volume before it).
    pub before: Figure,
    pub after: Figure,
}

/// "12%", "12.5%", "0.75%".
fn percent(rate_bp: u32) -> String {
    let text = format!("{}.{:02}", rate_bp / 100, rate_bp % 100);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

impl Explanation {
    fn describe(&self, figure: &Figure) -> String {
        let rate = match self.tier_mode {
            Some(TierMode::Incremental) => format!("incremental tiers up to {}", percent(figure.rate_bp)),
            Some(TierMode::Retroactive) => format!("retroactive tier {}", percent(figure.rate_bp)),
            None => percent(figure.rate_bp),
        };
        let base = display_amount(figure.base, self.currency);
        let kind = figure.base_kind.label().to_lowercase();
        let mut text = format!("{rate} of {base} {kind}");
        if !figure.share.is_all() && figure.share != Share::NONE {
            let paid = display_amount(figure.share.paid(), self.currency);
            text.push_str(&format!(
                " ({paid} of {} paid)",
                display_amount(figure.share.of(), self.currency)
            ));
        }
        text
    }

    /// The sentence a page prints beside the figure.
    pub fn sentence(&self) -> String {
        let mut text = self.describe(&self.after);
        if self.before.amount != 0 {
            let earlier = display_amount(self.before.amount, self.currency);
            let basis = match self.tier_mode {
                Some(_) => "on the period's earlier business",
                None => "on this line before",
            };
            text.push_str(&format!(
                " is {}, less {earlier} earned {basis}",
                display_amount(self.after.amount, self.currency)
            ));
        }
        let mut chars = text.chars();
        let text: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        format!(
            "{text} under {} v{}, rule '{}'",
            self.plan_name, self.version_number, self.rule_name
        )
    }
}

/// One line of a commission purchase order: positive earns, negative claws back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionLine {
    pub amount: i64,
    pub currency: Currency,
    pub explanation: Explanation,
}

/// Seed 003 ("created when the invoice is paid"), issue 15 item 4: the commission line an event on an
/// invoice line gives — a payment, a refund, a credit note — as the rule's figure after it less the
/// figure before, or nothing when that is zero (OCA #326: no zero lines). Under volume tiers,
/// `prior_volume` is the partner's paid volume under the rule in the period before the event (the
/// period the line's earning counted in, for a refund); other kinds do not look at it.
pub fn line_commission(
    applied: AppliedRule,
    currency: Currency,
    before: &Standing,
    after: &Standing,
    prior_volume: i64,
) -> Option<CommissionLine> {
    let kind = &applied.rule.kind;
    let added = after.paid_volume() - before.paid_volume();
    let before = figure(kind, before, prior_volume);
    let after = figure(kind, after, prior_volume.saturating_add(added));
    let amount = after.amount - before.amount;
    (amount != 0).then(|| CommissionLine {
        amount,
        currency,
        explanation: Explanation {
            plan_id: applied.plan.id,
            plan_name: applied.plan.name.clone(),
            version_id: applied.version.id,
            version_number: applied.version.number,
            rule_id: applied.rule.id,
            rule_name: applied.rule.name.clone(),
            rule_kind: kind.code(),
            tier_mode: match kind {
                RuleKind::VolumeTiers { tiers } => Some(tiers.mode),
                _ => None,
            },
            currency,
            before,
            after,
        },
    })
}
