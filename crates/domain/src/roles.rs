//! Who is acting. Roles come from the product's user list (PLT-1).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    ChannelManager,
    OrderEntry,
    Sales,
    /// Sales management (ROE-5): re-assigns opportunities, elevates major accounts, approves later
    /// forecast close dates.
    SalesManager,
    Finance,
    PartnerAdmin,
    PartnerUser,
}

crate::str_enum::str_enum!(Role {
    Admin => "admin",
    ChannelManager => "channel_manager" as "Regional manager",
    OrderEntry => "order_entry",
    Sales => "sales",
    SalesManager => "sales_manager" as "Sales management",
    Finance => "finance",
    PartnerAdmin => "partner_admin",
    PartnerUser => "partner_user",
});

impl Role {
    /// Partner roles belong to exactly one partner and see only its records (PLT-1).
    pub fn is_partner(self) -> bool {
        matches!(self, Role::PartnerAdmin | Role::PartnerUser)
    }
}

/// The authenticated user behind a request or command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    /// Set exactly when `role.is_partner()`.
    pub partner_id: Option<i64>,
}

impl Actor {
    /// The partner whose records this actor is confined to, if any.
    pub fn confined_to_partner(&self) -> Option<i64> {
        if self.role.is_partner() { self.partner_id } else { None }
    }

    pub fn is_staff(&self) -> bool {
        !self.role.is_partner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").unwrap_err().contains("channel_manager"));
    }
}
