//! Order entry (seed 000, ORD-1 … ORD-5): verifying the SOR a purchase order cites and pricing each
//! line. Every line gets a decision and a reason a partner can act on; nothing here reads a clock or
//! a database — the store loads what is on file and passes it in.

pub mod input;
pub mod notify;
pub mod policy;

use crate::directory::Segment;
use crate::money::MAX_AMOUNT_MINOR;
use crate::registrations::{Status, is_expired};
use crate::str_enum::str_enum;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Program setting: what a line without a valid SOR gets (ORD-2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoSorPricing {
    /// Seed 000: "Order entry will … reject any order without an approved SOR."
    #[default]
    Reject,
    /// Price it at Commercial MSRP, or GOV/ED RRSP for government and education customers.
    Reprice,
}
str_enum!(NoSorPricing { Reject => "reject", Reprice => "reprice" });

/// Program setting: what happens when orders on one SOR exceed the registered quantity (ORD-5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OverOrderPolicy {
    /// Price the line and say by how much the registration is exceeded.
    #[default]
    Warn,
    /// Refuse the line: the partner must have the SOR updated first.
    Refuse,
}
str_enum!(OverOrderPolicy { Warn => "warn", Refuse => "refuse" });

/// Which price of the price list a line was charged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    /// The discounted partner price, under an SOR.
    PartnerPrice,
    /// Commercial MSRP: no valid SOR, commercial customer.
    CommercialMsrp,
    /// GOV/ED RRSP: no valid SOR, government or education customer.
    GovEdRrsp,
}
str_enum!(PriceBasis {
    PartnerPrice => "partner_price" as "Partner price",
    CommercialMsrp => "commercial_msrp" as "Commercial MSRP",
    GovEdRrsp => "gov_ed_rrsp" as "GOV/ED RRSP",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Every line priced.
    Accepted,
    /// Some lines priced, some refused.
    PartiallyAccepted,
    /// No line priced.
    Refused,
}
str_enum!(OrderStatus {
    Accepted => "accepted",
    PartiallyAccepted => "partially_accepted",
    Refused => "refused",
});

/// One version of a product's prices, in minor units of the program currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceVersion {
    pub effective_from: Date,
    pub list_minor: i64,
    pub partner_minor: i64,
    pub msrp_minor: i64,
    pub rrsp_minor: i64,
}

/// Prices are effective-dated: the version in force on `date` is the latest that started on or
/// before it. A new version never reprices an order already entered (orders keep their prices).
pub fn price_in_effect(versions: &[PriceVersion], date: Date) -> Option<PriceVersion> {
    versions
        .iter()
        .filter(|v| v.effective_from <= date)
        .max_by_key(|v| v.effective_from)
        .copied()
}

/// What one SOR line allows and what earlier orders already took from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SorLineUsage {
    pub registered: i64,
    pub ordered: i64,
}

/// An SOR of the ordering partner, as on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SorOnFile {
    pub registration_id: i64,
    pub number: String,
    pub customer_id: i64,
    pub status: Status,
    pub valid_through: Option<Date>,
    /// Per product id.
    pub lines: BTreeMap<i64, SorLineUsage>,
}

/// The SOR number written on the PO, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitedSor {
    None,
    /// No SOR of this partner has this number: it does not exist or belongs to another partner,
    /// and the answer must not say which.
    NotThisPartners(String),
    Found(SorOnFile),
}

/// Everything the pricing of one order depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderContext {
    /// The business date the order is entered on.
    pub order_date: Date,
    pub customer_id: i64,
    pub segment: Segment,
    pub cited: CitedSor,
    /// The most recently approved SOR of this partner for this customer, whatever its status now.
    pub latest_for_customer: Option<SorOnFile>,
    pub no_sor: NoSorPricing,
    pub over_order: OverOrderPolicy,
}

