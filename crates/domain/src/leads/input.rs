//! A lead as staff enter it or a file carries it, a partner's decline, a hand assignment, and their
//! parsing: every bad field named at once.

use super::{Coordinates, LeadSource};
use crate::FieldErrors;
use crate::Money;
use crate::access::input::Email;
use crate::directory::Segment;
use crate::directory::customers::parse_country;
use crate::directory::products::{ProductLine, ProductLineInput, parse_lines};
use crate::money::{MoneyInput, parse_money};
use crate::registrations::matching;
use serde::{Deserialize, Serialize};

/// The organisation a lead is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadCompanyInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<200>))]
    pub name: Option<String>,
    /// Web site or e-mail domain.
    pub domain: Option<String>,
    /// ISO 3166-1 alpha-2. Without it the lead is not distributed automatically.
    pub country: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<100>))]
    pub city: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadInput {
    /// marketing, web_form or vendor.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = LeadSource))]
    pub source: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub company: Option<LeadCompanyInput>,
    /// commercial, government or education, if known; decides the customer's pricing segment when
    /// the lead becomes an opportunity (commercial when not given).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Segment>))]
    pub segment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<200>))]
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    /// The region the lead belongs to: partners of this region are candidates after the country's.
    pub region_id: Option<i64>,
    /// Degrees, −90 … 90; with `longitude`.
    pub latitude: Option<f64>,
    /// Degrees, −180 … 180; with `latitude`.
    pub longitude: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<2000>))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub estimated_value: Option<MoneyInput>,
    /// Products of interest, if any.
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub products: Option<Vec<ProductLineInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadCompany {
    pub name: String,
    /// Normalised (`acme.com`).
    pub domain: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    pub source: LeadSource,
    pub company: LeadCompany,
    pub segment: Option<Segment>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub region_id: Option<i64>,
    pub location: Option<Coordinates>,
    pub description: Option<String>,
    pub estimated_value: Money,
    pub products: Vec<ProductLine>,
}

fn parse_company(input: &LeadCompanyInput, errors: &mut FieldErrors) -> Option<LeadCompany> {
    let name = errors.text("company.name", &input.name, 200);
    let domain = errors
        .optional_text("company.domain", &input.domain, 253)
        .and_then(|d| {
            let normalised = matching::normalize_domain(&d);
            if normalised.is_none() {
                errors.add(
                    "company.domain",
                    format!("'{d}' is not an organisation's web or e-mail domain"),
                );
            }
            normalised
        });
    let country = errors
        .optional_text("company.country", &input.country, 2)
        .and_then(|c| errors.parsed("company.country", parse_country(&c)));
    let city = errors.optional_text("company.city", &input.city, 100);
    Some(LeadCompany {
        name: name?,
        domain,
        country,
        city,
    })
}

/// Both coordinates or neither.
pub fn parse_location(latitude: Option<f64>, longitude: Option<f64>, errors: &mut FieldErrors) -> Option<Coordinates> {
    match (latitude, longitude) {
        (None, None) => None,
        (Some(lat), Some(lon)) => match Coordinates::from_degrees(lat, lon) {
            Ok(c) => Some(c),
            Err(message) => {
                let field = if message.starts_with("latitude") {
                    "latitude"
                } else {
                    "longitude"
                };
                errors.add(field, message);
                None
            }
        },
        (None, Some(_)) => {
            errors.add("latitude", "is required with a longitude");
            None
        }
        (Some(_), None) => {
            errors.add("longitude", "is required with a latitude");
            None
        }
    }
}

pub fn parse_lead(input: &LeadInput) -> Result<NewLead, FieldErrors> {
    let mut errors = FieldErrors::default();
    let source = errors
        .required("source", &input.source)
        .and_then(|s| errors.parsed("source", LeadSource::parse(s)));
    let company = errors
        .required("company", &input.company)
        .and_then(|c| parse_company(c, &mut errors));
    let segment = input
        .segment
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| errors.parsed("segment", Segment::parse(s.trim())));
    let contact_name = errors.optional_text("contact_name", &input.contact_name, 200);
    let contact_email = errors
        .optional_text("contact_email", &input.contact_email, 254)
        .and_then(|e| errors.parsed("contact_email", Email::parse(&e)))
        .map(|e| e.as_str().to_owned());
    let location = parse_location(input.latitude, input.longitude, &mut errors);
    let description = errors.optional_text("description", &input.description, 2000);
    let estimated_value = parse_money(&input.estimated_value, "estimated_value", &mut errors);
    let products = match &input.products {
        Some(lines) if !lines.is_empty() => parse_lines("products", &input.products, &mut errors),
        _ => Some(Vec::new()),
    };
    match (source, company, estimated_value, products) {
        (Some(source), Some(company), Some(estimated_value), Some(products)) if errors.is_empty() => Ok(NewLead {
            source,
            company,
            segment,
            contact_name,
            contact_email,
            region_id: input.region_id,
            location,
            description,
            estimated_value,
            products,
        }),
        _ => Err(errors),
    }
}

