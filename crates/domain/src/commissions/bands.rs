//! Amount bands: the sections a line's amount falls in, and the volume tiers of a partner's period.
//!
//! Bands cover every amount from zero up, without overlap or gap: the first starts at 0, each next
//! one starts one minor unit after the one before ends (bounds are inclusive), and only the last is
//! open-ended. `Bands` can only be built through that check, so a rule never meets an amount that
//! falls in no band or in two.

use super::amounts::{BP_PER_WHOLE, round_div};
use super::{PeriodKind, TierMode};
use crate::money::display_amount;
use crate::{Currency, FieldErrors};
use serde::{Deserialize, Serialize};

/// One band: from `from` to `to` minor units, both included (`to` absent: no upper bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    pub from: i64,
    pub to: Option<i64>,
    /// Basis points: 1,200 is 12 %.
    pub rate_bp: u32,
}

impl Band {
    fn contains(&self, amount: i64) -> bool {
        amount >= self.from && self.to.is_none_or(|to| amount <= to)
    }
}

/// Bands in a currency, checked to cover every amount from zero exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BandsData", into = "BandsData")]
pub struct Bands {
    currency: Currency,
    bands: Vec<Band>,
}

/// How bands are stored (JSON beside the rule); read back through the same check.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BandsData {
    currency: Currency,
    bands: Vec<Band>,
}

impl TryFrom<BandsData> for Bands {
    type Error = FieldErrors;
    fn try_from(data: BandsData) -> Result<Self, FieldErrors> {
        Bands::new(data.currency, data.bands, "bands")
    }
}

impl From<Bands> for BandsData {
    fn from(bands: Bands) -> Self {
        BandsData {
            currency: bands.currency,
            bands: bands.bands,
        }
    }
}

impl Bands {
    /// Checks the bands and names each bad bound by its field (`{field}[1].from_minor`), in words
    /// with the amounts written out.
    pub fn new(currency: Currency, bands: Vec<Band>, field: &str) -> Result<Bands, FieldErrors> {
        let mut errors = FieldErrors::default();
        let amount = |minor: i64| display_amount(minor, currency);
        if bands.is_empty() {
            errors.add(field, "Give at least one band.");
        }
        for (i, band) in bands.iter().enumerate() {
            let (from_field, to_field) = (format!("{field}[{i}].from_minor"), format!("{field}[{i}].to_minor"));
            let last = i + 1 == bands.len();
            match i.checked_sub(1).map(|before| bands[before].to) {
                None if band.from != 0 => errors.add(from_field, "The first band starts at 0."),
                Some(Some(before)) if band.from <= before => errors.add(
                    from_field,
                    format!("Overlaps the band before, which ends at {}.", amount(before)),
                ),
                Some(Some(before)) if band.from > before + 1 => errors.add(
                    from_field,
                    format!(
                        "Leaves a gap: the band before ends at {}, so this one starts at {}.",
                        amount(before),
                        amount(before + 1)
                    ),
                ),
                _ => {}
            }
            match band.to {
                Some(to) if to < band.from => errors.add(to_field, "Ends before it starts."),
                Some(_) if last => errors.add(to_field, "Leave the last band open-ended, so every amount has a rate."),
                None if !last => errors.add(to_field, "Give an end: only the last band is open-ended."),
                _ => {}
            }
            if i64::from(band.rate_bp) > BP_PER_WHOLE as i64 {
                errors.add(format!("{field}[{i}].rate_bp"), "A rate from 0 to 100 %.");
            }
        }
        errors.into_result(Bands { currency, bands })
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// The band `amount` falls in (a negative amount counts as 0).
    pub fn band_for(&self, amount: i64) -> &Band {
        let amount = amount.max(0);
        // Bands cover [0, ∞) by construction.
        self.bands.iter().find(|b| b.contains(amount)).unwrap_or(&self.bands[0])
    }
}

/// Seed 003 / issue 15 item 2 (sections): the band the line's amount falls in decides the rate of the
/// whole amount; both bounds belong to their band.
pub fn section_rate(bands: &Bands, amount: i64) -> u32 {
    bands.band_for(amount).rate_bp
}

/// Volume tiers: over a partner's paid business of a month, quarter or year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tiers {
    pub period: PeriodKind,
    pub mode: TierMode,
    pub bands: Bands,
}