/// One PO line with the product it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRequest {
    /// `None` when no product has this SKU: the line is refused, the others are priced.
    pub product_id: Option<i64>,
    pub sku: String,
    pub quantity: i64,
    pub is_accessory: bool,
    /// The price version in force on the order date, if any.
    pub price: Option<PriceVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineDecision {
    Priced {
        basis: PriceBasis,
        unit_minor: i64,
        amount_minor: i64,
        /// The registration whose SOR the line was priced under.
        sor: Option<(i64, String)>,
    },
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub decision: LineDecision,
    /// How the line was priced or why it was refused, e.g. "partner price under SOR-2026-000042".
    pub reason: String,
    /// Priced, but worth a look: e.g. the SOR's registered quantity is exceeded.
    pub warning: Option<String>,
}

impl PricedLine {
    fn refused(reason: String) -> PricedLine {
        PricedLine {
            decision: LineDecision::Refused,
            reason: format!("refused: {reason}"),
            warning: None,
        }
    }

    pub fn amount_minor(&self) -> i64 {
        match self.decision {
            LineDecision::Priced { amount_minor, .. } => amount_minor,
            LineDecision::Refused => 0,
        }
    }
}

/// ORD-2: why `sor` cannot price this line, or `None` when it can. Checked in the order a partner
/// would fix them: the customer, the status and dates, then the products.
fn sor_problem(sor: &SorOnFile, ctx: &OrderContext, line: &LineRequest, product_id: i64) -> Option<String> {
    let number = &sor.number;
    if sor.customer_id != ctx.customer_id {
        return Some(format!("{number} is registered for another end customer"));
    }
    let through = sor.valid_through.map(|d| d.to_string()).unwrap_or_default();
    match sor.status {
        Status::Approved if sor.valid_through.is_some_and(|v| !is_expired(v, ctx.order_date)) => {}
        Status::Approved | Status::Expired => return Some(format!("{number} expired (valid through {through})")),
        Status::Won | Status::Lost => return Some(format!("{number} is closed ({})", sor.status)),
        Status::Withdrawn => return Some(format!("{number} was withdrawn")),
        Status::Submitted | Status::Declined => return Some(format!("{number} is not approved")),
    }
    if !sor.lines.contains_key(&product_id) {
        return Some(format!("{} is not on {number}", line.sku));
    }
    None
}

/// ORD-3 … ORD-5: prices every line of one order. `ctx` carries the SORs as on file; quantities
/// ordered by earlier lines of this order count against the SOR like earlier orders do.
pub fn price_order(ctx: &OrderContext, lines: &[LineRequest]) -> Vec<PricedLine> {
    let mut ordered_now: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    lines
        .iter()
        .map(|line| price_line(ctx, line, &mut ordered_now))
        .collect()
}

fn price_line(ctx: &OrderContext, line: &LineRequest, ordered_now: &mut BTreeMap<(i64, i64), i64>) -> PricedLine {
    // ORD-1: a SKU the price list does not know is refused like any other line that cannot be
    // priced, with its reason, and the rest of the PO goes on (seed 000 refuses lines, not POs).
    let Some(product_id) = line.product_id else {
        return PricedLine::refused(format!("no product with SKU {}", line.sku));
    };
    let Some(price) = line.price else {
        return PricedLine::refused(format!("{} has no price in effect on {}", line.sku, ctx.order_date));
    };
    // ORD-2/ORD-3: the SOR on the PO gives the partner price when it is valid for this line.
    let cited_problem = match &ctx.cited {
        CitedSor::None => "no SOR".to_owned(),
        CitedSor::NotThisPartners(number) => format!("{number} is not an SOR of this partner"),
        CitedSor::Found(sor) => match sor_problem(sor, ctx, line, product_id) {
            None => return under_sor(ctx, sor, (line, product_id), price, "", ordered_now),
            Some(problem) => problem,
        },
    };
    // ORD-4, seed 000: "Accessories … may be ordered using the most recently approved SOR number for
    // that customer regardless of the current status of that SOR". Whatever the PO cites — nothing, an
    // older SOR of the customer, a lapsed one — the accessory is priced under the partner's most recent
    // approved SOR for this customer, and the reason names it.
    if line.is_accessory
        && let Some(latest) = &ctx.latest_for_customer
    {
        let note = if matches!(&ctx.cited, CitedSor::Found(s) if s.registration_id == latest.registration_id) {
            " (accessory: the customer's most recent SOR, any status)".to_owned()
        } else {
            format!(" (accessory: the customer's most recent SOR; {cited_problem})")
        };
        return under_sor(ctx, latest, (line, product_id), price, &note, ordered_now);
    }
    without_sor(ctx, line, price, &cited_problem)
}

