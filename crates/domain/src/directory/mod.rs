//! Master data: partners and their regions, end customers and the price list, with their input and
//! their CSV files.

pub mod countries;
pub mod customers;
pub mod files;
pub mod input;
pub mod products;

use crate::roles::{Actor, Role};
use crate::str_enum::str_enum;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Commercial,
    Government,
    Education,
}
str_enum!(Segment { Commercial => "commercial", Government => "government", Education => "education" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartnerLevel {
    /// Not yet ranked (seed 003): such a partner cannot open opportunities in the portal and is
    /// never given leads by the distribution rules.
    None,
    Bronze,
    Silver,
    Gold,
    Platinum,
}
str_enum!(PartnerLevel { None => "none" as "No level yet", Bronze => "bronze", Silver => "silver", Gold => "gold", Platinum => "platinum" });

/// Seed 003: where a partner stands in onboarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivationStage {
    FirstContact,
    RampUp,
    FullyOperational,
}
str_enum!(ActivationStage {
    FirstContact => "first_contact",
    RampUp => "ramp_up",
    FullyOperational => "fully_operational",
});

/// End customers are master data kept by administrators and channel managers.
pub fn can_manage_customers(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::ChannelManager)
}
