//! Opportunities and the rules of engagement (seed 001, ROE-1 … ROE-5): the record a deal lives in,
//! its one Opportunity Manager, how long the manager's rights last, what a Major Account Manager
//! changes, and the renewal that keeps the manager's residual revenue.

pub mod input;
pub mod notify;
pub mod policy;

use crate::str_enum::str_enum;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

crate::sor::readable_number!(
    /// An opportunity's number, carried by its quotes, orders, invoices and commissions.
    OpportunityNumber,
    "OPP"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpportunityStatus))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Won,
    Lost,
    /// The manager's rights ended by the grace period (ROE-3): the account is open to all.
    Lapsed,
}
str_enum!(Status { Open => "open", Won => "won", Lost => "lost", Lapsed => "lapsed" as "Rights ended" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpportunitySource))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Lead,
    /// Created when a partner's registration was approved.
    Registration,
    /// Opened by a partner in the portal.
    Partner,
    /// Opened by the sales team.
    Intake,
    Renewal,
}
str_enum!(Source {
    Lead => "lead",
    Registration => "registration" as "Partner registration",
    Partner => "partner" as "Partner portal",
    Intake => "intake" as "Sales intake",
    Renewal => "renewal",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// An internal user.
    User,
    Partner,
}
str_enum!(PartyKind { User => "user" as "Internal", Partner => "partner" });

/// Who manages an opportunity or a major account, or takes part in one (ROE-1: "an internal user or
/// a partner").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    pub kind: PartyKind,
    /// The user's id or the partner's id.
    pub id: i64,
}

impl Party {
    pub fn user(id: i64) -> Party {
        Party {
            kind: PartyKind::User,
            id,
        }
    }

    pub fn partner(id: i64) -> Party {
        Party {
            kind: PartyKind::Partner,
            id,
        }
    }

    pub fn partner_id(self) -> Option<i64> {
        (self.kind == PartyKind::Partner).then_some(self.id)
    }

    pub fn user_id(self) -> Option<i64> {
        (self.kind == PartyKind::User).then_some(self.id)
    }
}

/// How a party takes part in an opportunity it does not manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// ROE-4: sells its own services beside the manager; sees the shared timeline and shares copies
    /// of its quotes and contracts.
    CoSell,
    /// ROE-2: a member of a revenue-share team the Major Account Manager agreed to.
    RevenueShare,
    /// Managed the opportunity before it was turned over to the Major Account Manager; may ask the
    /// MAM for a revenue-share team.
    TurnedOver,
}
str_enum!(MemberRole {
    CoSell => "co_sell" as "Co-sell partner",
    RevenueShare => "revenue_share" as "Revenue share",
    TurnedOver => "turned_over" as "Turned over to the MAM",
});

/// What a shared document is (ROE-4: "copies of the quotes and contracts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentPurpose {
    Quote,
    Contract,
    Other,
}
str_enum!(DocumentPurpose { Quote => "quote", Contract => "contract", Other => "other" as "Other document" });

/// Basis points in a whole: revenue shares sum to it.
pub const WHOLE_BP: u32 = 10_000;

/// Seed 001 (ROE-3): "business not awarded as forecasted (with a ninety day grace period),
/// terminates your rights as the Opportunity Manager." The rights hold through the last day of the
/// grace, inclusive: forecast close 2026-03-31 with 90 days → rights through 2026-06-29, ended on
/// 2026-06-30. They never end before an approved SOR of the opportunity does (REG-4 is not
/// shortened): the later of the two is the last day.
pub fn rights_through(forecast_close: Date, grace_days: u32, sor_valid_through: Option<Date>) -> Date {
    let grace_end = forecast_close.saturating_add(i64::from(grace_days).days());
    sor_valid_through.map_or(grace_end, |sor| sor.max(grace_end))
}

/// The manager's rights hold while the opportunity is open and today is not past its last day.
pub fn rights_hold(status: Status, rights_through: Date, today: Date) -> bool {
    status == Status::Open && today <= rights_through
}

/// ROE-3: the manager is reminded `days_before` the rights end (and every day until then, once).
pub fn rights_reminder_due(rights_through: Date, today: Date, days_before: u32) -> bool {
    today <= rights_through && today >= rights_through.saturating_sub(i64::from(days_before).days())
}

/// An opportunity already on the account, as a newcomer meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub manager: Party,
    pub status: Status,
    pub rights_through: Date,
    /// The forecasted products (ids).
    pub products: BTreeSet<i64>,
    /// Whether its manager is the account's Major Account Manager.
    pub manager_is_mam: bool,
}

