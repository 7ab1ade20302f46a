//! The leads' pages (PRG-2): a partner's inbox (accept, or decline with a reason), the channel
//! team's list with why each partner was chosen, one lead with the hand assignment, the lead form
//! and the CSV import for staff, and the distribution rules.

mod detail;
mod entry;
mod list;
mod rules;

use crate::ui::Pages;
use domain::directory::countries::country_name;
use store::Lead;

pub fn routes() -> Pages {
    Pages::default()
        .merge(list::routes())
        .merge(entry::routes())
        .merge(rules::routes())
        .merge(detail::routes())
}

/// Where a lead is, as a person reads it: "Potsdam, Germany", or "No country".
pub fn place(lead: &Lead) -> String {
    let country = lead.company.country.as_deref().map(|c| country_name(c).unwrap_or(c));
    match (lead.company.city.as_deref(), country) {
        (Some(city), Some(country)) => format!("{city}, {country}"),
        (None, Some(country)) => country.to_owned(),
        (Some(city), None) => format!("{city} (no country)"),
        (None, None) => "No country".to_owned(),
    }
}
