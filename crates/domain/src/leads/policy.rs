//! Who may do what with leads (PRG-2).

use crate::access::Access;
use crate::roles::{Actor, Role};

/// Leads are entered and imported by the channel team and sales.
pub fn can_enter_leads(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::ChannelManager | Role::Sales)
}

/// Channel managers and administrators assign leads by hand, re-run distribution and set its rules.
pub fn can_distribute(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::ChannelManager)
}

/// A partner sees the leads its partner holds now (offered to it, or accepted by it) and nothing
/// else — another partner's lead, or one it declined, is not found; the channel team and sales
/// see every lead; other staff have no business with leads.
pub fn can_read_lead(actor: &Actor, held_by: Option<i64>) -> Access {
    if actor.role.is_partner() {
        return match (actor.confined_to_partner(), held_by) {
            (Some(own), Some(holder)) if own == holder => Access::Allowed,
            _ => Access::Hidden,
        };
    }
    if can_enter_leads(actor) {
        Access::Allowed
    } else {
        Access::Forbidden
    }
}

/// Only the partner a lead is offered to answers it.
pub fn can_answer(actor: &Actor) -> bool {
    actor.role.is_partner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;

    #[test]
    fn partners_see_only_the_leads_they_hold() {
        let ann = actor(Role::PartnerUser, 3, Some(1));
        assert_eq!(can_read_lead(&ann, Some(1)), Access::Allowed);
        assert_eq!(can_read_lead(&ann, Some(2)), Access::Hidden);
        assert_eq!(can_read_lead(&ann, None), Access::Hidden);
        for role in [Role::Admin, Role::ChannelManager, Role::Sales] {
            assert_eq!(can_read_lead(&actor(role, 5, None), Some(1)), Access::Allowed);
        }
        for role in [Role::OrderEntry, Role::Finance] {
            assert_eq!(can_read_lead(&actor(role, 5, None), Some(1)), Access::Forbidden);
            assert!(!can_enter_leads(&actor(role, 5, None)));
        }
        assert!(can_distribute(&actor(Role::ChannelManager, 5, None)));
        assert!(!can_distribute(&actor(Role::Sales, 5, None)));
        assert!(can_answer(&ann) && !can_answer(&actor(Role::Admin, 1, None)));
    }
}
