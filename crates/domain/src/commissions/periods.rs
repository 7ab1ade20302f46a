//! Payout periods, the open draft a commission line joins, the minimum payout, and totals that keep
//! currencies apart.

use super::PeriodKind;
use crate::money::display_amount;
use crate::str_enum::str_enum;
use crate::{Currency, Money};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A calendar period, both ends included. Weeks run Monday to Sunday (ISO 8601).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: Date,
    pub end: Date,
}

impl Period {
    /// Seed 003 ("weekly, monthly or quarterly"): the period of `kind` that holds `date`.
    pub fn containing(kind: PeriodKind, date: Date) -> Period {
        let start = match kind {
            PeriodKind::Week => date.saturating_sub(i64::from(date.weekday().to_monday_zero_offset()).days()),
            PeriodKind::Month => date.first_of_month(),
            PeriodKind::Quarter => {
                let first_month = (date.month() - 1) / 3 * 3 + 1;
                Date::new(date.year(), first_month, 1).unwrap_or(date)
            }
            PeriodKind::Year => date.first_of_year(),
        };
        let end = match kind {
            PeriodKind::Week => start.saturating_add(6.days()),
            PeriodKind::Month => start.last_of_month(),
            PeriodKind::Quarter => start.saturating_add(2.months()).last_of_month(),
            PeriodKind::Year => start.last_of_year(),
        };
        Period { kind, start, end }
    }

    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }

    pub fn next(&self) -> Period {
        Period::containing(self.kind, self.end.tomorrow().unwrap_or(self.end))
    }

    /// Issue 15 item 5 (OCA #297: "nothing settles"): only a complete period is confirmed — one whose
    /// last day is before `today`, the company's calendar date (`calendar::business_date`).
    pub fn is_complete(&self, today: Date) -> bool {
        self.end < today
    }

    /// "Week 14, 2026", "March 2026", "Q1 2026", "2026".
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Week => {
                let week = self.start.iso_week_date();
                format!("Week {}, {}", week.week(), week.year())
            }
            PeriodKind::Month => self.start.strftime("%B %Y").to_string(),
            PeriodKind::Quarter => format!("Q{} {}", (self.start.month() - 1) / 3 + 1, self.start.year()),
            PeriodKind::Year => self.start.year().to_string(),
        }
    }
}

/// The one open draft purchase order a commission line joins: one per partner, period and currency
/// (DECISIONS 64). Currencies are never summed into one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PoKey {
    pub partner_id: i64,
    pub period: Period,
    pub currency: Currency,
}

impl PoKey {
    /// Issue 15 item 5 (confirmed POs are immutable; corrections are new lines): a line dated
    /// `event_date` joins the draft of its period, or — when that period's order is already confirmed
    /// (periods are confirmed in order, the last confirmed ending on `confirmed_through`) — the draft
    /// of the first period after it.
    pub fn for_line(
        partner_id: i64,
        kind: PeriodKind,
        currency: Currency,
        event_date: Date,
        confirmed_through: Option<Date>,
    ) -> PoKey {
        let mut period = Period::containing(kind, event_date);
        if let Some(through) = confirmed_through.filter(|through| period.start <= *through) {
            period = Period::containing(kind, through.tomorrow().unwrap_or(through));
        }
        PoKey {
            partner_id,
            period,
            currency,
        }
    }
}

/// Why a balance is carried to the next period instead of paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CarryReason {
    BelowMinimum,
    Negative,
}
str_enum!(CarryReason {
    BelowMinimum => "below_minimum" as "Below the minimum payout",
    Negative => "negative" as "Negative balance",
});

/// What a confirmed period's order does with the partner's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payout {
    /// Pay the whole balance; nothing is carried on.
    Pay { amount: i64 },
    /// Pay nothing; the balance opens the next period.
    Carry { balance: i64, reason: CarryReason },
}

impl Payout {
    /// What the partner's statement says.
    pub fn sentence(&self, currency: Currency, minimum: i64) -> String {
        match self {
            Payout::Pay { amount } => format!("{} paid out.", display_amount(*amount, currency)),
            Payout::Carry {
                balance,
                reason: CarryReason::BelowMinimum,
            } => format!(
                "{} is below the minimum payout of {}: carried to the next period.",
                display_amount(*balance, currency),
                display_amount(minimum, currency)
            ),
            Payout::Carry { balance, .. } => format!(
                "The balance is {}: claw-backs exceed earnings. It is carried, never paid, until earnings cover it.",
                display_amount(*balance, currency)
            ),
        }
    }
}

/// Issue 15 item 5 (PartnerStack, Tolt): a period's total plus the balance carried into it is paid
/// when it reaches `minimum` (of the order's currency) and is positive; below the minimum it carries
/// on; a negative balance carries on and is never paid out.
pub fn payout_decision(period_total: i64, carried: i64, minimum: i64) -> Payout {
    let balance = period_total.saturating_add(carried);
    if balance < 0 {
        Payout::Carry {
            balance,
            reason: CarryReason::Negative,
        }
    } else if balance == 0 || balance < minimum {
        Payout::Carry {
            balance,
            reason: CarryReason::BelowMinimum,
        }
    } else {
        Payout::Pay { amount: balance }
    }
}

/// Totals kept per currency (OCA #240, #306: currencies summed without conversion). There is no
/// grand total on purpose: amounts of different currencies are never added together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotals(Vec<Money>);

impl CurrencyTotals {
    pub fn add(&mut self, money: Money) {
        match self.0.iter_mut().find(|m| m.currency == money.currency) {
            Some(total) => total.amount_minor = total.amount_minor.saturating_add(money.amount_minor),
            None => {
                let at = self
                    .0
                    .partition_point(|m| m.currency.as_str() < money.currency.as_str());
                self.0.insert(at, money);
            }
        }
    }

    pub fn get(&self, currency: Currency) -> i64 {
        self.0
            .iter()
            .find(|m| m.currency == currency)
            .map_or(0, |m| m.amount_minor)
    }

    /// Each currency's total, by currency code.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Money> for CurrencyTotals {
    fn from_iter<I: IntoIterator<Item = Money>>(iter: I) -> Self {
        let mut totals = CurrencyTotals::default();
        for money in iter {
            totals.add(money);
        }
        totals
    }
}
