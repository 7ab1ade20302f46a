//! The messages of the rules of engagement (PLT-3): managers hear when an opportunity becomes or stops
//! being theirs, before their rights end and when they do; the MAM hears when its consent is asked.

use crate::notify::Draft;
use jiff::civil::Date;

pub fn now_managing(number: &str, name: &str, reason: &str) -> Draft {
    Draft {
        kind: "opportunity_assigned",
        subject: format!("{number} {name} is now yours to manage"),
        body: format!(
            "You are the Opportunity Manager of {number} ({name}).\nWhy: {reason}\n\n\
             Keep its plan and forecast current: your rights end when the business is not awarded as forecasted."
        ),
    }
}

pub fn no_longer_managing(number: &str, name: &str, reason: &str) -> Draft {
    Draft {
        kind: "opportunity_moved_away",
        subject: format!("{number} {name} moved to another manager"),
        body: format!("You no longer manage {number} ({name}).\nWhy: {reason}"),
    }
}

pub fn rights_ending(number: &str, name: &str, rights_through: Date, today: Date) -> Draft {
    let days = (rights_through - today).get_days();
    Draft {
        kind: "opportunity_rights_ending",
        subject: format!("Your rights to {number} end on {rights_through}"),
        body: format!(
            "{number} ({name}) has not been awarded as forecasted. Your rights as its Opportunity Manager hold \
             through {rights_through} ({days} day(s) from today), then the account is open to all parties.\n\
             Close it as won, or ask sales management to move its forecast close date."
        ),
    }
}

pub fn rights_ended(number: &str, name: &str, rights_through: Date) -> Draft {
    Draft {
        kind: "opportunity_rights_ended",
        subject: format!("Rights to {number} {name} ended"),
        body: format!(
            "{number} ({name}) was not awarded as forecasted; the grace period ended on {rights_through}. \
             The Opportunity Manager's rights have ended and the account is open to all parties."
        ),
    }
}

pub fn close_date_requested(number: &str, name: &str, from: Date, to: Date) -> Draft {
    Draft {
        kind: "close_date_requested",
        subject: format!("{number}: forecast close {from} → {to} awaits your approval"),
        body: format!(
            "The manager of {number} ({name}) asks to move its forecast close date from {from} to {to}, \
             which extends the manager's rights. Approve or decline it on the opportunity."
        ),
    }
}

pub fn close_date_decided(number: &str, to: Date, approved: bool, note: Option<&str>) -> Draft {
    let note = note.map(|n| format!("\nNote: {n}")).unwrap_or_default();
    if approved {
        Draft {
            kind: "close_date_approved",
            subject: format!("{number}: forecast close moved to {to}"),
            body: format!("Sales management approved moving the forecast close of {number} to {to}.{note}"),
        }
    } else {
        Draft {
            kind: "close_date_declined",
            subject: format!("{number}: forecast close stays"),
            body: format!("Sales management declined moving the forecast close of {number} to {to}.{note}"),
        }
    }
}

pub fn consent_asked(number: &str, name: &str, shares: &str) -> Draft {
    Draft {
        kind: "revenue_share_asked",
        subject: format!("{number}: a revenue-share team awaits your consent"),
        body: format!(
            "As Major Account Manager you are asked to agree to run {number} ({name}) as a revenue-share team: \
             {shares}.\nNothing changes unless you agree."
        ),
    }
}

pub fn consent_given(number: &str, agreed: bool) -> Draft {
    if agreed {
        Draft {
            kind: "revenue_share_agreed",
            subject: format!("{number}: the Major Account Manager agreed to a revenue-share team"),
            body: format!("The revenue-share team of {number} stands; you manage it again."),
        }
    } else {
        Draft {
            kind: "revenue_share_refused",
            subject: format!("{number}: the Major Account Manager did not agree"),
            body: format!("{number} stays with the Major Account Manager."),
        }
    }
}
