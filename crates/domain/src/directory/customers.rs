//! The end customer as a partner describes it, and its checked form.

use super::Segment;
use super::countries::country_name;
use crate::FieldErrors;
use crate::registrations::matching::{self, CustomerIdentity};
use serde::{Deserialize, Serialize};

/// The end customer as a partner describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerInput {
    /// Legal or common name of the organisation.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub name: Option<String>,
    /// Web site or e-mail domain (`acme.com`, `https://www.acme.com`, `buyer@acme.com`).
    pub domain: Option<String>,
    /// VAT number, EIN or other tax identifier.
    pub tax_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<100>))]
    pub city: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<20>))]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = country_code))]
    pub country: Option<String>,
    /// Decides the price without an SOR (ORD-3), so it is asked for, never assumed.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = Segment))]
    pub segment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub domain: Option<String>,
    pub tax_id: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub segment: Segment,
}

impl Customer {
    pub fn identity(&self) -> CustomerIdentity {
        CustomerIdentity::from_raw(
            &self.name,
            self.domain.as_deref(),
            self.tax_id.as_deref(),
            self.city.as_deref(),
            self.postal_code.as_deref(),
            &self.country,
        )
    }
}

/// The country as the document states it: an assigned code (the parser also takes lower case).
#[cfg(feature = "openapi")]
fn country_code() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(super::countries::COUNTRIES.iter().map(|(code, _)| *code)))
        .description(Some("ISO 3166-1 alpha-2 country code."))
        .build()
}

pub(crate) fn parse_country(raw: &str) -> Result<String, String> {
    let upper = raw.trim().to_ascii_uppercase();
    if country_name(&upper).is_some() {
        Ok(upper)
    } else {
        Err(format!(
            "'{raw}' is not an ISO 3166-1 alpha-2 country code (e.g. US, DE)"
        ))
    }
}

pub fn parse_customer(input: &CustomerInput, prefix: &str, errors: &mut FieldErrors) -> Option<Customer> {
    let f = |name: &str| format!("{prefix}{name}");
    let name = errors.text(&f("name"), &input.name, 200);
    if let Some(n) = &name
        && matching::normalize_name(n).is_empty()
    {
        errors.add(f("name"), "must contain letters or digits");
    }
    let domain = errors.optional_text(&f("domain"), &input.domain, 253);
    let domain = match domain {
        Some(d) => match matching::normalize_domain(&d) {
            Some(norm) => Some(norm),
            None => {
                errors.add(
                    f("domain"),
                    format!("'{d}' is not an organisation's web or e-mail domain"),
                );
                None
            }
        },
        None => None,
    };
    let tax_id = errors.optional_text(&f("tax_id"), &input.tax_id, 40);
    if tax_id
        .as_deref()
        .is_some_and(|t| matching::normalize_tax_id(t).is_none())
    {
        errors.add(f("tax_id"), "must contain at least 4 letters or digits");
    }
    let city = errors.optional_text(&f("city"), &input.city, 100);
    let postal_code = errors.optional_text(&f("postal_code"), &input.postal_code, 20);
    let country = errors
        .required(&f("country"), &input.country)
        .and_then(|c| errors.parsed(&f("country"), parse_country(c)));
    let segment = errors
        .required(&f("segment"), &input.segment)
        .and_then(|s| errors.parsed(&f("segment"), Segment::parse(s)));
    Some(Customer {
        name: name?,
        domain,
        tax_id,
        city,
        postal_code,
        country: country?,
        segment: segment?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_assigned_iso_codes() {
        assert_eq!(parse_country(" us "), Ok("US".to_owned()));
        assert_eq!(parse_country("ax"), Ok("AX".to_owned()));
        for bad in ["ZZ", "XK", "UK", "USA", "", "U1"] {
            assert!(parse_country(bad).is_err(), "{bad}");
        }
    }
}
