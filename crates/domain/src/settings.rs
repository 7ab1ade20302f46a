//! Program settings that the administrator chooses; defaults from seed 000 and the product map.

use crate::FieldErrors;
use crate::commissions::{PartialPaymentPolicy, PeriodKind};
use crate::directory::PartnerLevel;
use crate::money::Currency;
use crate::orders::{NoSorPricing, OverOrderPolicy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramSettings {
    /// Validity of an approved SOR when the approver does not choose one (REG-3).
    pub default_validity_days: u32,
    /// The longest validity an approver or an extension may grant.
    pub max_validity_days: u32,
    /// Days before the end of validity that partners are reminded (REG-4).
    pub reminder_days_before: u32,
    /// Decides registrations of partners whose region has no manager (REG-2).
    pub fallback_approver_id: Option<i64>,
    /// IANA zone in which business dates are counted.
    pub time_zone: String,
    /// Currency of the price list and of estimated values.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: Currency,
    /// Order lines without a valid SOR: refused (the seed's rule) or re-priced (ORD-2).
    #[serde(default)]
    pub no_sor_pricing: NoSorPricing,
    /// Orders beyond an SOR's registered quantity: warned about or refused (ORD-5).
    #[serde(default)]
    pub over_order: OverOrderPolicy,
    /// How leads are distributed to partners (PRG-2).
    #[serde(default)]
    pub lead_distribution: LeadDistribution,
    /// ROE-3: days past the forecast close date that an Opportunity Manager keeps its rights when the
    /// business is not awarded (seed 001: ninety).
    #[serde(default = "default_grace_days")]
    pub grace_days: u32,
    /// Days before the rights end that the manager is reminded.
    #[serde(default = "default_rights_reminder_days")]
    pub rights_reminder_days: u32,
    /// The pipeline's open stages, in order; won and lost follow them.
    #[serde(default = "crate::opportunities::default_stages")]
    pub pipeline_stages: Vec<String>,
    /// How commissions are paid (PRG-4, PRG-5).
    #[serde(default)]
    pub commissions: CommissionSettings,
}

/// PRG-4, PRG-5 (seed 003): when a partly paid invoice earns, how often commission orders are
/// confirmed, and the smallest payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionSettings {
    /// on_full_payment (the seed's default) or proportional.
    pub partial_payment: PartialPaymentPolicy,
    /// The payout period: week, month or quarter (one commission order per partner, period, currency).
    pub payout_period: PeriodKind,
    /// Confirmed by the worker once each period is complete; else finance confirms by hand.
    pub automatic_confirmation: bool,
    /// Currency code → the smallest payout in its minor units; a smaller balance carries on.
    pub minimum_payout: BTreeMap<String, i64>,
    /// Days before a partner's level review that its channel manager is reminded.
    pub review_reminder_days: u32,
}

impl Default for CommissionSettings {
    fn default() -> Self {
        CommissionSettings {
            partial_payment: PartialPaymentPolicy::OnFullPayment,
            payout_period: PeriodKind::Month,
            automatic_confirmation: false,
            minimum_payout: BTreeMap::new(),
            review_reminder_days: 14,
        }
    }
}

impl CommissionSettings {
    /// The minimum payout in `currency`'s minor units (none set: any positive balance is paid).
    pub fn minimum_in(&self, currency: Currency) -> i64 {
        self.minimum_payout.get(currency.as_str()).copied().unwrap_or(0)
    }

    pub fn validate(&self, prefix: &str, errors: &mut FieldErrors) {
        if self.payout_period == PeriodKind::Year {
            errors.add(format!("{prefix}payout_period"), "Weekly, monthly or quarterly.");
        }
        for (code, minimum) in &self.minimum_payout {
            if Currency::parse(code).is_err() {
                errors.add(format!("{prefix}minimum_payout.{code}"), "Not a currency code.");
            } else if !(0..=crate::money::MAX_AMOUNT_MINOR).contains(minimum) {
                errors.add(format!("{prefix}minimum_payout.{code}"), "Zero or a positive amount.");
            }
        }
        if !(1..=365).contains(&self.review_reminder_days) {
            errors.add(format!("{prefix}review_reminder_days"), "Between 1 and 365 days.");
        }
    }
}

