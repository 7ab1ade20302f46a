//! Plans, their versions and rules, and levels as staff enter them, and their parsing: every bad field
//! named at once, in words, beside its field.

use super::amounts::BP_PER_WHOLE;
use super::bands::{Band, Bands, Tiers};
use super::plans::RuleKind;
use super::{DecidingDate, PeriodKind, RuleKindCode, TierMode};
use crate::settings::MAX_LEVEL_WEIGHT;
use crate::{Currency, FieldErrors};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<100>))]
    pub name: Option<String>,
    /// close, invoice or payment: which date of a sale chooses the version. Invoice when absent.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DecidingDate>))]
    pub deciding_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub name: String,
    pub deciding_date: DecidingDate,
}

/// DECISIONS 62: the invoice date decides unless the plan says otherwise.
pub const DEFAULT_DECIDING_DATE: DecidingDate = DecidingDate::Invoice;

pub fn parse_plan(input: &PlanInput) -> Result<NewPlan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 100);
    let deciding_date = match input.deciding_date.as_deref().map(str::trim) {
        None | Some("") => Some(DEFAULT_DECIDING_DATE),
        Some(raw) => errors.parsed("deciding_date", DecidingDate::parse(raw)),
    };
    match (name, deciding_date) {
        (Some(name), Some(deciding_date)) if errors.is_empty() => Ok(NewPlan { name, deciding_date }),
        _ => Err(errors),
    }
}

/// One band of sections or tiers, in minor units, both bounds included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, minimum = 0))]
    pub from_minor: Option<i64>,
    /// Absent on the last band: no upper bound.
    pub to_minor: Option<i64>,
    /// Basis points, 0 … 10,000 (1,200 is 12 %).
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 10_000)
    )]
    pub rate_bp: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<100>))]
    pub name: Option<String>,
    /// The product category (its subcategories included); absent: every category.
    pub category_id: Option<i64>,
    /// The partner level; absent: every level.
    pub level_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = RuleKindCode))]
    pub kind: Option<String>,
    /// Percentages: basis points, 0 … 10,000.
    pub rate_bp: Option<i64>,
    /// Sections and tiers: the currency of their bands.
    pub currency: Option<String>,
    /// Sections and tiers.
    pub bands: Option<Vec<BandInput>>,
    /// Tiers: month, quarter or year.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PeriodKind>))]
    pub tier_period: Option<String>,
    /// Tiers: incremental or retroactive.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<TierMode>))]
    pub tier_mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanVersionInput {
    /// YYYY-MM-DD, included.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub effective_from: Option<String>,
    /// YYYY-MM-DD, included; absent: until a later version supersedes it.
    pub effective_until: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, max_items = 200))]
    pub rules: Option<Vec<RuleInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    pub name: String,
    pub category_id: Option<i64>,
    pub level_id: Option<i64>,
    pub kind: RuleKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlanVersion {
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    pub rules: Vec<NewRule>,
}

pub const MAX_RULES: usize = 200;

fn rate(field: &str, value: &Option<i64>, errors: &mut FieldErrors) -> Option<u32> {
    let raw = *errors.required(field, value)?;
    match u32::try_from(raw) {
        Ok(rate) if i128::from(rate) <= BP_PER_WHOLE => Some(rate),
        _ => {
            errors.add(field, "A rate from 0 to 100 %.");
            None
        }
    }
}

fn parse_bands(field: &str, input: &RuleInput, errors: &mut FieldErrors) -> Option<Bands> {
    let currency = errors
        .required(&format!("{field}.currency"), &input.currency)
        .and_then(|c| errors.parsed(&format!("{field}.currency"), Currency::parse(c.trim())));
    let rows = errors.required(&format!("{field}.bands"), &input.bands)?;
    let mut bands = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let from = errors
            .required(&format!("{field}.bands[{i}].from_minor"), &row.from_minor)
            .copied();
        let rate_bp = rate(&format!("{field}.bands[{i}].rate_bp"), &row.rate_bp, errors);
        bands.push(Band {
            from: from?,
            to: row.to_minor,
            rate_bp: rate_bp?,
        });
    }
    Bands::new(currency?, bands, &format!("{field}.bands"))
        .map_err(|found| errors.0.extend(found.0))
        .ok()
}