/// Seed 001 (ROE-2, ROE-3): does an existing opportunity stand in the way of `pursuer` pursuing
/// `products` on the same account? Not once its rights ended (the account is then open to all), not
/// for its own manager, and — for a manager without a Major Account Manager plan — only where the
/// products overlap: "your rights as the Opportunity Manager are limited to the forecasted
/// business". A Major Account Manager's rights cover the whole account.
pub fn stands_in_the_way(existing: &Standing, pursuer: Party, products: &BTreeSet<i64>, today: Date) -> bool {
    if existing.manager == pursuer || !rights_hold(existing.status, existing.rights_through, today) {
        return false;
    }
    existing.manager_is_mam || !existing.products.is_disjoint(products)
}

/// Seed 001 (ROE-2): "If there is a Major Account Manager (MAM) in charge of the account, then this
/// business should be either turned over to the MAM or possibly a revenue share teaming is possible,
/// if the MAM agrees". The manager an opportunity gets: the MAM when the account has one, else the
/// proposed manager; and whom it was turned over from, if anyone.
pub fn manager_on_account(proposed: Party, mam: Option<Party>) -> (Party, Option<Party>) {
    match mam {
        Some(mam) if mam != proposed => (mam, Some(proposed)),
        _ => (proposed, None),
    }
}

/// ROE-2: a revenue-share team's shares: the original manager and the MAM both hold a share, every
/// share is positive, no party twice, and together they are exactly 100% (10,000 basis points).
pub fn check_shares(shares: &[(Party, u32)], original: Party, mam: Party) -> Result<(), String> {
    let parties: BTreeSet<Party> = shares.iter().map(|(p, _)| *p).collect();
    if parties.len() != shares.len() {
        return Err("a party is listed twice; give each one share".into());
    }
    if !parties.contains(&original) || !parties.contains(&mam) {
        return Err("the team must include the original manager and the Major Account Manager".into());
    }
    if shares.iter().any(|(_, bp)| *bp == 0) {
        return Err("every share must be more than 0".into());
    }
    let total: u64 = shares.iter().map(|(_, bp)| u64::from(*bp)).sum();
    if total != u64::from(WHOLE_BP) {
        return Err(format!(
            "shares must total 100% (10,000 basis points); these total {}",
            percent(total)
        ));
    }
    Ok(())
}

/// Basis points as a person reads them: 2500 → "25%", 3333 → "33.33%".
pub fn percent(bp: u64) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
}

/// ROE-3: a forecast close date moved later would stretch the grace period, so it needs sales
/// management's approval (like an SOR extension); moved earlier or kept, it is the manager's to set.
pub fn close_date_needs_approval(current: Date, proposed: Date) -> bool {
    proposed > current
}

/// A won line that may renew: its product's maintenance or subscription term, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewableLine {
    pub product_id: i64,
    pub quantity: i64,
    pub list_price_minor: i64,
    pub term_months: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalPlan {
    pub close_date: Date,
    pub amount_minor: i64,
    pub lines: Vec<(i64, i64)>,
}

/// Seed 001 (ROE-4): "there is a periodic renewal of this business, then the Opportunity Manager
/// continues to be entitled to this residual revenue stream." Won business with term products renews:
/// the renewal opportunity (same manager) forecasts those lines at list price, closing one term
/// (the shortest of them) after the win. Won on 2026-12-15 with 12-month support → closes 2027-12-15.
/// Nothing renews without a term product.
pub fn plan_renewal(won_on: Date, lines: &[RenewableLine]) -> Option<RenewalPlan> {
    let renewing: Vec<&RenewableLine> = lines.iter().filter(|l| l.term_months.is_some()).collect();
    let term = renewing.iter().filter_map(|l| l.term_months).min()?;
    let amount_minor = renewing
        .iter()
        .map(|l| l.list_price_minor.saturating_mul(l.quantity))
        .fold(0i64, i64::saturating_add);
    Some(RenewalPlan {
        close_date: won_on.saturating_add(i64::from(term).months()),
        amount_minor,
        lines: renewing.iter().map(|l| (l.product_id, l.quantity)).collect(),
    })
}

/// The pipeline's open stages when the program has not chosen its own.
pub fn default_stages() -> Vec<String> {
    ["Qualification", "Discovery", "Proposal", "Negotiation"]
        .map(String::from)
        .to_vec()
}

#[cfg(test)]
mod tests;
