//! The registration lifecycle (REG-2 … REG-7) and its validity dates (REG-3, REG-4).

pub mod contact;
pub mod discussion;
pub mod input;
pub mod matching;
pub mod notify;
pub mod policy;

use crate::str_enum::str_enum;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    Approved,
    Declined,
    Expired,
    Won,
    Lost,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Approve,
    Decline,
    Expire,
    CloseWon,
    CloseLost,
    Withdraw,
}

str_enum!(Status {
    Submitted => "submitted",
    Approved => "approved",
    Declined => "declined",
    Expired => "expired",
    Won => "won",
    Lost => "lost",
    Withdrawn => "withdrawn",
});

str_enum!(Action {
    Approve => "approve",
    Decline => "decline",
    Expire => "expire",
    CloseWon => "close_won",
    CloseLost => "close_lost",
    Withdraw => "withdraw",
});

/// An action that the current status does not allow, with the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a registration that is {from}; allowed: {}", allowed_list(.allowed))]
pub struct InvalidTransition {
    pub from: Status,
    pub action: Action,
    pub allowed: Vec<Action>,
}

fn allowed_list(allowed: &[Action]) -> String {
    if allowed.is_empty() {
        "nothing (the registration is closed)".to_owned()
    } else {
        allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl Status {
    /// Seed 000: submitted → approved | declined; an approved SOR expires, or its opportunity closes
    /// (won, lost) or is withdrawn. A pending submission may also be withdrawn by its partner.
    pub fn after(self, action: Action) -> Option<Status> {
        use Action::*;
        use Status::*;
        match (self, action) {
            (Submitted, Approve) => Some(Approved),
            (Submitted, Decline) => Some(Declined),
            (Submitted, Withdraw) | (Approved, Withdraw) => Some(Withdrawn),
            (Approved, Expire) => Some(Expired),
            (Approved, CloseWon) => Some(Won),
            (Approved, CloseLost) => Some(Lost),
            _ => None,
        }
    }

    /// What a person may do next; expiry happens by time, not on request.
    pub fn allowed_actions(self) -> Vec<Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(|a| *a != Action::Expire && self.after(*a).is_some())
            .collect()
    }

    pub fn apply(self, action: Action) -> Result<Status, InvalidTransition> {
        self.after(action).ok_or_else(|| InvalidTransition {
            from: self,
            action,
            allowed: self.allowed_actions(),
        })
    }
}

/// Seed 000 ("Approved SORs are valid for a specified time"): approved on `approved_on` for `days`
/// days, the SOR is valid through `approved_on + days`, inclusive. Approved 2026-11-22 for 90 days:
/// valid through 2027-02-20, expired from 2027-02-21.
pub fn valid_through(approved_on: Date, days: u32) -> Date {
    approved_on.saturating_add(i64::from(days).days())
}

/// Seed 000: "If the opportunity is not closed within the specified time, the SOR expires and is no
/// longer valid." Expired once the business date is past the last valid day.
pub fn is_expired(valid_through: Date, today: Date) -> bool {
    today > valid_through
}

/// REG-4: partners are reminded `days_before` days ahead; the reminder is due from that day until the
/// last valid day.
pub fn reminder_due(valid_through: Date, today: Date, days_before: u32) -> bool {
    let from = valid_through.saturating_sub(i64::from(days_before).days());
    today >= from && today <= valid_through
}

/// How the approver sets the validity: the program default, a number of days, or an end date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidityChoice {
    ProgramDefault,
    Days(u32),
    Through(Date),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    #[error("the validity must end after {0}")]
    NotAfter(Date),
    #[error("the validity may end no later than {0} ({1} days, the program's maximum)")]
    TooLong(Date, u32),
}

/// REG-3: the approver may shorten or lengthen the program default, within (today, today + max].
pub fn resolve_validity(
    choice: ValidityChoice,
    approved_on: Date,
    default_days: u32,
    max_days: u32,
) -> Result<Date, ValidityError> {
    let through = match choice {
        ValidityChoice::ProgramDefault => valid_through(approved_on, default_days),
        ValidityChoice::Days(days) => valid_through(approved_on, days),
        ValidityChoice::Through(date) => date,
    };
    check_validity_end(through, approved_on, approved_on, max_days)?;
    Ok(through)
}