fn parse_kind(field: &str, input: &RuleInput, errors: &mut FieldErrors) -> Option<RuleKind> {
    let kind_field = format!("{field}.kind");
    let code = errors
        .required(&kind_field, &input.kind)
        .and_then(|k| errors.parsed(&kind_field, RuleKindCode::parse(k.trim())))?;
    let rate_field = format!("{field}.rate_bp");
    match code {
        RuleKindCode::AmountPercentage => {
            rate(&rate_field, &input.rate_bp, errors).map(|rate_bp| RuleKind::AmountPercentage { rate_bp })
        }
        RuleKindCode::MarginPercentage => {
            rate(&rate_field, &input.rate_bp, errors).map(|rate_bp| RuleKind::MarginPercentage { rate_bp })
        }
        RuleKindCode::Sections => parse_bands(field, input, errors).map(|bands| RuleKind::Sections { bands }),
        RuleKindCode::VolumeTiers => {
            let period_field = format!("{field}.tier_period");
            let period = errors
                .required(&period_field, &input.tier_period)
                .and_then(|p| errors.parsed(&period_field, PeriodKind::parse(p.trim())));
            if period == Some(PeriodKind::Week) {
                errors.add(&period_field, "Tiers count a month, a quarter or a year.");
            }
            let mode_field = format!("{field}.tier_mode");
            let mode = errors
                .required(&mode_field, &input.tier_mode)
                .and_then(|m| errors.parsed(&mode_field, TierMode::parse(m.trim())));
            let bands = parse_bands(field, input, errors);
            Some(RuleKind::VolumeTiers {
                tiers: Tiers {
                    period: period.filter(|p| *p != PeriodKind::Week)?,
                    mode: mode?,
                    bands: bands?,
                },
            })
        }
    }
}

/// Two rules for the same category, level and currency would leave the precedence to chance.
fn refuse_duplicates(rules: &[(usize, NewRule)], errors: &mut FieldErrors) {
    for (at, (i, rule)) in rules.iter().enumerate() {
        let key = (rule.category_id, rule.level_id, rule.kind.currency());
        if let Some((_, earlier)) = rules[..at]
            .iter()
            .find(|(_, r)| (r.category_id, r.level_id, r.kind.currency()) == key)
        {
            errors.add(
                format!("rules[{i}]"),
                format!(
                    "Rule '{}' already covers the same category, level and currency: merge them or narrow one.",
                    earlier.name
                ),
            );
        }
    }
}

/// Issue 15 item 2: a plan version's dates and rules, each bad field named.
pub fn parse_version(input: &PlanVersionInput) -> Result<NewPlanVersion, FieldErrors> {
    let mut errors = FieldErrors::default();
    let from = errors
        .required("effective_from", &input.effective_from)
        .and_then(|_| errors.date("effective_from", &input.effective_from));
    let until = errors.date(
        "effective_until",
        &input.effective_until.clone().filter(|u| !u.trim().is_empty()),
    );
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        errors.add("effective_until", "Ends before the version takes effect.");
    }
    let rows = errors.required("rules", &input.rules).cloned().unwrap_or_default();
    if input.rules.is_some() && rows.is_empty() {
        errors.add("rules", "Give at least one rule.");
    }
    if rows.len() > MAX_RULES {
        errors.add("rules", format!("At most {MAX_RULES} rules."));
    }
    let mut rules = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let field = format!("rules[{i}]");
        let name = errors.text(&format!("{field}.name"), &row.name, 100);
        let kind = parse_kind(&field, row, &mut errors);
        if let (Some(name), Some(kind)) = (name, kind) {
            let rule = NewRule {
                name,
                category_id: row.category_id,
                level_id: row.level_id,
                kind,
            };
            rules.push((i, rule));
        }
    }
    refuse_duplicates(&rules, &mut errors);
    match from {
        Some(effective_from) if errors.is_empty() => Ok(NewPlanVersion {
            effective_from,
            effective_until: until,
            rules: rules.into_iter().map(|(_, rule)| rule).collect(),
        }),
        _ => Err(errors),
    }
}

