//! Who keeps the partner program and its commissions, and who reads them (issue 15, item 8).

use crate::access::{Access, can_view};
use crate::roles::{Actor, Role};

/// Finance and administrators write plans, set a partner's plan and schedule, and confirm commission
/// orders.
pub fn can_keep_commissions(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Finance)
}

/// Levels and activation stages are the program's shape: administrators change them.
pub fn can_shape_program(actor: &Actor) -> bool {
    actor.role == Role::Admin
}

/// Commission figures are read by finance, administrators and channel management, and by the partner
/// that earns them; sales reps and order entry have no business with them; another partner is not
/// told they exist.
pub fn can_read_commissions(actor: &Actor, partner_id: Option<i64>) -> Access {
    match actor.role {
        Role::Sales | Role::OrderEntry => Access::Forbidden,
        _ if actor.is_staff() => Access::Allowed,
        _ => match partner_id {
            Some(partner) => can_view(actor, partner),
            None => Access::Hidden,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;

    #[test]
    fn finance_keeps_commissions_and_a_partner_reads_only_its_own() {
        let finance = actor(Role::Finance, 1, None);
        assert!(can_keep_commissions(&finance) && !can_shape_program(&finance));
        assert!(can_shape_program(&actor(Role::Admin, 1, None)));
        for role in [Role::Admin, Role::Finance, Role::ChannelManager, Role::SalesManager] {
            assert_eq!(can_read_commissions(&actor(role, 2, None), Some(5)), Access::Allowed);
        }
        for role in [Role::Sales, Role::OrderEntry] {
            assert_eq!(can_read_commissions(&actor(role, 2, None), Some(5)), Access::Forbidden);
            assert!(!can_keep_commissions(&actor(role, 2, None)));
        }
        let ann = actor(Role::PartnerAdmin, 3, Some(5));
        assert_eq!(can_read_commissions(&ann, Some(5)), Access::Allowed);
        assert_eq!(can_read_commissions(&ann, Some(6)), Access::Hidden);
        assert!(!can_keep_commissions(&ann));
    }
}