/// PRG-5: the program's schedule, or a partner's own (`partner_period`, `partner_automatic`) where set.
pub fn payout_schedule(
    program: &CommissionSettings,
    partner_period: Option<PeriodKind>,
    partner_automatic: Option<bool>,
) -> (PeriodKind, bool) {
    (
        partner_period.unwrap_or(program.payout_period),
        partner_automatic.unwrap_or(program.automatic_confirmation),
    )
}

fn default_grace_days() -> u32 {
    90
}

fn default_rights_reminder_days() -> u32 {
    14
}

/// PRG-2: the weight of each partner level and the open leads a partner takes at once unless its
/// own capacity says otherwise. A level missing from the map weighs 0: never picked automatically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDistribution {
    /// Level code → weight (0 … 100); higher first.
    pub level_weights: BTreeMap<String, u32>,
    /// Open (offered, unanswered) leads per partner, 1 … 10,000.
    pub default_capacity: u32,
}

impl Default for LeadDistribution {
    fn default() -> Self {
        LeadDistribution {
            level_weights: [("bronze", 1), ("silver", 2), ("gold", 3), ("platinum", 4)]
                .into_iter()
                .map(|(level, weight)| (level.to_owned(), weight))
                .collect(),
            default_capacity: 5,
        }
    }
}

/// The largest weight and capacity a program may set.
pub const MAX_LEVEL_WEIGHT: u32 = 100;
pub const MAX_LEAD_CAPACITY: u32 = 10_000;

impl LeadDistribution {
    pub fn weight(&self, level: PartnerLevel) -> u32 {
        self.level_weights.get(level.as_str()).copied().unwrap_or(0)
    }

    pub fn validate(&self, prefix: &str, errors: &mut FieldErrors) {
        for (level, weight) in &self.level_weights {
            if PartnerLevel::parse(level).is_err() {
                errors.add(format!("{prefix}level_weights.{level}"), "Not a partner level.");
            } else if *weight > MAX_LEVEL_WEIGHT {
                errors.add(
                    format!("{prefix}level_weights.{level}"),
                    format!("A weight from 0 to {MAX_LEVEL_WEIGHT}."),
                );
            }
        }
        if !(1..=MAX_LEAD_CAPACITY).contains(&self.default_capacity) {
            errors.add(
                format!("{prefix}default_capacity"),
                format!("Between 1 and {MAX_LEAD_CAPACITY} open leads."),
            );
        }
    }
}

impl Default for ProgramSettings {
    fn default() -> Self {
        ProgramSettings {
            default_validity_days: 90,
            max_validity_days: 365,
            reminder_days_before: 14,
            fallback_approver_id: None,
            time_zone: "UTC".to_owned(),
            currency: Currency::parse("USD").unwrap_or_else(|_| unreachable!()),
            no_sor_pricing: NoSorPricing::Reject,
            over_order: OverOrderPolicy::Warn,
            lead_distribution: LeadDistribution::default(),
            grace_days: default_grace_days(),
            rights_reminder_days: default_rights_reminder_days(),
            pipeline_stages: crate::opportunities::default_stages(),
            commissions: CommissionSettings::default(),
        }
    }
}

