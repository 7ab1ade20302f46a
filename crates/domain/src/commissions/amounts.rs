//! Amounts of commission: the currency's minor unit, the one rounding, and the paid share.
//!
//! Every amount in dealreg is already an integer count of minor units, so a commission is rounded
//! when a rate in basis points (1/100 of a percent) multiplies a base: the exact product is computed
//! in i128 and divided once, half away from zero (DECISIONS 61). Half away from zero is symmetric —
//! `apply_rate(-b, r) == -apply_rate(b, r)` — so a refund mirrors its earning to the minor unit.

use serde::{Deserialize, Serialize};

/// Basis points in one whole (100 %).
pub const BP_PER_WHOLE: i128 = 10_000;

/// `numerator / denominator` rounded half away from zero. The denominator is positive.
pub(crate) fn round_div(numerator: i128, denominator: i128) -> i64 {
    debug_assert!(denominator > 0);
    let quotient = (numerator.abs() + denominator / 2) / denominator;
    let rounded = if numerator < 0 { -quotient } else { quotient };
    // Bases are bounded by MAX_AMOUNT_MINOR and rates by 100 %, so the result fits.
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

/// The part of an invoice that counts as paid for commission, as a fraction `paid / of`
/// (0 ≤ paid ≤ of, of > 0: only `new` and `paid_share` make one, and stored ones are read back
/// through `new`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "ShareData", into = "ShareData")]
pub struct Share {
    paid: i64,
    of: i64,
}

#[derive(Serialize, Deserialize)]
struct ShareData {
    paid: i64,
    of: i64,
}

impl TryFrom<ShareData> for Share {
    type Error = String;
    fn try_from(data: ShareData) -> Result<Self, String> {
        Share::new(data.paid, data.of)
    }
}

impl From<Share> for ShareData {
    fn from(share: Share) -> Self {
        ShareData {
            paid: share.paid,
            of: share.of,
        }
    }
}

impl Share {
    pub const NONE: Share = Share { paid: 0, of: 1 };
    pub const ALL: Share = Share { paid: 1, of: 1 };

    pub fn new(paid: i64, of: i64) -> Result<Share, String> {
        if of > 0 && (0..=of).contains(&paid) {
            Ok(Share { paid, of })
        } else {
            Err(format!("{paid} of {of} is not a share"))
        }
    }

    pub fn paid(self) -> i64 {
        self.paid
    }

    pub fn of(self) -> i64 {
        self.of
    }

    pub fn is_all(self) -> bool {
        self.paid == self.of
    }

    /// `amount × share`, rounded once: a paid share of a line's volume.
    pub fn of_amount(self, amount: i64) -> i64 {
        round_div(amount as i128 * self.paid as i128, self.of as i128)
    }
}

/// Seed 003: "the RFQ for the commission will only be created when the invoice is paid" — issuing
/// earns nothing. What counts as paid of an invoice whose lines, net of credit notes, total
/// `net_total` and on which the customer has paid `paid` (payments less refunds paid out): under
/// the default policy everything once it is paid in full and nothing before; in proportion, the
/// paid part. A fully credited invoice (net total 0) counts nothing.
pub fn paid_share(policy: super::PartialPaymentPolicy, net_total: i64, paid: i64) -> Share {
    if net_total <= 0 || paid <= 0 {
        return Share::NONE;
    }
    match policy {
        super::PartialPaymentPolicy::OnFullPayment if paid >= net_total => Share::ALL,
        super::PartialPaymentPolicy::OnFullPayment => Share::NONE,
        super::PartialPaymentPolicy::Proportional => Share {
            paid: paid.min(net_total),
            of: net_total,
        },
    }
}

/// Seed 003 / issue 15 item 4: a rate of a base, times the paid share, rounded once to the minor
/// unit. The whole product is exact in i128 (≤ 10¹⁴ × 10⁴ × 10¹⁴).
pub fn apply_rate(base: i64, rate_bp: u32, share: Share) -> i64 {
    round_div(
        base as i128 * rate_bp as i128 * share.paid as i128,
        BP_PER_WHOLE * share.of as i128,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commissions::PartialPaymentPolicy::{OnFullPayment, Proportional};

    #[test]
    fn rounding_is_half_away_from_zero_and_symmetric() {
        assert_eq!(round_div(5, 10), 1);
        assert_eq!(round_div(4, 10), 0);
        assert_eq!(round_div(-5, 10), -1);
        assert_eq!(round_div(-4, 10), 0);
        // 12,345 JPY at 10 % is 1,234.5 yen: 1,235 (research N10).
        assert_eq!(apply_rate(12_345, 1_000, Share::ALL), 1_235);
        assert_eq!(apply_rate(-12_345, 1_000, Share::ALL), -1_235);
        // 1,234.567 KWD at 10 % is 123.4567: 123.457.
        assert_eq!(apply_rate(1_234_567, 1_000, Share::ALL), 123_457);
    }

    #[test]
    fn only_paid_invoices_count() {
        assert_eq!(paid_share(OnFullPayment, 100_000, 0), Share::NONE);
        assert_eq!(paid_share(OnFullPayment, 100_000, 50_000), Share::NONE);
        assert_eq!(paid_share(OnFullPayment, 100_000, 100_000), Share::ALL);
        assert_eq!(
            paid_share(Proportional, 100_000, 50_000),
            Share {
                paid: 50_000,
                of: 100_000
            }
        );
        // Overpaid counts as paid; a credited invoice counts nothing.
        assert_eq!(
            paid_share(Proportional, 100_000, 120_000),
            Share {
                paid: 100_000,
                of: 100_000
            }
        );
        assert_eq!(paid_share(Proportional, 0, 100_000), Share::NONE);
        // OCA PR #480: invoice 1,000, 20 % = 200, 500 paid → 100.
        assert_eq!(
            apply_rate(100_000, 2_000, paid_share(Proportional, 100_000, 50_000)),
            10_000
        );
    }
}
