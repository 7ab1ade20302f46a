//! The messages of the registration lifecycle (PLT-3). Seed 000: the partner receives an "APPROVED"
//! e-mail with the SOR number to put on the PO, or a "DECLINED" e-mail.

use crate::money::Money;
use crate::notify::Draft;
use crate::registrations::RequestKind;
use jiff::civil::Date;

pub fn submitted(registration_id: i64, partner: &str, customer: &str, value: Money, conflict: bool) -> Draft {
    let warning = if conflict {
        "\n\nA possible channel conflict was found: review the matches before deciding."
    } else {
        ""
    };
    Draft {
        kind: "registration_submitted",
        subject: format!("Registration #{registration_id} from {partner} awaits your decision"),
        body: format!(
            "{partner} registered an opportunity with {customer}, estimated at {value}.\n\
             Approve or decline registration #{registration_id}.{warning}"
        ),
    }
}

pub fn approved(registration_id: i64, sor: &str, customer: &str, valid_through: Date) -> Draft {
    Draft {
        kind: "registration_approved",
        subject: format!("APPROVED: {sor} for {customer}"),
        body: format!(
            "Your registration #{registration_id} for {customer} is APPROVED.\n\
             SOR number: {sor}\nValid through: {valid_through} (inclusive)\n\n\
             Include {sor} on every purchase order for this opportunity."
        ),
    }
}

pub fn declined(registration_id: i64, customer: &str, reason: &str) -> Draft {
    Draft {
        kind: "registration_declined",
        subject: format!("DECLINED: registration #{registration_id} for {customer}"),
        body: format!("Your registration #{registration_id} for {customer} was DECLINED.\nReason: {reason}"),
    }
}

// Each message is a whole sentence per kind of request, never a sentence with the kind's name
// slotted in, so that a translation can word each as its language needs.
pub fn change_requested(registration_id: i64, kind: RequestKind, partner: &str, customer: &str) -> Draft {
    let (subject, body) = match kind {
        RequestKind::Extension => (
            format!("{partner} asks for an extension of registration #{registration_id}"),
            format!("{partner} requested an extension of registration #{registration_id} ({customer})."),
        ),
        RequestKind::Update => (
            format!("{partner} asks for an update of registration #{registration_id}"),
            format!("{partner} requested an update of registration #{registration_id} ({customer})."),
        ),
    };
    Draft {
        kind: "change_requested",
        subject,
        body: format!("{body}\nApprove or decline the request."),
    }
}

pub fn change_decided(
    registration_id: i64,
    kind: RequestKind,
    approved: bool,
    customer: &str,
    reason: Option<&str>,
) -> Draft {
    let reason = reason.map(|r| format!("\nReason: {r}")).unwrap_or_default();
    let (subject, body) = match (kind, approved) {
        (RequestKind::Extension, true) => (
            format!("APPROVED: extension of registration #{registration_id} for {customer}"),
            format!("Your extension request for registration #{registration_id} ({customer}) was APPROVED."),
        ),
        (RequestKind::Extension, false) => (
            format!("DECLINED: extension of registration #{registration_id} for {customer}"),
            format!("Your extension request for registration #{registration_id} ({customer}) was DECLINED."),
        ),
        (RequestKind::Update, true) => (
            format!("APPROVED: update of registration #{registration_id} for {customer}"),
            format!("Your update request for registration #{registration_id} ({customer}) was APPROVED."),
        ),
        (RequestKind::Update, false) => (
            format!("DECLINED: update of registration #{registration_id} for {customer}"),
            format!("Your update request for registration #{registration_id} ({customer}) was DECLINED."),
        ),
    };
    Draft {
        kind: "change_decided",
        subject,
        body: format!("{body}{reason}"),
    }
}

pub fn expiry_reminder(sor: &str, customer: &str, valid_through: Date, today: Date) -> Draft {
    // Counting today: on the last valid day one day is left.
    let days = (valid_through - today).get_days() + 1;
    Draft {
        kind: "expiry_reminder",
        subject: format!("{sor} for {customer} expires after {valid_through}"),
        body: format!(
            "{sor} ({customer}) is valid through {valid_through}: {days} day(s) left, today included.\n\
             If the opportunity will not close by then, request an extension now — partners are \
             solely responsible for extending their registrations."
        ),
    }
}

pub fn expired(sor: &str, customer: &str, valid_through: Date) -> Draft {
    Draft {
        kind: "registration_expired",
        subject: format!("EXPIRED: {sor} for {customer}"),
        body: format!(
            "{sor} ({customer}) was valid through {valid_through} and has expired; it is no longer \
             valid on purchase orders."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use jiff::civil::date;

    #[test]
    fn approved_mail_carries_the_sor_number_and_validity() {
        let d = approved(7, "SOR-2026-000042", "Springfield School District", date(2027, 2, 20));
        assert_eq!(d.subject, "APPROVED: SOR-2026-000042 for Springfield School District");
        assert!(d.body.contains("Valid through: 2027-02-20 (inclusive)"));
    }

    #[test]
    fn reminder_counts_days_left() {
        let d = expiry_reminder("SOR-2026-000042", "Acme", date(2027, 2, 20), date(2027, 2, 6));
        assert!(d.body.contains("15 day(s) left, today included"), "{}", d.body);
        let last = expiry_reminder("SOR-2026-000042", "Acme", date(2027, 2, 20), date(2027, 2, 20));
        assert!(last.body.contains("1 day(s) left, today included"), "{}", last.body);
    }

    #[test]
    fn submitted_mail_warns_of_conflicts() {
        let value = Money {
            amount_minor: 4_200_000,
            currency: Currency::parse("USD").unwrap(),
        };
        let d = submitted(9, "Northwind AV", "Acme", value, true);
        assert!(d.body.contains("42,000.00 USD"));
        assert!(d.body.contains("possible channel conflict"));
    }
}
