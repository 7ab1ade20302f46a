//! Who may file, decide, change and close a registration (seed 000, REG-2, REG-5, REG-7).

use crate::access::{Access, can_view};
use crate::registrations::{Action, Status};
use crate::roles::{Actor, Role};

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

/// The end customer's contact is a person's data: shown to the partner who filed it (another partner
/// never sees the registration at all) and to whoever decides it, not to every member of staff.
pub fn sees_contact(actor: &Actor, owner_partner_id: i64, approver_id: Option<i64>) -> bool {
    match can_view(actor, owner_partner_id) {
        Access::Allowed if actor.role.is_partner() => true,
        Access::Allowed => can_decide(actor, owner_partner_id, approver_id) == Access::Allowed,
        _ => false,
    }
}

/// REG-2: channel managers and administrators decide registrations (which ones: [`can_decide`]), so
/// they have an approval queue.
pub fn can_decide_registrations(actor: &Actor) -> bool {
    decides_registrations(actor.role)
}

/// The roles that may approve: a region's approver is chosen among people of these roles.
pub fn decides_registrations(role: Role) -> bool {
    matches!(role, Role::ChannelManager | Role::Admin)
}

/// Everyone but order entry follows the registrations (their lists and charts); order entry works
/// from the orders, where the SOR numbers are checked.
pub fn follows_registrations(actor: &Actor) -> bool {
    actor.role != Role::OrderEntry
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

/// What `actor` may do next to a registration: the moves its state allows (expiry happens by time,
/// not on request) that the actor may make — a partner is never told it may approve.
pub fn allowed_actions(actor: &Actor, status: Status, owner_partner_id: i64, approver_id: Option<i64>) -> Vec<Action> {
    status
        .allowed_actions()
        .into_iter()
        .filter(|action| {
            let access = match action {
                Action::Approve | Action::Decline => can_decide(actor, owner_partner_id, approver_id),
                Action::Withdraw | Action::CloseWon | Action::CloseLost => {
                    can_close(actor, owner_partner_id, approver_id)
                }
                Action::Expire => Access::Forbidden,
            };
            access == Access::Allowed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;

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
    fn the_contact_is_for_its_partner_and_its_approver() {
        assert!(sees_contact(&actor(Role::PartnerUser, 3, Some(1)), 1, Some(5)));
        assert!(!sees_contact(&actor(Role::PartnerUser, 3, Some(2)), 1, Some(5)));
        assert!(sees_contact(&actor(Role::ChannelManager, 5, None), 1, Some(5)));
        assert!(!sees_contact(&actor(Role::ChannelManager, 6, None), 1, Some(5)));
        assert!(sees_contact(&actor(Role::Admin, 1, None), 1, Some(5)));
        assert!(!sees_contact(&actor(Role::OrderEntry, 8, None), 1, Some(5)));
        assert!(!sees_contact(&actor(Role::Sales, 5, None), 1, Some(5)));
    }

    #[test]
    fn managers_and_admins_decide_and_order_entry_does_not_follow_registrations() {
        for &role in Role::ALL {
            let a = actor(role, 7, role.is_partner().then_some(1));
            assert_eq!(
                can_decide_registrations(&a),
                matches!(role, Role::ChannelManager | Role::Admin)
            );
            assert_eq!(follows_registrations(&a), role != Role::OrderEntry);
        }
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

    #[test]
    fn each_actor_is_offered_only_what_it_may_do() {
        let partner = actor(Role::PartnerUser, 3, Some(1));
        let manager = actor(Role::ChannelManager, 5, None);
        let other_manager = actor(Role::ChannelManager, 6, None);
        let submitted = |a: &Actor| allowed_actions(a, Status::Submitted, 1, Some(5));
        assert_eq!(submitted(&partner), vec![Action::Withdraw]);
        assert_eq!(
            submitted(&manager),
            vec![Action::Approve, Action::Decline, Action::Withdraw]
        );
        assert_eq!(submitted(&other_manager), Vec::<Action>::new());
        assert_eq!(
            allowed_actions(&partner, Status::Approved, 1, Some(5)),
            vec![Action::CloseWon, Action::CloseLost, Action::Withdraw]
        );
        assert_eq!(
            allowed_actions(&partner, Status::Declined, 1, Some(5)),
            Vec::<Action>::new()
        );
        // Another partner is offered nothing.
        assert_eq!(
            allowed_actions(&actor(Role::PartnerAdmin, 4, Some(2)), Status::Submitted, 1, Some(5)),
            Vec::<Action>::new()
        );
    }
}
