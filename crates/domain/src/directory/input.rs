//! Partners and regions as administrators enter them.

use super::customers::parse_country;
use super::{ActivationStage, PartnerLevel};
use crate::FieldErrors;
use crate::leads::Coordinates;
use crate::leads::input::parse_location;
use crate::settings::MAX_LEAD_CAPACITY;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<200>))]
    pub name: Option<String>,
    /// bronze, silver, gold or platinum.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = PartnerLevel))]
    pub level: Option<String>,
    /// first_contact, ramp_up or fully_operational.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = ActivationStage))]
    pub activation_stage: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub region_id: Option<i64>,
    /// ISO 3166-1 alpha-2: leads of this country are offered to the partner first (PRG-2).
    pub country: Option<String>,
    /// Degrees, with `longitude`: distance breaks ties between partners for a lead.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Open leads the partner takes at once; the program's default when absent.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub lead_capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartner {
    pub name: String,
    pub level: PartnerLevel,
    pub activation_stage: ActivationStage,
    pub region_id: i64,
    pub reach: LeadReach,
}

/// What lead distribution knows of a partner (PRG-2): all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadReach {
    pub country: Option<String>,
    pub location: Option<Coordinates>,
    pub lead_capacity: Option<u32>,
}

pub fn parse_partner(input: &PartnerInput) -> Result<NewPartner, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 200);
    let level = errors
        .required("level", &input.level)
        .and_then(|l| errors.parsed("level", PartnerLevel::parse(l)));
    let stage = errors
        .required("activation_stage", &input.activation_stage)
        .and_then(|s| errors.parsed("activation_stage", ActivationStage::parse(s)));
    let region_id = errors.required("region_id", &input.region_id).copied();
    let country = errors
        .optional_text("country", &input.country, 2)
        .and_then(|c| errors.parsed("country", parse_country(&c)));
    let location = parse_location(input.latitude, input.longitude, &mut errors);
    if input
        .lead_capacity
        .is_some_and(|c| !(1..=MAX_LEAD_CAPACITY).contains(&c))
    {
        errors.add("lead_capacity", format!("between 1 and {MAX_LEAD_CAPACITY} open leads"));
    }
    match (name, level, stage, region_id) {
        (Some(name), Some(level), Some(activation_stage), Some(region_id)) if errors.0.is_empty() => Ok(NewPartner {
            name,
            level,
            activation_stage,
            region_id,
            reach: LeadReach {
                country,
                location,
                lead_capacity: input.lead_capacity,
            },
        }),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<100>))]
    pub name: Option<String>,
    /// The channel manager who approves this region's registrations.
    pub manager_user_id: Option<i64>,
}

pub fn parse_region(input: &RegionInput) -> Result<(String, Option<i64>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.text("name", &input.name, 100);
    match name {
        Some(n) if errors.0.is_empty() => Ok((n, input.manager_user_id)),
        _ => Err(errors),
    }
}
