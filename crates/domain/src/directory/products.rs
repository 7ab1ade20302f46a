//! Products of the price list (ORD-3), and the product lines that registrations and orders name.

use crate::FieldErrors;
use crate::money::{Currency, MAX_AMOUNT_MINOR};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductLineInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub sku: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    pub quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLine {
    pub sku: String,
    pub quantity: i64,
}

pub const MAX_QUANTITY: i64 = 1_000_000;
/// What a line's quantity must be, in the words every form and answer uses (`MAX_QUANTITY` grouped).
pub const QUANTITY_RULE: &str = "must be a whole number from 1 to 1,000,000";
pub const MAX_LINES: usize = 200;

/// SKUs are matched case-insensitively and stored upper-case.
pub fn normalize_sku(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// Lines of products under `field` (`products` on a registration, `lines` on an order).
pub(crate) fn parse_lines(
    field: &str,
    input: &Option<Vec<ProductLineInput>>,
    errors: &mut FieldErrors,
) -> Option<Vec<ProductLine>> {
    let lines = errors.required(field, input)?;
    if lines.is_empty() {
        errors.add(field, "must name at least one product");
        return None;
    }
    if lines.len() > MAX_LINES {
        errors.add(field, format!("at most {MAX_LINES} lines"));
        return None;
    }
    let before = errors.0.len();
    let mut seen = BTreeSet::new();
    let mut parsed = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let sku = errors
            .text(&format!("{field}[{i}].sku"), &line.sku, 64)
            .map(|s| normalize_sku(&s));
        if let Some(sku) = &sku
            && !seen.insert(sku.clone())
        {
            errors.add(
                format!("{field}[{i}].sku"),
                format!("{sku} is listed twice; give one line per product"),
            );
        }
        let quantity = errors
            .required(&format!("{field}[{i}].quantity"), &line.quantity)
            .copied();
        if quantity.is_some_and(|q| !(1..=MAX_QUANTITY).contains(&q)) {
            errors.add(format!("{field}[{i}].quantity"), QUANTITY_RULE);
        }
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            parsed.push(ProductLine { sku, quantity });
        }
    }
    (errors.0.len() == before).then_some(parsed)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<200>))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<100>))]
    pub category: Option<String>,
    /// Bulbs, pens, power cords …: orderable under the customer's latest SOR (ORD-4).
    pub is_accessory: Option<bool>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 100_000_000_000_000i64)
    )]
    pub list_price_minor: Option<i64>,
    /// The discounted price with a valid SOR.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 100_000_000_000_000i64)
    )]
    pub partner_price_minor: Option<i64>,
    /// Commercial MSRP: the price without an SOR.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 100_000_000_000_000i64)
    )]
    pub msrp_minor: Option<i64>,
    /// GOV/ED RRSP: the price without an SOR for government and education customers.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 0, maximum = 100_000_000_000_000i64)
    )]
    pub rrsp_minor: Option<i64>,
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, pattern = "^[A-Z]{3}$")
    )]
    pub currency: Option<String>,
    /// Months of maintenance or subscription the line covers, if it is one (DSK-9).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
    pub maintenance_term_months: Option<u32>,
    /// First day (YYYY-MM-DD, company time zone) these prices apply; today when omitted.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub effective_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub is_accessory: bool,
    pub list_price_minor: i64,
    pub partner_price_minor: i64,
    pub msrp_minor: i64,
    pub rrsp_minor: i64,
    pub currency: Currency,
    pub maintenance_term_months: Option<u32>,
    /// `None`: from the day the store applies it.
    pub effective_from: Option<Date>,
}