/// ORD-3, seed 000: "Without an approved SOR, the partner cost is either the Commercial MSRP price or
/// the GOV/ED RRSP price" — when the program re-prices; by default such lines are refused (ORD-2).
fn without_sor(ctx: &OrderContext, line: &LineRequest, price: PriceVersion, problem: &str) -> PricedLine {
    match ctx.no_sor {
        NoSorPricing::Reject => PricedLine::refused(problem.to_owned()),
        NoSorPricing::Reprice => {
            let (basis, unit) = match ctx.segment {
                Segment::Commercial => (PriceBasis::CommercialMsrp, price.msrp_minor),
                Segment::Government | Segment::Education => (PriceBasis::GovEdRrsp, price.rrsp_minor),
            };
            priced(line, basis, unit, None, format!("{}: {problem}", basis.label()), None)
        }
    }
}

/// Seed 000: "With an approved SOR, the partner cost is the discounted partner price on the price
/// list." ORD-5: follow-on orders draw on the same SOR; beyond the registered quantity the program's
/// over-order policy applies.
fn under_sor(
    ctx: &OrderContext,
    sor: &SorOnFile,
    (line, product_id): (&LineRequest, i64),
    price: PriceVersion,
    note: &str,
    ordered_now: &mut BTreeMap<(i64, i64), i64>,
) -> PricedLine {
    let number = &sor.number;
    let mut warning = None;
    if let Some(usage) = sor.lines.get(&product_id) {
        let key = (sor.registration_id, product_id);
        let before = usage.ordered + ordered_now.get(&key).copied().unwrap_or(0);
        let after = before.saturating_add(line.quantity);
        if after > usage.registered {
            let excess = format!(
                "{after} of {} registered on {number} would be ordered ({before} before this line)",
                usage.registered
            );
            match ctx.over_order {
                OverOrderPolicy::Refuse => {
                    return PricedLine::refused(format!("{excess}; have the SOR updated first"));
                }
                OverOrderPolicy::Warn => warning = Some(format!("exceeds the registration: {excess}")),
            }
        }
        ordered_now.insert(key, after - usage.ordered);
    }
    let reason = format!("partner price under {number}{note}");
    let sor = Some((sor.registration_id, number.clone()));
    priced(
        line,
        PriceBasis::PartnerPrice,
        price.partner_minor,
        sor,
        reason,
        warning,
    )
}

fn priced(
    line: &LineRequest,
    basis: PriceBasis,
    unit_minor: i64,
    sor: Option<(i64, String)>,
    reason: String,
    warning: Option<String>,
) -> PricedLine {
    match unit_minor.checked_mul(line.quantity) {
        Some(amount_minor) if amount_minor <= MAX_AMOUNT_MINOR => PricedLine {
            decision: LineDecision::Priced {
                basis,
                unit_minor,
                amount_minor,
                sor,
            },
            reason,
            warning,
        },
        _ => PricedLine::refused(format!(
            "{} × {} exceeds the largest amount one line may carry",
            line.quantity, line.sku
        )),
    }
}

/// The order's status from its lines.
pub fn order_status(lines: &[PricedLine]) -> OrderStatus {
    let priced = lines
        .iter()
        .filter(|l| matches!(l.decision, LineDecision::Priced { .. }))
        .count();
    match priced {
        0 => OrderStatus::Refused,
        n if n == lines.len() => OrderStatus::Accepted,
        _ => OrderStatus::PartiallyAccepted,
    }
}

impl fmt::Display for PricedLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

#[cfg(test)]
mod tests;