impl ProgramSettings {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if !(1..=3650).contains(&self.max_validity_days) {
            errors.add("max_validity_days", "Between 1 and 3650 days.");
        }
        if self.default_validity_days == 0 || self.default_validity_days > self.max_validity_days {
            errors.add(
                "default_validity_days",
                "At least 1 day, and no longer than the longest validity.",
            );
        }
        if self.reminder_days_before >= self.max_validity_days {
            errors.add("reminder_days_before", "Fewer days than the longest validity.");
        }
        if !(1..=730).contains(&self.grace_days) {
            errors.add("grace_days", "Between 1 and 730 days.");
        }
        if self.rights_reminder_days >= self.grace_days {
            errors.add("rights_reminder_days", "Fewer days than the grace period.");
        }
        if let Err(message) = check_stages(&self.pipeline_stages) {
            errors.add("pipeline_stages", message);
        }
        if jiff::tz::TimeZone::get(&self.time_zone).is_err() {
            errors.add(
                "time_zone",
                "Not a time zone we know: use a name such as America/New_York or Europe/Berlin.",
            );
        }
        self.lead_distribution.validate("lead_distribution.", &mut errors);
        self.commissions.validate("commissions.", &mut errors);
        errors.into_result(())
    }

    pub fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

/// The pipeline names 1 to 12 distinct open stages of at most 60 characters; "Won" and "Lost" are
/// the outcomes, not stages.
fn check_stages(stages: &[String]) -> Result<(), &'static str> {
    let distinct: std::collections::BTreeSet<String> = stages.iter().map(|s| s.trim().to_lowercase()).collect();
    if !(1..=12).contains(&stages.len()) || distinct.len() != stages.len() {
        return Err("From 1 to 12 stages, each named once.");
    }
    if stages.iter().any(|s| s.trim().is_empty() || s.chars().count() > 60) {
        return Err("Each stage has a name of at most 60 characters.");
    }
    if distinct.contains("won") || distinct.contains("lost") {
        return Err("Won and lost are how an opportunity ends, not stages.");
    }
    Ok(())
}

/// REG-2: a registration goes to the regional manager of the partner's region, else to the
/// program's fallback approver; with neither, only an administrator can decide it.
pub fn route_approver(region_manager: Option<i64>, fallback: Option<i64>) -> Option<i64> {
    region_manager.or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(ProgramSettings::default().validate().is_ok());
        assert_eq!(ProgramSettings::default().default_validity_days, 90);
        assert_eq!(ProgramSettings::default().no_sor_pricing, NoSorPricing::Reject);
    }

    #[test]
    fn settings_stored_before_order_entry_read_with_the_seed_defaults() {
        let stored = r#"{"default_validity_days":60,"max_validity_days":365,"reminder_days_before":14,
            "fallback_approver_id":null,"time_zone":"UTC","currency":"USD"}"#;
        let s: ProgramSettings = serde_json::from_str(stored).unwrap();
        assert_eq!(
            (s.no_sor_pricing, s.over_order),
            (NoSorPricing::Reject, OverOrderPolicy::Warn)
        );
        assert_eq!(s.lead_distribution.default_capacity, 5);
        assert_eq!(s.lead_distribution.weight(PartnerLevel::Gold), 3);
        assert_eq!((s.grace_days, s.pipeline_stages.len()), (90, 4));
    }

    #[test]
    fn every_bad_setting_is_named() {
        let s = ProgramSettings {
            default_validity_days: 400,
            max_validity_days: 365,
            reminder_days_before: 365,
            time_zone: "Mars/Olympus".into(),
            lead_distribution: LeadDistribution {
                level_weights: [("gold".to_owned(), 101), ("tin".to_owned(), 1)].into(),
                default_capacity: 0,
            },
            ..ProgramSettings::default()
        };
        let fields: Vec<_> = s.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "default_validity_days",
                "reminder_days_before",
                "time_zone",
                "lead_distribution.level_weights.gold",
                "lead_distribution.level_weights.tin",
                "lead_distribution.default_capacity"
            ]
        );
        let roe = ProgramSettings {
            grace_days: 10,
            rights_reminder_days: 10,
            pipeline_stages: vec!["Qualify".into(), "qualify".into()],
            ..ProgramSettings::default()
        };
        let fields: Vec<_> = roe.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["rights_reminder_days", "pipeline_stages"]);
    }

    #[test]
    fn regional_manager_comes_before_the_fallback() {
        assert_eq!(route_approver(Some(7), Some(1)), Some(7));
        assert_eq!(route_approver(None, Some(1)), Some(1));
        assert_eq!(route_approver(None, None), None);
    }
}
