//! Who may do what (PLT-1), and signing in. A partner's users act only on their own partner's
//! records; anything else is hidden — answered as not found — so that existence does not leak
//! between partners. Each feature's own checks build on `can_view` in its `policy` module.

pub mod input;
pub mod notify;

use crate::roles::{Actor, Role};
use jiff::Timestamp;

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

/// An administrator does not deactivate their own account: one click would lock them out, and
/// perhaps the program's last administrator with them. Another administrator may.
pub fn may_deactivate(actor: &Actor, user_id: i64) -> Result<(), &'static str> {
    if actor.user_id == user_id {
        Err("you cannot deactivate your own account; another administrator can")
    } else {
        Ok(())
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

/// An address's failed sign-ins and its lock, as counted so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInCount {
    pub failures: u32,
    pub locked_until: Option<Timestamp>,
}

/// PLT-5 (issue 12): an attempt is counted as a failure *before* its password is checked, so that a
/// burst of guesses sent at once meets the lock exactly as the same guesses sent one by one would;
/// a right password then clears the count. While locked, the attempt is refused (`Err(until)`).
pub fn claim_sign_in_attempt(count: SignInCount, now: Timestamp) -> Result<SignInCount, Timestamp> {
    if let Some(until) = count.locked_until.filter(|until| *until > now) {
        return Err(until);
    }
    let failures = count.failures.saturating_add(1);
    let locked_until = sign_in_lock(failures).and_then(|d| now.checked_add(d).ok());
    Ok(SignInCount { failures, locked_until })
}

/// Password reset links an account may be sent in an hour.
pub const RESET_LINKS_PER_HOUR: u32 = 3;

/// PLT-5 (issue 12): a few reset links an hour per account — enough for a lost e-mail, too few to
/// flood an inbox from the public "forgot password" form.
pub fn may_send_reset_link(sent_in_the_last_hour: u32) -> bool {
    sent_in_the_last_hour < RESET_LINKS_PER_HOUR
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;

    #[test]
    fn administrators_deactivate_others_not_themselves() {
        let admin = actor(Role::Admin, 1, None);
        assert!(may_deactivate(&admin, 2).is_ok());
        assert!(may_deactivate(&admin, 1).is_err());
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
    fn every_attempt_counts_before_its_password_is_checked() {
        let now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut count = SignInCount {
            failures: 0,
            locked_until: None,
        };
        // Twenty attempts in one burst: five are let through, the fifth sets a minute's lock.
        let mut let_through = 0;
        for _ in 0..20 {
            if let Ok(next) = claim_sign_in_attempt(count, now) {
                count = next;
                let_through += 1;
            }
        }
        assert_eq!(let_through, FREE_SIGN_IN_FAILURES);
        assert_eq!(count.locked_until, Some("2026-11-22T10:01:00Z".parse().unwrap()));
        assert_eq!(
            claim_sign_in_attempt(count, now),
            Err("2026-11-22T10:01:00Z".parse().unwrap())
        );
        // Once the lock has passed, the sixth attempt is let through and locks for two minutes.
        let later: Timestamp = "2026-11-22T10:01:00Z".parse().unwrap();
        let sixth = claim_sign_in_attempt(count, later).unwrap();
        assert_eq!(sixth.failures, 6);
        assert_eq!(sixth.locked_until, Some("2026-11-22T10:03:00Z".parse().unwrap()));
    }

    #[test]
    fn three_reset_links_an_hour() {
        assert!(may_send_reset_link(0));
        assert!(may_send_reset_link(2));
        assert!(!may_send_reset_link(3));
    }
}
