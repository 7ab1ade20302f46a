//! Who may do what (PLT-1), and signing in. A partner's users act only on their own partner's
//! records; anything else is hidden — answered as not found — so that existence does not leak
//! between partners. Each feature's own checks build on `can_view` in its `policy` module.

pub mod input;
pub mod notify;

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
    pub(crate) fn from_bool(allowed: bool, otherwise: Access) -> Access {
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

/// Price list, partners, regions, users and settings belong to administrators.
pub fn can_administer(actor: &Actor) -> bool {
    actor.role == Role::Admin
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
    use crate::testing::actor;

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
    fn repeated_sign_in_failures_lock_for_longer_up_to_an_hour() {
        let minutes = |n| sign_in_lock(n).map(|d| d.as_mins());
        assert_eq!(minutes(4), None);
        assert_eq!(minutes(5), Some(1));
        assert_eq!(minutes(6), Some(2));
        assert_eq!(minutes(10), Some(32));
        assert_eq!(minutes(11), Some(60));
        assert_eq!(minutes(u32::MAX), Some(60));
    }
}