/// A partner's answer "not for us".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDeclineInput {
    /// Why the partner declines: the channel manager reads it.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<1000>))]
    pub reason: Option<String>,
}

pub fn parse_decline(input: &LeadDeclineInput) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let reason = errors.text("reason", &input.reason, 1000);
    match reason {
        Some(r) if errors.is_empty() => Ok(r),
        _ => Err(errors),
    }
}

/// A channel manager's choice of partner for a lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadAssignInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub partner_id: Option<i64>,
    /// Why this partner, in the manager's words (the list shows it).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<500>))]
    pub note: Option<String>,
}

pub struct Assign {
    pub partner_id: i64,
    pub note: Option<String>,
}

pub fn parse_assign(input: &LeadAssignInput) -> Result<Assign, FieldErrors> {
    let mut errors = FieldErrors::default();
    let partner_id = errors.required("partner_id", &input.partner_id).copied();
    let note = errors.optional_text("note", &input.note, 500);
    match partner_id {
        Some(partner_id) if errors.is_empty() => Ok(Assign { partner_id, note }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn lead_input() -> LeadInput {
        LeadInput {
            source: Some("web_form".into()),
            company: Some(LeadCompanyInput {
                name: Some(" Potsdam Gymnasium ".into()),
                domain: Some("https://www.potsdam-gym.example".into()),
                country: Some("de".into()),
                city: Some("Potsdam".into()),
            }),
            segment: Some("education".into()),
            contact_name: Some("Jana Krüger".into()),
            contact_email: Some("Jana@Potsdam-Gym.example".into()),
            region_id: Some(7),
            latitude: Some(52.39),
            longitude: Some(13.065),
            description: Some("Twelve classrooms".into()),
            estimated_value: Some(MoneyInput {
                amount_minor: Some(4_800_000),
                currency: Some("EUR".into()),
            }),
            products: Some(vec![ProductLineInput {
                sku: Some("mb-100".into()),
                quantity: Some(12),
            }]),
        }
    }

    #[test]
    fn a_lead_parses_with_its_place_and_products() {
        let lead = parse_lead(&lead_input()).unwrap();
        assert_eq!(lead.company.name, "Potsdam Gymnasium");
        assert_eq!(lead.company.domain.as_deref(), Some("potsdam-gym.example"));
        assert_eq!(lead.company.country.as_deref(), Some("DE"));
        assert_eq!(lead.contact_email.as_deref(), Some("jana@potsdam-gym.example"));
        assert_eq!(lead.location.unwrap().latitude_e6, 52_390_000);
        assert_eq!(lead.estimated_value.to_string(), "48,000.00 EUR");
        assert_eq!(lead.products[0].sku, "MB-100");
        let bare = LeadInput {
            products: None,
            latitude: None,
            longitude: None,
            ..lead_input()
        };
        let bare = parse_lead(&bare).unwrap();
        assert!(bare.products.is_empty() && bare.location.is_none());
    }

    #[test]
    fn a_bad_lead_names_each_field() {
        let mut input = lead_input();
        input.source = Some("cold_call".into());
        input.company.as_mut().unwrap().country = Some("XX".into());
        input.contact_email = Some("not-an-address".into());
        input.latitude = Some(95.0);
        input.estimated_value = None;
        input.products.as_mut().unwrap()[0].quantity = Some(0);
        let fields: Vec<_> = parse_lead(&input).unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "source",
                "company.country",
                "contact_email",
                "latitude",
                "estimated_value",
                "products[0].quantity"
            ]
        );
    }

    #[test]
    fn a_decline_needs_its_reason() {
        assert_eq!(
            parse_decline(&LeadDeclineInput {
                reason: Some(" Out of our area ".into())
            }),
            Ok("Out of our area".into())
        );
        let missing = parse_decline(&LeadDeclineInput {
            reason: Some("  ".into()),
        })
        .unwrap_err();
        assert_eq!(missing.0[0].field, "reason");
    }
}
