//! Who may see and act on an opportunity (ROE-1, ROE-5, PRG-2). A partner sees the opportunities it
//! manages or takes part in, and nothing of another partner's.

use super::Party;
use crate::access::Access;
use crate::directory::PartnerLevel;
use crate::roles::{Actor, Role};

/// Whether `actor` is `party`: the internal user itself, or a user of the partner.
pub fn acts_as(actor: &Actor, party: Party) -> bool {
    match (party.user_id(), party.partner_id()) {
        (Some(user), _) => actor.is_staff() && actor.user_id == user,
        (_, Some(partner)) => actor.confined_to_partner() == Some(partner),
        _ => false,
    }
}

/// Staff see every opportunity; a partner only those it manages or takes part in (team, revenue
/// share, co-sell, turned over).
pub fn can_view(actor: &Actor, manager: Party, members: &[Party]) -> Access {
    if actor.is_staff() {
        return Access::Allowed;
    }
    let involved = acts_as(actor, manager) || members.iter().any(|m| acts_as(actor, *m));
    Access::from_bool(involved, Access::Hidden)
}

/// Sales management (and administrators) re-assign opportunities, elevate major accounts and decide
/// later forecast close dates (ROE-3, ROE-5).
pub fn is_sales_management(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::SalesManager)
}

/// The manager runs the opportunity (stage, forecast, plan, team, outcome); so does sales management.
/// Call after `can_view` allowed it.
pub fn can_manage(actor: &Actor, manager: Party) -> Access {
    Access::from_bool(acts_as(actor, manager) || is_sales_management(actor), Access::Forbidden)
}

/// Who may open an opportunity, and as whose: a partner for its own company, only with a level
/// (seed 003: "partners … create new opportunities themselves"; a partner without a level cannot);
/// the sales team, channel managers and administrators for the company.
pub fn opens_as(actor: &Actor, partner_level: Option<PartnerLevel>) -> Result<Party, &'static str> {
    match (actor.confined_to_partner(), partner_level) {
        (Some(_), Some(PartnerLevel::None) | None) => Err(
            "your company has no partner level yet, so it cannot open opportunities; your channel manager can set one",
        ),
        (Some(partner), Some(_)) => Ok(Party::partner(partner)),
        (None, _) if can_open_for_the_company(actor.role) => Ok(Party::user(actor.user_id)),
        (None, _) => Err("your role does not open opportunities"),
    }
}

/// The shared timeline is the selling team's: its manager and members, and the staff who sell or
/// steer (order entry and finance read it).
pub fn can_add_note(actor: &Actor) -> bool {
    actor.role.is_partner() || can_open_for_the_company(actor.role)
}

pub fn can_open_for_the_company(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::Sales | Role::SalesManager | Role::ChannelManager
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, user_id: i64, partner_id: Option<i64>) -> Actor {
        Actor {
            user_id,
            email: "x@example.com".into(),
            role,
            partner_id,
        }
    }

    #[test]
    fn a_partner_sees_what_it_manages_or_takes_part_in_only() {
        let ann = actor(Role::PartnerUser, 5, Some(1));
        assert_eq!(can_view(&ann, Party::partner(1), &[]), Access::Allowed);
        assert_eq!(can_view(&ann, Party::user(9), &[Party::partner(1)]), Access::Allowed);
        assert_eq!(can_view(&ann, Party::partner(2), &[Party::partner(3)]), Access::Hidden);
        // A partner user whose user id happens to equal an internal manager's id is not that user.
        assert_eq!(can_view(&ann, Party::user(5), &[]), Access::Hidden);
        assert_eq!(
            can_view(&actor(Role::Finance, 8, None), Party::partner(2), &[]),
            Access::Allowed
        );
    }

    #[test]
    fn the_manager_and_sales_management_run_it() {
        let ann = actor(Role::PartnerAdmin, 5, Some(1));
        assert_eq!(can_manage(&ann, Party::partner(1)), Access::Allowed);
        assert_eq!(can_manage(&ann, Party::user(9)), Access::Forbidden);
        assert_eq!(
            can_manage(&actor(Role::Sales, 9, None), Party::user(9)),
            Access::Allowed
        );
        assert_eq!(
            can_manage(&actor(Role::Sales, 4, None), Party::user(9)),
            Access::Forbidden
        );
        assert_eq!(
            can_manage(&actor(Role::SalesManager, 4, None), Party::partner(1)),
            Access::Allowed
        );
    }

    #[test]
    fn a_partner_without_a_level_opens_nothing() {
        let ann = actor(Role::PartnerUser, 5, Some(1));
        assert!(opens_as(&ann, Some(PartnerLevel::None)).is_err());
        assert_eq!(opens_as(&ann, Some(PartnerLevel::Silver)), Ok(Party::partner(1)));
        assert_eq!(opens_as(&actor(Role::Sales, 9, None), None), Ok(Party::user(9)));
        assert!(opens_as(&actor(Role::OrderEntry, 9, None), None).is_err());
        assert!(can_add_note(&actor(Role::Sales, 9, None)));
        assert!(!can_add_note(&actor(Role::Finance, 9, None)));
    }
}
