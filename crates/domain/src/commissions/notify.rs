//! The messages of the partner program (PLT-3).

use super::Payout;
use crate::notify::Draft;
use crate::{Currency, money::display_amount};

/// The figures a statement reports for one confirmed commission order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementFigures {
    pub earned: i64,
    pub clawed_back: i64,
    pub carried_in: i64,
    pub payout: Payout,
    pub minimum: i64,
    pub currency: Currency,
}

/// PRG-5 (seed 003): the partner is sent its statement when an order is confirmed.
pub fn statement(number: &str, period: &str, figures: &StatementFigures) -> Draft {
    let money = |amount| display_amount(amount, figures.currency);
    Draft {
        kind: "commission_statement",
        subject: format!("Commission statement {number}: {period} ({})", figures.currency),
        body: format!(
            "Your commission for {period} in {currency} is confirmed ({number}).\n\n\
             Earned: {earned}\nClawed back: {clawed}\nCarried in from earlier periods: {carried}\n\n\
             {payout}\n\nEvery line, with the plan, rule, base and rate behind it, is under Commissions.",
            currency = figures.currency,
            earned = money(figures.earned),
            clawed = money(-figures.clawed_back),
            carried = money(figures.carried_in),
            payout = figures.payout.sentence(figures.currency, figures.minimum),
        ),
    }
}

/// PRG-1: the channel manager is reminded of a partner's level review.
pub fn review_due(partner: &str, due: jiff::civil::Date) -> Draft {
    Draft {
        kind: "partner_review_due",
        subject: format!("Level review due for {partner} on {due}"),
        body: format!(
            "{partner}'s level and activation stage are due for review on {due}.\n\n\
             Review its business and set its level, stage and next review date on its program page."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commissions::CarryReason;

    #[test]
    fn a_statement_says_what_was_earned_and_what_is_paid_or_carried() {
        let usd = Currency::parse("USD").unwrap();
        let paid = statement(
            "CPO-000012",
            "March 2026",
            &StatementFigures {
                earned: 120_000,
                clawed_back: -25_000,
                carried_in: 3_000,
                payout: Payout::Pay { amount: 98_000 },
                minimum: 5_000,
                currency: usd,
            },
        );
        assert_eq!(paid.subject, "Commission statement CPO-000012: March 2026 (USD)");
        assert!(paid.body.contains("Earned: 1,200.00 USD\nClawed back: 250.00 USD"));
        assert!(paid.body.contains("Carried in from earlier periods: 30.00 USD"));
        assert!(paid.body.contains("980.00 USD paid out."));
        let carried = statement(
            "CPO-000013",
            "April 2026",
            &StatementFigures {
                earned: 4_000,
                clawed_back: 0,
                carried_in: 0,
                payout: Payout::Carry {
                    balance: 4_000,
                    reason: CarryReason::BelowMinimum,
                },
                minimum: 5_000,
                currency: usd,
            },
        );
        assert!(
            carried
                .body
                .contains("40.00 USD is below the minimum payout of 50.00 USD")
        );
        let review = review_due("Tailspin EdTech", jiff::civil::date(2026, 12, 15));
        assert_eq!(review.subject, "Level review due for Tailspin EdTech on 2026-12-15");
    }
}
