//! Who may do what (PLT-1). A partner's users act only on their own partner's records; anything else
//! is hidden — answered as not found — so that existence does not leak between partners.

use crate::roles::{Actor, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// The record exists but the actor may not know that: answer "not found".
    Hidden,
    /// The actor may see the record but not do this to it.
    Forbidden,
}

impl Access {
    fn from_bool(allowed: bool, otherwise: Access) -> Access {
        if allowed { Access::Allowed } else { otherwise }
    }
}

/// Staff see every partner's records; partner users only their own partner's.
pub fn can_view(actor: &Actor, owner_partner_id: i64) -> Access {
    match actor.confined_to_partner() {
        Some(own) => Access::from_bool(own == owner_partner_id, Access::Hidden),
        None if actor.role.is_partner() => Access::Hidden,
        None => Access::Allowed,
    }
}

/// Seed 000: registrations are submitted by partners through the portal.
pub fn can_submit(actor: &Actor) -> Option<i64> {
    actor.confined_to_partner()
}

/// Seed 000 / REG-2: the regional manager the registration was routed to decides; administrators may
/// stand in. Partners never decide.
pub fn can_decide(actor: &Actor, owner_partner_id: i64, approver_id: Option<i64>) -> Access {
    match can_view(actor, owner_partner_id) {
        Access::Allowed => Access::from_bool(
            actor.role == Role::Admin || (actor.role == Role::ChannelManager && approver_id == Some(actor.user_id)),
            Access::Forbidden,
        ),
        other => other,
    }
}

/// Seed 000: "Partners are solely responsible for updating and/or extending an approved SOR": only
/// the owning partner asks.
pub fn can_request_change(actor: &Actor, owner_partner_id: i64) -> Access {
    match can_view(actor, owner_partner_id) {
        Access::Allowed => Access::from_bool(actor.role.is_partner(), Access::Forbidden),
        other => other,
    }
}

/// REG-7: the owning partner withdraws or reports the outcome; the approver or an admin may record it
/// for them.
pub fn can_close(actor: &Actor, owner_partner_id: i64, approver_id: Option<i64>) -> Access {
    match can_view(actor, owner_partner_id) {
        Access::Allowed if actor.role.is_partner() => Access::Allowed,
        Access::Allowed => can_decide(actor, owner_partner_id, approver_id),
        other => other,
    }
}

/// REG-2: channel managers and administrators decide registrations (which ones: [`can_decide`]), so
/// they have an approval queue.
pub fn can_decide_registrations(actor: &Actor) -> bool {
    matches!(actor.role, Role::ChannelManager | Role::Admin)
}

/// Everyone but order entry follows the registrations (their lists and charts); order entry works
/// from the orders, where the SOR numbers are checked.
pub fn follows_registrations(actor: &Actor) -> bool {
    actor.role != Role::OrderEntry
}

/// Price list, partners, regions, users and settings belong to administrators.
pub fn can_administer(actor: &Actor) -> bool {
    actor.role == Role::Admin
}

/// End customers are master data kept by administrators and channel managers.
pub fn can_manage_customers(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::ChannelManager)
}

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

/// Consecutive failed sign-ins an account may make before it is locked for a while.
pub const FREE_SIGN_IN_FAILURES: u32 = 5;

/// PLT-5: after five failed sign-ins in a row the account refuses attempts for a minute, doubling
/// with each further failure up to an hour: guessing a password becomes slow, while a user who
/// mistyped waits minutes, not days. A success resets the count.
pub fn sign_in_lock(consecutive_failures: u32) -> Option<jiff::SignedDuration> {
    let over = consecutive_failures.checked_sub(FREE_SIGN_IN_FAILURES)?;
    let minutes = (1i64 << over.min(6)).min(60);
    Some(jiff::SignedDuration::from_mins(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, user_id: i64, partner_id: Option<i64>) -> Actor {
        Actor {
            user_id,
            email: format!("u{user_id}@example.com"),
            role,
            partner_id,
        }
    }

    #[test]
    fn partners_see_only_their_own_records() {
        let p = actor(Role::PartnerUser, 10, Some(1));
        assert_eq!(can_view(&p, 1), Access::Allowed);
        assert_eq!(can_view(&p, 2), Access::Hidden);
        assert_eq!(can_view(&actor(Role::Finance, 11, None), 2), Access::Allowed);
        // A partner user whose partner link is missing sees nothing rather than everything.
        assert_eq!(can_view(&actor(Role::PartnerAdmin, 12, None), 1), Access::Hidden);
    }

    #[test]
    fn only_the_routed_manager_or_an_admin_decides() {
        let manager = actor(Role::ChannelManager, 5, None);
        assert_eq!(can_decide(&manager, 1, Some(5)), Access::Allowed);
        assert_eq!(can_decide(&manager, 1, Some(6)), Access::Forbidden);
        assert_eq!(can_decide(&actor(Role::Admin, 1, None), 1, None), Access::Allowed);
        assert_eq!(can_decide(&actor(Role::Sales, 2, None), 1, Some(2)), Access::Forbidden);
        assert_eq!(
            can_decide(&actor(Role::PartnerAdmin, 3, Some(1)), 1, Some(3)),
            Access::Forbidden
        );
        assert_eq!(
            can_decide(&actor(Role::PartnerAdmin, 3, Some(2)), 1, Some(3)),
            Access::Hidden
        );
    }

    #[test]
    fn managers_and_admins_decide_and_order_entry_does_not_follow_registrations() {
        for role in Role::ALL {
            let a = actor(role, 7, role.is_partner().then_some(1));
            assert_eq!(
                can_decide_registrations(&a),
                matches!(role, Role::ChannelManager | Role::Admin)
            );
            assert_eq!(follows_registrations(&a), role != Role::OrderEntry);
        }
    }

    #[test]
    fn repeated_sign_in_failures_lock_for_longer_up_to_an_hour() {
        let minutes = |n| sign_in_lock(n).map(|d| d.as_mins());
        assert_eq!(minutes(4), None);
        assert_eq!(minutes(5), Some(1));
        assert_eq!(minutes(6), Some(2));
        assert_eq!(minutes(10), Some(32));
        assert_eq!(minutes(11), Some(60));
        assert_eq!(minutes(u32::MAX), Some(60));
    }

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

    #[test]
    fn only_the_owning_partner_asks_for_changes() {
        assert_eq!(
            can_request_change(&actor(Role::PartnerUser, 3, Some(1)), 1),
            Access::Allowed
        );
        assert_eq!(
            can_request_change(&actor(Role::PartnerUser, 3, Some(2)), 1),
            Access::Hidden
        );
        assert_eq!(
            can_request_change(&actor(Role::ChannelManager, 5, None), 1),
            Access::Forbidden
        );
    }

    #[test]
    fn closing_is_for_the_partner_its_approver_or_an_admin() {
        assert_eq!(
            can_close(&actor(Role::PartnerUser, 3, Some(1)), 1, Some(5)),
            Access::Allowed
        );
        assert_eq!(
            can_close(&actor(Role::ChannelManager, 5, None), 1, Some(5)),
            Access::Allowed
        );
        assert_eq!(
            can_close(&actor(Role::OrderEntry, 6, None), 1, Some(5)),
            Access::Forbidden
        );
    }
}
