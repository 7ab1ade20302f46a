//! The opportunities' pages (ROE-1 … ROE-5): the pipeline (board, list, forecast by month), opening an
//! opportunity, one opportunity with its team, grace countdown, requests, timeline and actions, major
//! accounts, and re-assignment in bulk. Each handler parses with the API's parsers and calls one store
//! method with the signed-in person as actor, so the store's rules decide what is shown and done.

mod accounts;
mod actions;
mod detail;
mod documents;
mod form;
mod pipeline;

pub use pipeline::rights_ending;

use crate::AppState;
use crate::ui::Pages;
use crate::ui::all_pages;
use crate::ui::error::UiError;
use crate::ui::forms::Choice;
use domain::Actor;
use domain::opportunities::input::PartyInput;
use domain::opportunities::{Party, policy::is_sales_management};
use jiff::civil::Date;
use store::NamedParty;

pub fn routes() -> Pages {
    Pages::default()
        .merge(pipeline::routes())
        .merge(form::routes())
        .merge(detail::routes())
        .merge(actions::routes())
        .merge(documents::routes())
        .merge(accounts::routes())
}

/// A party as a `<select>` carries it: "partner:3", "user:5".
fn party_value(party: Party) -> String {
    format!("{}:{}", party.kind.as_str(), party.id)
}

/// "partner:3" → the API's party input; blank → `None`. What is no party comes through as a kind the
/// parser names.
fn party_input(raw: &str) -> Option<PartyInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let (kind, id) = raw.split_once(':').unwrap_or((raw, ""));
    Some(PartyInput {
        kind: Some(kind.to_owned()),
        id: id.parse().ok(),
    })
}

/// "Northwind AV (partner)" / "Wendy West (internal)".
fn party_label(named: &NamedParty) -> String {
    format!("{} ({})", named.name, named.party.kind.label().to_lowercase())
}

/// Whom a manager, MAM or team member may be: every partner, and the internal users the viewer knows
/// of — every one for an administrator; the regional managers and the viewer for sales management
/// (the user directory is the administrators').
async fn party_choices(state: &AppState, actor: &Actor, chosen: &str) -> Result<Vec<Choice>, UiError> {
    let mut parties = Vec::new();
    if actor.is_staff() {
        let users: Vec<(i64, String)> = if actor.role == domain::Role::Admin {
            all_pages(|page| state.store.list_users(actor, page))
                .await?
                .into_iter()
                .filter(|u| u.partner_id.is_none())
                .map(|u| (u.id, u.display_name))
                .collect()
        } else {
            let mut ids: Vec<i64> = state
                .store
                .list_regions()
                .await?
                .iter()
                .filter_map(|r| r.manager_user_id)
                .collect();
            ids.push(actor.user_id);
            ids.sort_unstable();
            ids.dedup();
            let names = state.store.user_names(&ids).await?;
            let mut users: Vec<(i64, String)> = names.into_iter().collect();
            users.sort_by(|a, b| a.1.cmp(&b.1));
            users
        };
        parties.extend(users.into_iter().map(|(id, name)| NamedParty {
            party: Party::user(id),
            name,
        }));
    }
    let partners = all_pages(|page| state.store.list_partners(actor, page)).await?;
    parties.extend(partners.into_iter().map(|p| NamedParty {
        party: Party::partner(p.id),
        name: p.name,
    }));
    Ok(parties
        .iter()
        .map(|p| {
            let value = party_value(p.party);
            Choice {
                selected: value == chosen,
                label: party_label(p),
                value,
            }
        })
        .collect())
}

/// Partners only, for co-sell and the bulk re-assignment's "from".
async fn partner_choices(state: &AppState, actor: &Actor, chosen: &str) -> Result<Vec<Choice>, UiError> {
    let partners = all_pages(|page| state.store.list_partners(actor, page)).await?;
    Ok(crate::ui::forms::choices(
        partners.into_iter().map(|p| (p.id.to_string(), p.name)),
        chosen,
    ))
}

/// Whether the viewer may open opportunities, or why not in words.
pub(super) async fn opens(state: &AppState, actor: &Actor) -> Result<Result<(), String>, UiError> {
    let level = match actor.confined_to_partner() {
        Some(id) => Some(state.store.get_partner(actor, id).await?.level),
        None => None,
    };
    Ok(domain::opportunities::policy::opens_as(actor, level)
        .map(|_| ())
        .map_err(crate::ui::forms::sentence))
}

/// Whether the viewer may pick a manager other than themself.
fn picks_manager(actor: &Actor) -> bool {
    is_sales_management(actor)
}

/// The grace countdown (ROE-3): "Rights hold through 29 Jun 2026 — 45 days left", or when they ended.
fn rights_line(status: domain::opportunities::Status, through: Date, today: Date) -> String {
    use crate::ui::format::day;
    use domain::opportunities::Status;
    match status {
        Status::Won => "Won: the manager keeps its renewals (residual revenue).".to_owned(),
        Status::Lost => "Lost: the account is open to every party.".to_owned(),
        Status::Lapsed => format!(
            "Rights ended on {} (they held through {}): the account is open to every party.",
            day(through.tomorrow().unwrap_or(through)),
            day(through)
        ),
        Status::Open => match (through - today).get_days() {
            0 => format!("Rights hold through {} — today is the last day.", day(through)),
            1 => format!("Rights hold through {} — 1 day left.", day(through)),
            n => format!("Rights hold through {} — {n} days left.", day(through)),
        },
    }
}

/// Days left of the rights when they end within the reminder window: the badge of a card.
fn ending_in(status: domain::opportunities::Status, through: Date, today: Date, window: u32) -> Option<i32> {
    let left = (through - today).get_days();
    (status == domain::opportunities::Status::Open && (0..=window as i32).contains(&left)).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::opportunities::Status;
    use jiff::civil::date;

    #[test]
    fn the_countdown_reads_in_days() {
        let today = date(2026, 5, 15);
        assert_eq!(
            rights_line(Status::Open, date(2026, 6, 29), today),
            "Rights hold through 29 Jun 2026 — 45 days left."
        );
        assert_eq!(
            rights_line(Status::Lapsed, date(2026, 5, 1), today),
            "Rights ended on 2 May 2026 (they held through 1 May 2026): the account is open to every party."
        );
        assert_eq!(ending_in(Status::Open, date(2026, 5, 25), today, 14), Some(10));
        assert_eq!(ending_in(Status::Open, date(2026, 7, 25), today, 14), None);
        assert_eq!(ending_in(Status::Won, date(2026, 5, 25), today, 14), None);
    }

    #[test]
    fn a_picked_party_is_the_apis_party() {
        assert_eq!(party_value(Party::partner(3)), "partner:3");
        let input = party_input("user:5").unwrap();
        assert_eq!((input.kind.as_deref(), input.id), (Some("user"), Some(5)));
        assert!(party_input(" ").is_none());
    }
}