/// Issue 15 item 2 (OCA #500: tiers over the period, not per line): the commission on a period's whole
/// volume, rounded once. Incremental: each slice at its tier's rate; retroactive: all of it at the rate
/// of the tier it reaches. A negative volume (refunds beyond the period's business) mirrors a positive.
pub fn tier_total(volume: i64, tiers: &Tiers) -> i64 {
    if volume < 0 {
        return -tier_total(volume.saturating_neg(), tiers);
    }
    match tiers.mode {
        TierMode::Retroactive => round_div(
            volume as i128 * tiers.bands.band_for(volume).rate_bp as i128,
            BP_PER_WHOLE,
        ),
        TierMode::Incremental => {
            let mut floor = 0i64;
            let mut sum = 0i128;
            for band in tiers.bands.bands() {
                let ceiling = band.to.unwrap_or(i64::MAX);
                sum += (volume.clamp(floor, ceiling) - floor) as i128 * band.rate_bp as i128;
                floor = ceiling;
            }
            round_div(sum, BP_PER_WHOLE)
        }
    }
}

/// What business `added` to a period that already holds `prior` paid volume earns: the commission on
/// the new total less the commission on the old (DECISIONS 63). Under retroactive tiers it includes the
/// raise owed on the period's earlier lines. Exact and additive: however a period's volume is split
/// into payments and refunds, the lines sum to `tier_total` of the period.
pub fn tier_commission(prior_volume: i64, added_volume: i64, tiers: &Tiers) -> i64 {
    tier_total(prior_volume.saturating_add(added_volume), tiers) - tier_total(prior_volume, tiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn band(from: i64, to: Option<i64>, rate_bp: u32) -> Band {
        Band { from, to, rate_bp }
    }

    #[test]
    fn bands_cover_every_amount_once() {
        let ok = Bands::new(
            usd(),
            vec![band(0, Some(99_999), 500), band(100_000, None, 800)],
            "bands",
        );
        assert!(ok.is_ok());
        let errors = Bands::new(
            usd(),
            vec![
                band(1, Some(100_000), 500),
                band(100_000, Some(200_000), 600),
                band(200_002, None, 700),
                band(300_000, Some(400_000), 20_000),
            ],
            "rules[0].bands",
        )
        .unwrap_err();
        let found: Vec<_> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("rules[0].bands[0].from_minor", "The first band starts at 0."),
                (
                    "rules[0].bands[1].from_minor",
                    "Overlaps the band before, which ends at 1,000.00 USD."
                ),
                (
                    "rules[0].bands[2].from_minor",
                    "Leaves a gap: the band before ends at 2,000.00 USD, so this one starts at 2,000.01 USD."
                ),
                (
                    "rules[0].bands[2].to_minor",
                    "Give an end: only the last band is open-ended."
                ),
                (
                    "rules[0].bands[3].to_minor",
                    "Leave the last band open-ended, so every amount has a rate."
                ),
                ("rules[0].bands[3].rate_bp", "A rate from 0 to 100 %."),
            ]
        );
        assert_eq!(
            Bands::new(usd(), vec![], "bands").unwrap_err().0[0].message,
            "Give at least one band."
        );
        let backwards = Bands::new(
            usd(),
            vec![band(0, Some(10), 1), band(11, Some(5), 1), band(6, None, 1)],
            "b",
        );
        assert_eq!(backwards.unwrap_err().0[0].field, "b[1].to_minor");
    }

    #[test]
    fn stored_bands_are_read_back_through_the_check() {
        let bands = Bands::new(usd(), vec![band(0, Some(99), 100), band(100, None, 200)], "bands").unwrap();
        let json = serde_json::to_string(&bands).unwrap();
        assert_eq!(serde_json::from_str::<Bands>(&json).unwrap(), bands);
        let gap = r#"{"currency":"USD","bands":[{"from":0,"to":99,"rate_bp":1},{"from":101,"to":null,"rate_bp":2}]}"#;
        assert!(serde_json::from_str::<Bands>(gap).is_err());
    }
}