/// REG-5: an extension must move the end later than it is now, and no further than the program's
/// maximum counted from today.
pub fn check_extension(
    new_through: Date,
    current_through: Date,
    today: Date,
    max_days: u32,
) -> Result<(), ValidityError> {
    check_validity_end(new_through, current_through, today, max_days)
}

fn check_validity_end(
    through: Date,
    must_be_after: Date,
    counted_from: Date,
    max_days: u32,
) -> Result<(), ValidityError> {
    if through <= must_be_after {
        return Err(ValidityError::NotAfter(must_be_after));
    }
    let latest = valid_through(counted_from, max_days);
    if through > latest {
        return Err(ValidityError::TooLong(latest, max_days));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Change of scope (products) and/or estimated value or close date.
    Update,
    /// A later validity end date.
    Extension,
}

str_enum!(RequestKind { Update => "update" as "Update request", Extension => "extension" as "Extension request" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Declined,
    /// The registration left the approved state before anyone decided.
    Void,
}

str_enum!(RequestStatus {
    Pending => "pending",
    Approved => "approved",
    Declined => "declined",
    Void => "void",
});

/// Seed 000: the program exists "to insure that the partner that develops an opportunity is able to
/// close the opportunity without competition from other partners". Another partner's registration
/// of the same opportunity stands in the way of approving `applicant_id` when it is already approved,
/// or still pending and filed first (ids are assigned in commit order, so a lower id filed first).
pub fn stands_in_the_way(same_opportunity: bool, holder_status: Status, holder_id: i64, applicant_id: i64) -> bool {
    same_opportunity
        && (holder_status == Status::Approved || (holder_status == Status::Submitted && holder_id < applicant_id))
}

/// Seed 000: an approved SOR "may be updated and/or extended with the approval of the Regional
/// Manager" — only while it is approved, and only a pending request can be decided.
pub fn check_request_decidable(request: RequestStatus, registration: Status) -> Result<(), String> {
    if request != RequestStatus::Pending {
        return Err(format!(
            "the request is already {request}; only pending requests can be decided"
        ));
    }
    if registration != Status::Approved {
        return Err(format!(
            "the registration is {registration}; requests are decided only while it is approved"
        ));
    }
    Ok(())
}

/// Seed 000: "Partners are solely responsible for updating and/or extending an approved SOR" — a
/// request can be filed only on an approved registration.
pub fn check_request_allowed(registration: Status) -> Result<(), String> {
    if registration == Status::Approved {
        Ok(())
    } else {
        Err(format!(
            "the registration is {registration}; updates and extensions can be requested only while it is approved"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn ninety_days_from_2026_11_22_is_valid_through_2027_02_20() {
        let through = valid_through(date(2026, 11, 22), 90);
        assert_eq!(through, date(2027, 2, 20));
        assert!(!is_expired(through, date(2027, 2, 20)));
        assert!(is_expired(through, date(2027, 2, 21)));
    }

    #[test]
    fn validity_crosses_a_leap_day() {
        assert_eq!(valid_through(date(2028, 2, 1), 30), date(2028, 3, 2));
    }

    #[test]
    fn reminder_window_is_inclusive_at_both_ends() {
        let through = date(2027, 2, 20);
        assert!(!reminder_due(through, date(2027, 2, 5), 14));
        assert!(reminder_due(through, date(2027, 2, 6), 14));
        assert!(reminder_due(through, date(2027, 2, 20), 14));
        assert!(!reminder_due(through, date(2027, 2, 21), 14));
    }

    #[test]
    fn approver_may_shorten_or_lengthen_within_the_maximum() {
        let on = date(2026, 11, 22);
        assert_eq!(
            resolve_validity(ValidityChoice::ProgramDefault, on, 90, 365),
            Ok(date(2027, 2, 20))
        );
        assert_eq!(
            resolve_validity(ValidityChoice::Days(30), on, 90, 365),
            Ok(date(2026, 12, 22))
        );
        assert_eq!(
            resolve_validity(ValidityChoice::Through(date(2027, 6, 30)), on, 90, 365),
            Ok(date(2027, 6, 30))
        );
        assert_eq!(
            resolve_validity(ValidityChoice::Days(0), on, 90, 365),
            Err(ValidityError::NotAfter(on))
        );
        assert_eq!(
            resolve_validity(ValidityChoice::Days(366), on, 90, 365),
            Err(ValidityError::TooLong(date(2027, 11, 22), 365))
        );
    }

    #[test]
    fn extension_must_move_the_end_later() {
        let today = date(2027, 2, 10);
        let current = date(2027, 2, 20);
        assert!(check_extension(date(2027, 3, 31), current, today, 365).is_ok());
        assert_eq!(
            check_extension(date(2027, 2, 20), current, today, 365),
            Err(ValidityError::NotAfter(current))
        );
        assert!(check_extension(date(2028, 3, 1), current, today, 365).is_err());
    }

    #[test]
    fn invalid_transition_names_what_is_allowed() {
        let err = Status::Declined.apply(Action::Approve).unwrap_err();
        assert!(err.allowed.is_empty());
        assert_eq!(
            err.to_string(),
            "cannot approve a registration that is declined; allowed: nothing (the registration is closed)"
        );
        let err = Status::Approved.apply(Action::Decline).unwrap_err();
        assert_eq!(err.allowed, vec![Action::CloseWon, Action::CloseLost, Action::Withdraw]);
    }

    #[test]
    fn the_first_filer_and_the_approved_holder_are_protected() {
        // Registration 42 asks for approval.
        assert!(
            stands_in_the_way(true, Status::Approved, 57, 42),
            "approved, even if filed later"
        );
        assert!(
            stands_in_the_way(true, Status::Submitted, 17, 42),
            "pending and filed first"
        );
        assert!(
            !stands_in_the_way(true, Status::Submitted, 57, 42),
            "pending but filed later"
        );
        assert!(
            !stands_in_the_way(false, Status::Approved, 17, 42),
            "not the same opportunity"
        );
        assert!(!stands_in_the_way(true, Status::Declined, 17, 42), "no longer active");
    }

    #[test]
    fn requests_are_decided_once_and_only_on_approved_registrations() {
        assert!(check_request_decidable(RequestStatus::Pending, Status::Approved).is_ok());
        assert!(check_request_decidable(RequestStatus::Approved, Status::Approved).is_err());
        assert!(check_request_decidable(RequestStatus::Pending, Status::Expired).is_err());
        assert!(check_request_allowed(Status::Approved).is_ok());
        assert!(check_request_allowed(Status::Submitted).is_err());
    }

    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        /// Whatever sequence of actions is tried, the machine only ever moves forward: it starts at
        /// submitted, never returns to it, never leaves a terminal status, and only approved
        /// registrations expire or close.
        #[test]
        fn lifecycle_only_moves_forward(actions in proptest::collection::vec(any_action(), 0..20)) {
            let mut status = Status::Submitted;
            let mut was_approved = false;
            for action in actions {
                match status.apply(action) {
                    Ok(next) => {
                        prop_assert!(Action::ALL.iter().any(|a| status.after(*a).is_some()));
                        prop_assert_ne!(next, Status::Submitted);
                        if matches!(next, Status::Expired | Status::Won | Status::Lost) {
                            prop_assert_eq!(status, Status::Approved);
                        }
                        was_approved |= next == Status::Approved;
                        status = next;
                    }
                    Err(err) => {
                        prop_assert_eq!(err.from, status);
                        prop_assert!(!err.allowed.contains(&action));
                    }
                }
            }
            if matches!(status, Status::Expired | Status::Won | Status::Lost) {
                prop_assert!(was_approved);
            }
        }

        #[test]
        fn parse_inverts_as_str(i in 0usize..7) {
            let s = Status::ALL[i];
            prop_assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
    }
}
