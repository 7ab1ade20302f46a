//! Leads as CSV: the import (checked whole, line by line, before anything is written) and the
//! export's columns.

use super::input::{LeadCompanyInput, LeadInput, NewLead, parse_lead};
use crate::FieldErrors;
use crate::directory::files::{Line, parse_all, parse_decimal_minor, read_records};
use crate::directory::products::ProductLineInput;
use crate::money::MoneyInput;

/// Columns of a lead file. `estimated_value` is a decimal amount (48000.00); `products` lists
/// SKUs separated by `;`, each optionally with `:quantity` (`MB-100:12; PEN-2`); `region` is named.
pub const LEAD_COLUMNS: &[&str] = &[
    "source",
    "company",
    "domain",
    "country",
    "city",
    "segment",
    "contact_name",
    "contact_email",
    "region",
    "latitude",
    "longitude",
    "description",
    "estimated_value",
    "currency",
    "products",
];
const LEAD_REQUIRED: &[&str] = &["source", "company", "estimated_value", "currency"];

/// The export: the import's columns after the lead's number, status, partner and why.
pub const LEAD_EXPORT_COLUMNS: &[&str] = &[
    "id",
    "status",
    "partner",
    "reason",
    "source",
    "company",
    "domain",
    "country",
    "city",
    "segment",
    "contact_name",
    "contact_email",
    "region",
    "latitude",
    "longitude",
    "description",
    "estimated_value",
    "currency",
    "products",
];

/// A lead as a file names it: the region by name, looked up by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRow {
    pub lead: NewLead,
    pub region: Option<String>,
}

/// `MB-100:12; PEN-2` → product lines (quantity 1 when not given); a quantity that is no number is
/// named under `products`.
pub fn parse_product_list(raw: &str, errors: &mut FieldErrors) -> Vec<ProductLineInput> {
    raw.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once(':') {
            None => ProductLineInput {
                sku: Some(p.to_owned()),
                quantity: Some(1),
            },
            Some((sku, quantity)) => ProductLineInput {
                sku: Some(sku.trim().to_owned()),
                quantity: quantity
                    .trim()
                    .parse()
                    .map_err(|_| errors.add("products", format!("'{quantity}' is not a quantity")))
                    .ok(),
            },
        })
        .collect()
}

fn degrees(raw: Option<&String>, field: &str, errors: &mut FieldErrors) -> Option<f64> {
    raw.and_then(|r| {
        r.parse::<f64>().ok().filter(|d| d.is_finite()).or_else(|| {
            errors.add(field, format!("'{r}' is not a number of degrees"));
            None
        })
    })
}

/// Leads: the same checks as the API's, each error on its line and column.
pub fn parse_leads(text: &str) -> Result<Vec<Line<LeadRow>>, FieldErrors> {
    let records = read_records(text, LEAD_COLUMNS, LEAD_REQUIRED)?;
    parse_all(records, |r| {
        let mut errors = FieldErrors::default();
        let amount = r.get("estimated_value").and_then(|v| {
            parse_decimal_minor(v)
                .map_err(|m| errors.add("estimated_value", m))
                .ok()
        });
        let input = LeadInput {
            source: r.get("source").cloned(),
            company: Some(LeadCompanyInput {
                name: r.get("company").cloned(),
                domain: r.get("domain").cloned(),
                country: r.get("country").cloned(),
                city: r.get("city").cloned(),
            }),
            segment: r.get("segment").cloned(),
            contact_name: r.get("contact_name").cloned(),
            contact_email: r.get("contact_email").cloned(),
            region_id: None,
            latitude: degrees(r.get("latitude"), "latitude", &mut errors),
            longitude: degrees(r.get("longitude"), "longitude", &mut errors),
            description: r.get("description").cloned(),
            estimated_value: Some(MoneyInput {
                amount_minor: amount,
                currency: r.get("currency").cloned(),
            }),
            products: r.get("products").map(|p| parse_product_list(p, &mut errors)),
        };
        let parsed = parse_lead(&input);
        match parsed {
            Ok(lead) if errors.is_empty() => Ok(LeadRow {
                lead,
                region: r.get("region").cloned(),
            }),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.0.extend(more.0.into_iter().map(|mut e| {
                    e.field = csv_column(&e.field).to_owned();
                    e
                }));
                Err(errors)
            }
        }
    })
}

/// The file column a lead field comes from.
fn csv_column(field: &str) -> &str {
    match field {
        "company.name" => "company",
        "company.domain" => "domain",
        "company.country" => "country",
        "company.city" => "city",
        "estimated_value.amount_minor" | "estimated_value" => "estimated_value",
        "estimated_value.currency" => "currency",
        f if f.starts_with("products") => "products",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_file_imports_with_regions_and_products() {
        let text = "source,company,country,city,region,latitude,longitude,estimated_value,currency,products\n\
                    web_form,Potsdam Gymnasium,de,Potsdam,Central Europe,52.39,13.065,48000.00,EUR,MB-100:12; pen-2\n\
                    marketing,Nameless Co,,,,,,1200,USD,\n";
        let rows = parse_leads(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].value.region.as_deref(), Some("Central Europe"));
        assert_eq!(rows[0].value.lead.estimated_value.amount_minor, 4_800_000);
        assert_eq!(rows[0].value.lead.products[1].sku, "PEN-2");
        assert_eq!(rows[0].value.lead.products[0].quantity, 12);
        assert_eq!(rows[1].value.lead.company.country, None);
    }

    #[test]
    fn every_bad_row_is_reported_on_its_line_and_column() {
        let text = "source,company,country,estimated_value,currency,products\n\
                    web_form,Fine GmbH,DE,100,EUR,\n\
                    cold_call,Bad Ltd,XX,abc,EUR,MB-1:zero\n\
                    vendor,,DE,100,eur,\n";
        let errors = parse_leads(text).unwrap_err();
        let got: Vec<_> = errors.0.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (Some(3), "estimated_value"),
                (Some(3), "products"),
                (Some(3), "source"),
                (Some(3), "country"),
                (Some(3), "estimated_value"),
                (Some(3), "products"),
                (Some(4), "company"),
                (Some(4), "currency"),
            ]
        );
    }
}
