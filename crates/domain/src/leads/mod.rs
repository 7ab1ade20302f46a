//! Leads and their distribution to partners (PRG-2, seed 003): where a lead comes from, where it
//! stands, the place it is in, and the one rule that chooses the partner it is offered to.

pub mod distribution;
pub mod files;
pub mod input;
pub mod notify;
pub mod policy;

use crate::str_enum::str_enum;
use serde::{Deserialize, Serialize};

pub use distribution::{Assignment, Candidate, LeadPlace, NoPartner, choose_partner};

/// Where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Marketing,
    WebForm,
    Vendor,
}
str_enum!(LeadSource { Marketing => "marketing", WebForm => "web_form" as "Web form", Vendor => "vendor" });

/// Where a lead stands. `offered` waits for the partner's answer; `unassigned` waits for a person
/// (no country to distribute by); `no_partner` is "no partner available": every partner that could
/// take it declined it, was full or weighs 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    Unassigned,
    Offered,
    Accepted,
    NoPartner,
}
str_enum!(LeadStatus {
    Unassigned => "unassigned" as "Not assigned",
    Offered => "offered" as "Offered to a partner",
    Accepted => "accepted",
    NoPartner => "no_partner" as "No partner available",
});

impl LeadStatus {
    /// A lead that is not yet an opportunity can be offered (again), by hand or by the rules.
    pub fn is_open(self) -> bool {
        self != LeadStatus::Accepted
    }
}

/// A point on the earth in degrees, kept as integer millionths of a degree (about 11 cm), so that
/// stored values compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coordinates {
    /// −90 … 90, in millionths of a degree (52.52° = 52520000).
    pub latitude_e6: i64,
    /// −180 … 180, in millionths of a degree.
    pub longitude_e6: i64,
}

impl Coordinates {
    pub fn from_degrees(latitude: f64, longitude: f64) -> Result<Coordinates, &'static str> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err("latitude must be between -90 and 90");
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err("longitude must be between -180 and 180");
        }
        Ok(Coordinates {
            latitude_e6: (latitude * 1e6).round() as i64,
            longitude_e6: (longitude * 1e6).round() as i64,
        })
    }

    pub fn latitude(self) -> f64 {
        self.latitude_e6 as f64 / 1e6
    }

    pub fn longitude(self) -> f64 {
        self.longitude_e6 as f64 / 1e6
    }

    /// Great-circle distance (haversine, mean earth radius 6,371 km).
    pub fn distance_km(self, other: Coordinates) -> f64 {
        let (lat1, lat2) = (self.latitude().to_radians(), other.latitude().to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude() - self.longitude()).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circles() {
        let berlin = Coordinates::from_degrees(52.52, 13.405).unwrap();
        let munich = Coordinates::from_degrees(48.137, 11.575).unwrap();
        let potsdam = Coordinates::from_degrees(52.39, 13.065).unwrap();
        assert_eq!(berlin.distance_km(munich).round(), 504.0);
        assert_eq!(potsdam.distance_km(berlin).round(), 27.0);
        assert_eq!(berlin.distance_km(berlin), 0.0);
        assert!(Coordinates::from_degrees(91.0, 0.0).is_err());
        assert!(Coordinates::from_degrees(0.0, -180.5).is_err());
        assert_eq!(berlin.latitude_e6, 52_520_000);
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(LeadStatus::NoPartner.label(), "No partner available");
        assert_eq!(LeadSource::WebForm.label(), "Web form");
        assert!(!LeadStatus::Accepted.is_open());
    }
}
