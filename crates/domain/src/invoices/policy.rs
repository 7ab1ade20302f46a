//! Who keeps invoices and who reads them (issue 15, item 3).

use crate::access::{Access, can_view};
use crate::roles::{Actor, Role};

/// Finance and administrators enter invoices, issue, cancel and credit them, and record payments —
/// the ERP through their tokens.
pub fn can_keep_invoices(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Finance)
}

/// An invoice is read by the channel team and finance, and by the partner who earns on it; another
/// partner is not told it exists.
pub fn can_read_invoice(actor: &Actor, partner_id: Option<i64>) -> Access {
    match partner_id {
        Some(partner) => can_view(actor, partner),
        None if actor.is_staff() => Access::Allowed,
        None => Access::Hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;

    #[test]
    fn finance_keeps_invoices_and_only_the_earning_partner_reads_one() {
        for role in [Role::Admin, Role::Finance] {
            assert!(can_keep_invoices(&actor(role, 1, None)));
        }
        for role in [Role::ChannelManager, Role::Sales, Role::OrderEntry, Role::SalesManager] {
            assert!(!can_keep_invoices(&actor(role, 2, None)));
            assert_eq!(can_read_invoice(&actor(role, 2, None), Some(1)), Access::Allowed);
        }
        let ann = actor(Role::PartnerAdmin, 3, Some(1));
        assert!(!can_keep_invoices(&ann));
        assert_eq!(can_read_invoice(&ann, Some(1)), Access::Allowed);
        assert_eq!(can_read_invoice(&ann, Some(2)), Access::Hidden);
        assert_eq!(can_read_invoice(&ann, None), Access::Hidden);
    }
}