/// A partner level as an administrator enters it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<50>))]
    pub name: Option<String>,
    /// Higher ranks higher, 1 … 1,000.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 1000)
    )]
    pub rank: Option<i64>,
    pub default_plan_id: Option<i64>,
    /// 0 … 100.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 100)
    )]
    pub lead_weight: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLevel {
    pub name: String,
    pub rank: u32,
    pub default_plan_id: Option<i64>,
    pub lead_weight: u32,
}

pub const MAX_RANK: u32 = 1000;

fn bounded(
    field: &str,
    value: &Option<i64>,
    range: std::ops::RangeInclusive<u32>,
    errors: &mut FieldErrors,
) -> Option<u32> {
    let raw = *errors.required(field, value)?;
    match u32::try_from(raw) {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errors.add(
                field,
                format!("A whole number from {} to {}.", range.start(), range.end()),
            );
            None
        }
    }
}

/// Issue 15 item 1: levels are data, ranked, with a default plan and a lead weight.
pub fn parse_level(input: &LevelInput) -> Result<NewLevel, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 50);
    let rank = bounded("rank", &input.rank, 1..=MAX_RANK, &mut errors);
    let lead_weight = bounded("lead_weight", &input.lead_weight, 0..=MAX_LEVEL_WEIGHT, &mut errors);
    match (name, rank, lead_weight) {
        (Some(name), Some(rank), Some(lead_weight)) if errors.is_empty() => Ok(NewLevel {
            name,
            rank,
            default_plan_id: input.default_plan_id,
            lead_weight,
        }),
        _ => Err(errors),
    }
}

/// An activation stage as an administrator renames or re-orders it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<50>))]
    pub name: Option<String>,
    /// Its place in onboarding, 1 … 100.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 100)
    )]
    pub position: Option<i64>,
}

pub fn parse_stage(input: &StageInput) -> Result<(String, u32), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 50);
    let position = bounded("position", &input.position, 1..=100, &mut errors);
    match (name, position) {
        (Some(name), Some(position)) if errors.is_empty() => Ok((name, position)),
        _ => Err(errors),
    }
}

/// A product category: its name as products carry it, and its parent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<80>))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub parent_id: Option<i64>,
}

pub fn parse_category(input: &CategoryInput) -> Result<NewCategory, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 80);
    match name {
        Some(name) if errors.is_empty() => Ok(NewCategory {
            name,
            parent_id: input.parent_id,
        }),
        _ => Err(errors),
    }
}

/// Where a category sits: under `parent_id`, or at the top when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryParentInput {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub parent_id: Option<i64>,
}

/// A partner's own commission terms, as finance sets them; absent fields are cleared (its level's
/// plan, the program's schedule, no review planned).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerTermsInput {
    /// Its own plan, overriding its level's default.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub own_plan_id: Option<i64>,
    /// week, month or quarter; absent: the program's.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PeriodKind>))]
    pub payout_period: Option<String>,
    /// Absent: the program's.
    pub automatic_confirmation: Option<bool>,
    /// YYYY-MM-DD.
    pub latest_review_on: Option<String>,
    /// YYYY-MM-DD; the channel manager is reminded before it.
    pub next_review_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartnerTerms {
    pub own_plan_id: Option<i64>,
    pub payout_period: Option<PeriodKind>,
    pub automatic_confirmation: Option<bool>,
    pub latest_review_on: Option<Date>,
    pub next_review_on: Option<Date>,
}