pub fn parse_product(input: &ProductInput) -> Result<NewProduct, FieldErrors> {
    let mut errors = FieldErrors::default();
    let sku = errors.text("sku", &input.sku, 64).map(|s| normalize_sku(&s));
    if sku
        .as_deref()
        .is_some_and(|s| !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b)))
    {
        errors.add("sku", "may contain only letters, digits and - _ . /");
    }
    let name = errors.text("name", &input.name, 200);
    let category = errors.text("category", &input.category, 100);
    let mut price = |field: &str, value: Option<i64>| -> Option<i64> {
        let v = *errors.required(field, &value)?;
        if !(0..=MAX_AMOUNT_MINOR).contains(&v) {
            errors.add(field, format!("must be between 0 and {MAX_AMOUNT_MINOR}"));
            return None;
        }
        Some(v)
    };
    let list = price("list_price_minor", input.list_price_minor);
    let partner = price("partner_price_minor", input.partner_price_minor);
    let msrp = price("msrp_minor", input.msrp_minor);
    let rrsp = price("rrsp_minor", input.rrsp_minor);
    let currency = errors
        .required("currency", &input.currency)
        .and_then(|c| errors.parsed("currency", Currency::parse(c)));
    if let (Some(p), Some(m)) = (partner, msrp)
        && p > m
    {
        errors.add(
            "partner_price_minor",
            "must not exceed the Commercial MSRP: a registration must protect the partner",
        );
    }
    if input.maintenance_term_months.is_some_and(|m| !(1..=120).contains(&m)) {
        errors.add("maintenance_term_months", "must be between 1 and 120");
    }
    let effective_from = errors.date("effective_from", &input.effective_from);
    match (sku, name, category, list, partner, msrp, rrsp, currency) {
        (Some(sku), Some(name), Some(category), Some(list), Some(partner), Some(msrp), Some(rrsp), Some(currency))
            if errors.0.is_empty() =>
        {
            Ok(NewProduct {
                sku,
                name,
                category,
                is_accessory: input.is_accessory.unwrap_or(false),
                list_price_minor: list,
                partner_price_minor: partner,
                msrp_minor: msrp,
                rrsp_minor: rrsp,
                currency,
                maintenance_term_months: input.maintenance_term_months,
                effective_from,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[cfg(feature = "openapi")]
    #[test]
    fn the_document_states_the_parsers_bounds() {
        use crate::testing::documented;
        let line = documented::<ProductLineInput>();
        assert_eq!(
            line["properties"]["quantity"]["maximum"].as_f64(),
            Some(MAX_QUANTITY as f64)
        );
        let product = documented::<ProductInput>();
        for price in ["list_price_minor", "partner_price_minor", "msrp_minor", "rrsp_minor"] {
            assert_eq!(
                product["properties"][price]["maximum"].as_f64(),
                Some(MAX_AMOUNT_MINOR as f64),
                "{price}"
            );
        }
    }

    #[test]
    fn a_product_price_version_may_start_on_a_given_day() {
        let input = ProductInput {
            sku: Some("mb-86".into()),
            name: Some("MimioBoard 86".into()),
            category: Some("boards".into()),
            is_accessory: None,
            list_price_minor: Some(500_000),
            partner_price_minor: Some(350_000),
            msrp_minor: Some(499_900),
            rrsp_minor: Some(459_900),
            currency: Some("USD".into()),
            maintenance_term_months: None,
            effective_from: Some("2027-01-01".into()),
        };
        assert_eq!(parse_product(&input).unwrap().effective_from, Some(date(2027, 1, 1)));
        let bad = ProductInput {
            effective_from: Some("next year".into()),
            ..input
        };
        assert_eq!(parse_product(&bad).unwrap_err().0[0].field, "effective_from");
    }

    #[test]
    fn products_need_consistent_prices() {
        let input = ProductInput {
            sku: Some("mb-100".into()),
            name: Some("MimioBoard 100".into()),
            category: Some("boards".into()),
            is_accessory: None,
            list_price_minor: Some(500_000),
            partner_price_minor: Some(600_000),
            msrp_minor: Some(499_900),
            rrsp_minor: Some(459_900),
            currency: Some("USD".into()),
            maintenance_term_months: None,
            effective_from: None,
        };
        assert_eq!(parse_product(&input).unwrap_err().0[0].field, "partner_price_minor");
        let ok = parse_product(&ProductInput {
            partner_price_minor: Some(350_000),
            ..input
        })
        .unwrap();
        assert_eq!(ok.sku, "MB-100");
    }
}
