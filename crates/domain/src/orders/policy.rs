//! Who may enter and read orders (ORD-1).

use crate::access::{Access, can_view};
use crate::roles::{Actor, Role};

/// ORD-1: orders are entered by order entry and administrators for any partner, and by a partner's
/// own users for that partner.
pub fn can_enter_orders(actor: &Actor) -> bool {
    actor.role.is_partner() || can_enter_orders_for_any_partner(actor)
}

/// ORD-1: order entry and administrators enter orders for any partner, naming it on each.
pub fn can_enter_orders_for_any_partner(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::OrderEntry)
}

/// ORD-1: an order is read by order entry, administrators and the ordering partner — nobody else.
pub fn can_read_order(actor: &Actor, owner_partner_id: i64) -> Access {
    match can_view(actor, owner_partner_id) {
        Access::Allowed if actor.is_staff() => {
            Access::from_bool(matches!(actor.role, Role::Admin | Role::OrderEntry), Access::Forbidden)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;

    #[test]
    fn orders_are_for_order_entry_admins_and_the_ordering_partner() {
        assert_eq!(can_read_order(&actor(Role::OrderEntry, 4, None), 1), Access::Allowed);
        assert_eq!(can_read_order(&actor(Role::Admin, 1, None), 1), Access::Allowed);
        assert_eq!(
            can_read_order(&actor(Role::PartnerUser, 3, Some(1)), 1),
            Access::Allowed
        );
        assert_eq!(can_read_order(&actor(Role::PartnerUser, 3, Some(2)), 1), Access::Hidden);
        for role in [Role::ChannelManager, Role::Sales, Role::Finance] {
            assert_eq!(can_read_order(&actor(role, 6, None), 1), Access::Forbidden);
            assert!(!can_enter_orders(&actor(role, 6, None)));
        }
        assert!(can_enter_orders(&actor(Role::PartnerAdmin, 3, Some(1))));
        assert!(!can_enter_orders_for_any_partner(&actor(
            Role::PartnerAdmin,
            3,
            Some(1)
        )));
        assert!(can_enter_orders_for_any_partner(&actor(Role::OrderEntry, 4, None)));
    }
}