/// Issue 15 items 1 and 5: a partner's plan override, payout schedule (weekly, monthly or quarterly)
/// and review dates, the next after the latest.
pub fn parse_partner_terms(input: &PartnerTermsInput) -> Result<PartnerTerms, FieldErrors> {
    let mut errors = FieldErrors::default();
    let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let payout_period = match blank(&input.payout_period) {
        None => None,
        Some(raw) => match PeriodKind::parse(raw.trim()) {
            Ok(PeriodKind::Year) | Err(_) => {
                errors.add("payout_period", "Weekly, monthly or quarterly: week, month or quarter.");
                None
            }
            Ok(kind) => Some(kind),
        },
    };
    let latest_review_on = errors.date("latest_review_on", &blank(&input.latest_review_on));
    let next_review_on = errors.date("next_review_on", &blank(&input.next_review_on));
    if let (Some(latest), Some(next)) = (latest_review_on, next_review_on)
        && next <= latest
    {
        errors.add("next_review_on", "The next review comes after the latest.");
    }
    errors.into_result(PartnerTerms {
        own_plan_id: input.own_plan_id,
        payout_period,
        automatic_confirmation: input.automatic_confirmation,
        latest_review_on,
        next_review_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(from: i64, to: Option<i64>, rate_bp: i64) -> BandInput {
        BandInput {
            from_minor: Some(from),
            to_minor: to,
            rate_bp: Some(rate_bp),
        }
    }

    fn percentage(name: &str, category_id: Option<i64>, rate_bp: i64) -> RuleInput {
        RuleInput {
            name: Some(name.into()),
            category_id,
            kind: Some("margin_percentage".into()),
            rate_bp: Some(rate_bp),
            ..RuleInput::default()
        }
    }

    fn tiers(bands: Vec<BandInput>, period: &str) -> RuleInput {
        RuleInput {
            name: Some("Volume".into()),
            kind: Some("volume_tiers".into()),
            currency: Some("USD".into()),
            bands: Some(bands),
            tier_period: Some(period.into()),
            tier_mode: Some("retroactive".into()),
            ..RuleInput::default()
        }
    }

    fn fields(errors: &FieldErrors) -> Vec<(&str, &str)> {
        errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn a_plan_is_decided_by_its_invoice_date_unless_it_says_otherwise() {
        let plan = parse_plan(&PlanInput {
            name: Some(" Gold 2026 ".into()),
            deciding_date: None,
        })
        .unwrap();
        assert_eq!(
            (plan.name.as_str(), plan.deciding_date),
            ("Gold 2026", DecidingDate::Invoice)
        );
        let close = PlanInput {
            name: Some("Gold".into()),
            deciding_date: Some("close".into()),
        };
        assert_eq!(parse_plan(&close).unwrap().deciding_date, DecidingDate::Close);
        let bad = parse_plan(&PlanInput {
            name: None,
            deciding_date: Some("shipping".into()),
        })
        .unwrap_err();
        assert_eq!(
            fields(&bad).iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["name", "deciding_date"]
        );
    }

    #[test]
    fn a_version_with_every_kind_of_rule_parses() {
        let sections = RuleInput {
            name: Some("Hardware".into()),
            category_id: Some(20),
            kind: Some("sections".into()),
            currency: Some("EUR".into()),
            bands: Some(vec![band(0, Some(99_999), 500), band(100_000, None, 800)]),
            ..RuleInput::default()
        };
        let input = PlanVersionInput {
            effective_from: Some("2026-01-01".into()),
            effective_until: Some("2026-12-31".into()),
            rules: Some(vec![
                percentage("Software", Some(10), 1_200),
                sections,
                tiers(
                    vec![band(0, Some(5_000_000), 500), band(5_000_001, None, 700)],
                    "quarter",
                ),
                RuleInput {
                    kind: Some("amount_percentage".into()),
                    level_id: Some(3),
                    ..percentage("Gold", None, 300)
                },
            ]),
        };
        let version = parse_version(&input).unwrap();
        let codes: Vec<_> = version.rules.iter().map(|r| r.kind.code().as_str()).collect();
        assert_eq!(
            codes,
            ["margin_percentage", "sections", "volume_tiers", "amount_percentage"]
        );
        assert_eq!(version.effective_until, Some(jiff::civil::date(2026, 12, 31)));
        match &version.rules[2].kind {
            RuleKind::VolumeTiers { tiers } => {
                assert_eq!((tiers.period, tiers.mode), (PeriodKind::Quarter, TierMode::Retroactive))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_bad_field_of_a_version_is_named() {
        let input = PlanVersionInput {
            effective_from: Some("2026-04-01".into()),
            effective_until: Some("2026-03-31".into()),
            rules: Some(vec![
                percentage("Software", Some(10), 12_000),
                tiers(vec![band(0, Some(5_000_000), 500), band(5_000_002, None, 700)], "week"),
                RuleInput {
                    kind: Some("bonus".into()),
                    ..percentage("", None, 100)
                },
                percentage("Software again", Some(10), 1_000),
                percentage("Software, third", Some(10), 900),
            ]),
        };
        let errors = parse_version(&input).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                ("effective_until", "Ends before the version takes effect."),
                ("rules[0].rate_bp", "A rate from 0 to 100 %."),
                ("rules[1].tier_period", "Tiers count a month, a quarter or a year."),
                (
                    "rules[1].bands[1].from_minor",
                    "Leaves a gap: the band before ends at 50,000.00 USD, so this one starts at 50,000.01 USD."
                ),
                ("rules[2].name", "must not be blank"),
                (
                    "rules[2].kind",
                    "unknown value 'bonus'; one of: amount_percentage, margin_percentage, sections, volume_tiers"
                ),
                (
                    "rules[4]",
                    "Rule 'Software again' already covers the same category, level and currency: merge them or narrow one."
                ),
            ]
        );
        let empty = parse_version(&PlanVersionInput {
            effective_from: Some("1 April".into()),
            effective_until: None,
            rules: Some(vec![]),
        })
        .unwrap_err();
        assert_eq!(
            fields(&empty),
            [
                ("effective_from", "'1 April' is not a date (YYYY-MM-DD)"),
                ("rules", "Give at least one rule.")
            ]
        );
        let missing = parse_version(&PlanVersionInput::default()).unwrap_err();
        assert_eq!(
            fields(&missing),
            [("effective_from", "is required"), ("rules", "is required")]
        );
    }

    #[test]
    fn levels_are_ranked_and_weighted() {
        let gold = LevelInput {
            name: Some("Gold".into()),
            rank: Some(3),
            default_plan_id: Some(7),
            lead_weight: Some(3),
        };
        assert_eq!(parse_level(&gold).unwrap().rank, 3);
        let bad = parse_level(&LevelInput {
            rank: Some(0),
            lead_weight: Some(101),
            ..gold
        })
        .unwrap_err();
        assert_eq!(
            fields(&bad),
            [
                ("rank", "A whole number from 1 to 1000."),
                ("lead_weight", "A whole number from 0 to 100.")
            ]
        );
    }

    #[test]
    fn partner_terms_name_each_bad_field() {
        let errors = parse_partner_terms(&PartnerTermsInput {
            payout_period: Some("year".into()),
            latest_review_on: Some("2026-06-30".into()),
            next_review_on: Some("2026-06-01".into()),
            ..PartnerTermsInput::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["payout_period", "next_review_on"]);
        let terms = parse_partner_terms(&PartnerTermsInput {
            own_plan_id: Some(4),
            payout_period: Some(" quarter ".into()),
            next_review_on: Some("2027-01-15".into()),
            ..PartnerTermsInput::default()
        })
        .unwrap();
        assert_eq!(terms.payout_period, Some(PeriodKind::Quarter));
        assert_eq!(terms.next_review_on, Some(jiff::civil::date(2027, 1, 15)));
        assert_eq!(
            parse_stage(&StageInput {
                name: Some(" Ramp-up ".into()),
                position: Some(0)
            })
            .unwrap_err()
            .0[0]
                .field,
            "position"
        );
        assert!(
            parse_category(&CategoryInput {
                name: Some("  ".into()),
                parent_id: None
            })
            .is_err()
        );
    }
}
