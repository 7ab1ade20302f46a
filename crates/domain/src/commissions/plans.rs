//! Commission plans: versions in force by date, rules matched by product category and partner level,
//! and the precedence among rules that match the same line (DECISIONS 62).

use super::bands::{Bands, Tiers};
use super::{BaseKind, DecidingDate, RuleKindCode};
use crate::Currency;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A commission plan; its terms are in its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: i64,
    /// "Gold 2026".
    pub name: String,
    /// Which date of a sale chooses the version.
    pub deciding_date: DecidingDate,
}

/// The terms of a plan from one date (inclusive) to another (inclusive; open when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersion {
    pub id: i64,
    pub plan_id: i64,
    /// 1, 2, …: "Gold 2026 v2".
    pub number: u32,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    pub rules: Vec<Rule>,
}

impl PlanVersion {
    pub fn in_force_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|until| date <= until)
    }
}

/// The dates of a sale that may choose a plan version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionDates {
    /// The opportunity's close date, when the sale came through one.
    pub close: Option<Date>,
    pub invoice: Date,
    /// The invoice's first payment: every later payment and refund of the invoice keeps that
    /// version, so a refund mirrors what was earned.
    pub first_payment: Date,
}

impl DecisionDates {
    /// Issue 15 item 2: the plan says which date decides; a sale without an opportunity has no close
    /// date and is decided by its invoice date.
    pub fn deciding(&self, which: DecidingDate) -> Date {
        match which {
            DecidingDate::Close => self.close.unwrap_or(self.invoice),
            DecidingDate::Invoice => self.invoice,
            DecidingDate::Payment => self.first_payment,
        }
    }
}

/// Issue 15 item 2: the version in force on `date`. Should ranges overlap, the version that took effect
/// last wins (a new version supersedes), then the higher number.
pub fn version_in_force(versions: &[PlanVersion], date: Date) -> Option<&PlanVersion> {
    versions
        .iter()
        .filter(|v| v.in_force_on(date))
        .max_by_key(|v| (v.effective_from, v.number))
}

/// How a rule computes its figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    AmountPercentage { rate_bp: u32 },
    MarginPercentage { rate_bp: u32 },
    Sections { bands: Bands },
    VolumeTiers { tiers: Tiers },
}

impl RuleKind {
    pub fn code(&self) -> RuleKindCode {
        match self {
            RuleKind::AmountPercentage { .. } => RuleKindCode::AmountPercentage,
            RuleKind::MarginPercentage { .. } => RuleKindCode::MarginPercentage,
            RuleKind::Sections { .. } => RuleKindCode::Sections,
            RuleKind::VolumeTiers { .. } => RuleKindCode::VolumeTiers,
        }
    }

    /// Bands are amounts of one currency: such a rule applies only to lines in it. A percentage
    /// applies in any currency.
    pub fn currency(&self) -> Option<Currency> {
        match self {
            RuleKind::AmountPercentage { .. } | RuleKind::MarginPercentage { .. } => None,
            RuleKind::Sections { bands } => Some(bands.currency()),
            RuleKind::VolumeTiers { tiers } => Some(tiers.bands.currency()),
        }
    }

    pub fn base_kind(&self) -> BaseKind {
        match self {
            RuleKind::MarginPercentage { .. } => BaseKind::Margin,
            RuleKind::VolumeTiers { .. } => BaseKind::Volume,
            RuleKind::AmountPercentage { .. } | RuleKind::Sections { .. } => BaseKind::Amount,
        }
    }
}

/// One rule of a plan version: for a product category (its subcategories included) and/or a partner
/// level, or for everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    /// "Software".
    pub name: String,
    pub category_id: Option<i64>,
    pub level_id: Option<i64>,
    pub kind: RuleKind,
}

/// What a rule is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineContext<'a> {
    /// The product's category first, then its parent, up to the top (odoo/odoo#159486: parent
    /// categories count). Empty for a product without a category.
    pub category_chain: &'a [i64],
    /// The partner's level when the line's commission is decided.
    pub level_id: Option<i64>,
    pub currency: Currency,
}

impl Rule {
    /// How specifically the rule matches the line, smaller first, or `None` when it does not match.
    fn precedence(&self, line: &LineContext) -> Option<(u8, usize, bool, i64)> {
        let distance = match self.category_id {
            None => None,
            Some(category) => Some(line.category_chain.iter().position(|c| *c == category)?),
        };
        if self.level_id.is_some() && self.level_id != line.level_id {
            return None;
        }
        let currency = self.kind.currency();
        if currency.is_some_and(|c| c != line.currency) {
            return None;
        }
        let class = match (distance, self.level_id) {
            (Some(_), Some(_)) => 0,
            (Some(_), None) => 1,
            (None, Some(_)) => 2,
            (None, None) => 3,
        };
        Some((class, distance.unwrap_or(0), currency.is_none(), self.id))
    }
}

/// Issue 15 item 2 (DECISIONS 62): the one rule that decides a line, most specific first — category
/// and level, then category, then level, then a rule for everything; among rules of the same kind
/// of match the nearer category (the product's own before a parent's), then a rule in the line's
/// currency before one for any currency, then the lower rule id (the older rule).
pub fn matching_rule<'a>(rules: &'a [Rule], line: &LineContext) -> Option<&'a Rule> {
    rules
        .iter()
        .filter_map(|rule| rule.precedence(line).map(|key| (key, rule)))
        .min_by_key(|(key, _)| *key)
        .map(|(_, rule)| rule)
}

/// The plan, version and rule that decide a line's commission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedRule<'a> {
    pub plan: &'a Plan,
    pub version: &'a PlanVersion,
    pub rule: &'a Rule,
}

/// Why a paid line earns nothing: said to the person who asks "why no commission?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoCommission {
    NoVersion {
        plan: String,
        date: Date,
        deciding: DecidingDate,
    },
    NoRule {
        plan: String,
        version: u32,
    },
}

impl NoCommission {
    pub fn reason(&self) -> String {
        match self {
            NoCommission::NoVersion { plan, date, deciding } => format!(
                "No version of {plan} is in force on {date} ({}).",
                deciding.label().to_lowercase()
            ),
            NoCommission::NoRule { plan, version } => {
                format!("No rule of {plan} v{version} covers this product, level and currency.")
            }
        }
    }
}

/// The version the plan's deciding date chooses, and its rule for the line.
pub fn applied_rule<'a>(
    plan: &'a Plan,
    versions: &'a [PlanVersion],
    dates: &DecisionDates,
    line: &LineContext,
) -> Result<AppliedRule<'a>, NoCommission> {
    let date = dates.deciding(plan.deciding_date);
    let version = version_in_force(versions, date).ok_or_else(|| NoCommission::NoVersion {
        plan: plan.name.clone(),
        date,
        deciding: plan.deciding_date,
    })?;
    let rule = matching_rule(&version.rules, line).ok_or_else(|| NoCommission::NoRule {
        plan: plan.name.clone(),
        version: version.number,
    })?;
    Ok(AppliedRule { plan, version, rule })
}
