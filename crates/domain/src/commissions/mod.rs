//! Commissions (PRG-1, PRG-3…6, seed 003): partner levels and activation stages as data, commission
//! plans with versions and rules, what a payment or a refund of a customer's invoice earns, payout
//! periods and the minimum payout. Pure: the store loads the facts, calls these functions and writes
//! what they decide; today and the payment's date are always passed in.
//!
//! The one shape of every figure: a commission line is the difference between what a line has earned
//! after an event (a payment, a refund, a credit note) and what it had earned before, each computed
//! from the line's cumulative state and rounded once. So payments and refunds add up exactly, a refund
//! mirrors its earning, and a fully credited invoice nets to zero (DECISIONS 61, 63).

pub mod amounts;
pub mod bands;
pub mod earning;
pub mod event;
pub mod input;
pub mod levels;
pub mod notify;
pub mod periods;
pub mod plans;
pub mod policy;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use crate::str_enum::str_enum;
use serde::{Deserialize, Serialize};

pub use amounts::{Share, apply_rate, paid_share};
pub use bands::{Band, Bands, Tiers, section_rate, tier_commission, tier_total};
pub use earning::{CommissionLine, Explanation, Figure, LineState, Standing, credit_line, line_commission};
pub use event::{EventCommission, EventLine, InvoiceStanding, LineTerms, VolumeChange, event_commission};
pub use levels::{
    Level, PlanChoice, PlanSource, ReviewDates, ReviewStatus, Stage as ActivationStage, plan_for_partner,
};
pub use periods::{CarryReason, CurrencyTotals, Payout, Period, PoKey, payout_decision};
pub use plans::{
    AppliedRule, DecisionDates, LineContext, NoCommission, Plan, PlanVersion, Rule, RuleKind, applied_rule,
    matching_rule, version_in_force,
};

/// Which date of a sale chooses the plan version in force (DECISIONS 62). Stored per plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecidingDate {
    /// The opportunity's close date; the invoice date when the sale had no opportunity.
    Close,
    Invoice,
    /// The date of the invoice's first payment.
    Payment,
}
str_enum!(DecidingDate {
    Close => "close" as "Close date",
    Invoice => "invoice" as "Invoice date",
    Payment => "payment" as "Date of first payment",
});

/// The program's policy for an invoice paid in parts (seed 003 pays on payment; full payment is
/// Odoo's behaviour and the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartialPaymentPolicy {
    #[default]
    OnFullPayment,
    Proportional,
}
str_enum!(PartialPaymentPolicy {
    OnFullPayment => "on_full_payment" as "When the invoice is fully paid",
    Proportional => "proportional" as "In proportion to each payment",
});

/// How volume tiers pay once a partner's period volume reaches a higher tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TierMode {
    /// Each slice of the volume at its own tier's rate.
    Incremental,
    /// The whole volume at the rate of the tier reached, earlier business of the period included.
    Retroactive,
}
str_enum!(TierMode { Incremental => "incremental", Retroactive => "retroactive" });

/// Calendar periods: payouts are weekly, monthly or quarterly; tiers count a month, quarter or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Week,
    Month,
    Quarter,
    Year,
}
str_enum!(PeriodKind { Week => "week", Month => "month", Quarter => "quarter", Year => "year" });

/// What a rule's rate is a rate of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    Amount,
    /// Amount minus cost, never below zero.
    Margin,
    /// The partner's paid business of the period under the rule.
    Volume,
}
str_enum!(BaseKind { Amount => "amount", Margin => "margin", Volume => "volume" as "Period volume" });

/// The kinds of rule, as stored (the rule's parameters sit beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleKindCode {
    AmountPercentage,
    MarginPercentage,
    Sections,
    VolumeTiers,
}
str_enum!(RuleKindCode {
    AmountPercentage => "amount_percentage" as "Percentage of the amount",
    MarginPercentage => "margin_percentage" as "Percentage of the margin",
    Sections => "sections" as "Sections by amount",
    VolumeTiers => "volume_tiers" as "Volume tiers",
});

/// A commission purchase order: the open draft takes new lines; a confirmed one is never edited
/// (corrections are lines on the next draft). DECISIONS 64 states the shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PoState {
    Draft,
    Confirmed,
}
str_enum!(PoState { Draft => "draft", Confirmed => "confirmed" });

impl PoState {
    /// Seed 003 / issue 15 item 5: confirmed commission POs are immutable.
    pub fn takes_lines(self) -> bool {
        self == PoState::Draft
    }
}
