//! The messages of lead distribution (PLT-3).

use crate::notify::Draft;

/// PRG-2: the partner's users learn of a lead offered to them, and why them.
pub fn lead_offered(lead_id: i64, company: &str, why: &str) -> Draft {
    Draft {
        kind: "lead_offered",
        subject: format!("New lead for you: {company} (lead #{lead_id})"),
        body: format!(
            "A lead has been offered to your company: {company} (lead #{lead_id}).\n\n\
             Why you: {why}.\n\n\
             Accept it to make it your opportunity, or decline it with a reason so that it can go to \
             another partner. Your leads are under Leads."
        ),
    }
}

/// PRG-2: the channel manager learns that no partner can take a lead.
pub fn no_partner_available(lead_id: i64, company: &str, why: &str) -> Draft {
    Draft {
        kind: "lead_no_partner",
        subject: format!("No partner available for {company} (lead #{lead_id})"),
        body: format!(
            "Lead #{lead_id} for {company} could not be given to a partner.\n\n{why}\n\n\
             Assign it by hand, or change the distribution rules and distribute it again."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_lead_and_why() {
        let offered = lead_offered(
            7,
            "Potsdam Gymnasium",
            "Same country (Germany) · Gold, weight 3 · 0 of 5 open leads",
        );
        assert_eq!(offered.subject, "New lead for you: Potsdam Gymnasium (lead #7)");
        assert!(offered.body.contains("Why you: Same country (Germany)"));
        let none = no_partner_available(
            7,
            "Potsdam Gymnasium",
            "No partner available: of 2 partners in the lead's country or region, 2 declined it.",
        );
        assert!(none.body.contains("2 declined it"));
    }
}
