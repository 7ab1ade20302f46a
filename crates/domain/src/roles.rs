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
    Finance,
    PartnerAdmin,
    PartnerUser,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::ChannelManager,
        Role::OrderEntry,
        Role::Sales,
        Role::Finance,
        Role::PartnerAdmin,
        Role::PartnerUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ChannelManager => "channel_manager",
            Role::OrderEntry => "order_entry",
            Role::Sales => "sales",
            Role::Finance => "finance",
            Role::PartnerAdmin => "partner_admin",
            Role::PartnerUser => "partner_user",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw).ok_or_else(|| {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown role '{raw}'; one of: {}", names.join(", "))
        })
    }

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
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").unwrap_err().contains("channel_manager"));
    }
}
