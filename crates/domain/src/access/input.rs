//! Users as administrators create them, and their e-mail addresses.

use crate::FieldErrors;
use crate::roles::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<200>))]
    pub display_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = Role))]
    pub role: Option<String>,
    /// Required for partner roles, forbidden for staff.
    pub partner_id: Option<i64>,
    /// At least 12 characters; users without one sign in with API tokens only.
    #[cfg_attr(feature = "openapi", schema(min_length = 12))]
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    pub password: Option<String>,
}

/// An e-mail address reduced to what we need: one `@`, a local part, a dotted domain; lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim().to_lowercase();
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c))
            });
        if valid {
            Ok(Email(s))
        } else {
            Err(format!("'{raw}' is not an e-mail address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shortest password accepted, for a new user and at a password reset alike.
pub const MIN_PASSWORD_CHARS: usize = 12;

pub fn parse_user(input: &UserInput) -> Result<NewUser, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = errors
        .required("email", &input.email)
        .and_then(|e| errors.parsed("email", Email::parse(e)));
    let display_name = errors.text("display_name", &input.display_name, 200);
    let role = errors
        .required("role", &input.role)
        .and_then(|r| errors.parsed("role", Role::parse(r)));
    if let Some(r) = role {
        check_partner(r, input.partner_id, &mut errors);
    }
    if input
        .password
        .as_ref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS)
    {
        errors.add("password", format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    match (email, display_name, role) {
        (Some(email), Some(display_name), Some(role)) if errors.0.is_empty() => Ok(NewUser {
            email,
            display_name,
            role,
            partner_id: input.partner_id,
            password: input.password.clone(),
        }),
        _ => Err(errors),
    }
}

/// Partner roles belong to one partner; staff belong to none.
fn check_partner(role: Role, partner_id: Option<i64>, errors: &mut FieldErrors) {
    match partner_id {
        None if role.is_partner() => errors.add("partner_id", "Choose the partner this person works for."),
        Some(_) if !role.is_partner() => errors.add("partner_id", "Staff roles belong to no partner: leave it empty."),
        _ => {}
    }
}

/// A change to a user: absent fields stay as they are. A partner id given alone moves the user
/// to that partner; a staff role given alone leaves the partner behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserUpdateInput {
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::text_schema::<200>))]
    pub display_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Role>))]
    pub role: Option<String>,
    /// Required for partner roles, null for staff; absent: as it is (left behind by a staff role).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, nullable))]
    pub partner_id: Option<Option<i64>>,
}

/// A field that is present, even as null: `Some(None)` (absent is `None`, by `default`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A checked [`UserUpdateInput`]; the role and partner are settled against the user's current
/// ones by [`UserUpdate::resolve`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)`: no partner.
    pub partner_id: Option<Option<i64>>,
}

pub fn parse_user_update(input: &UserUpdateInput) -> Result<UserUpdate, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = input
        .email
        .as_ref()
        .and_then(|e| errors.parsed("email", Email::parse(e)));
    let display_name = input
        .display_name
        .is_some()
        .then(|| errors.text("display_name", &input.display_name, 200))
        .flatten();
    let role = input.role.as_ref().and_then(|r| errors.parsed("role", Role::parse(r)));
    errors.into_result(UserUpdate {
        email,
        display_name,
        role,
        partner_id: input.partner_id,
    })
}

impl UserUpdate {
    /// The role and partner the user has after the change. An administrator cannot take their
    /// own administrator role away (`own`: the user is the one making the change), so that a
    /// program is never left without one by a slip.
    pub fn resolve(&self, role: Role, partner_id: Option<i64>, own: bool) -> Result<(Role, Option<i64>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let new_role = self.role.unwrap_or(role);
        let new_partner = match self.partner_id {
            Some(chosen) => chosen,
            None => partner_id.filter(|_| new_role.is_partner()),
        };
        if own && role == Role::Admin && new_role != Role::Admin {
            errors.add(
                "role",
                "You cannot take away your own administrator role; another administrator can.",
            );
        }
        check_partner(new_role, new_partner, &mut errors);
        errors.into_result((new_role, new_partner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_parse_role_and_partner_together() {
        let base = UserInput {
            email: Some(" Ann@Example.COM ".into()),
            display_name: Some("Ann".into()),
            role: Some("partner_user".into()),
            partner_id: None,
            password: None,
        };
        assert_eq!(parse_user(&base).unwrap_err().0[0].field, "partner_id");
        let u = parse_user(&UserInput {
            partner_id: Some(3),
            ..base.clone()
        })
        .unwrap();
        assert_eq!(u.email.as_str(), "ann@example.com");
        let err = parse_user(&UserInput {
            role: Some("admin".into()),
            partner_id: Some(3),
            ..base
        })
        .unwrap_err();
        assert_eq!(err.0[0].field, "partner_id");
        assert!(Email::parse("no-at-sign").is_err());
        assert!(Email::parse("a@b").is_err());
    }

    #[test]
    fn a_user_change_settles_role_and_partner_against_the_current_ones() {
        let change = |role: Option<Role>, partner_id: Option<Option<i64>>| UserUpdate {
            role,
            partner_id,
            ..UserUpdate::default()
        };
        let ann = (Role::PartnerUser, Some(3));
        let resolve = |u: UserUpdate, own| u.resolve(ann.0, ann.1, own);
        assert_eq!(
            resolve(change(None, None), false),
            Ok(ann),
            "nothing asked, nothing moves"
        );
        assert_eq!(
            resolve(change(Some(Role::PartnerAdmin), None), false),
            Ok((Role::PartnerAdmin, Some(3)))
        );
        assert_eq!(
            resolve(change(None, Some(Some(4))), false),
            Ok((Role::PartnerUser, Some(4)))
        );
        assert_eq!(
            resolve(change(Some(Role::Sales), None), false),
            Ok((Role::Sales, None)),
            "staff leave the partner"
        );
        let field = |r: Result<(Role, Option<i64>), FieldErrors>| r.unwrap_err().0[0].field.clone();
        assert_eq!(field(resolve(change(None, Some(None)), false)), "partner_id");
        assert_eq!(
            field(resolve(change(Some(Role::Sales), Some(Some(3))), false)),
            "partner_id"
        );
        let demote = change(Some(Role::Sales), None);
        assert_eq!(
            field(demote.resolve(Role::Admin, None, true)),
            "role",
            "not one's own admin role"
        );
        assert_eq!(demote.resolve(Role::Admin, None, false), Ok((Role::Sales, None)));
        let patch: UserUpdateInput = serde_json::from_str(r#"{"partner_id": null}"#).unwrap();
        assert_eq!(patch.partner_id, Some(None), "null is asked for; absent is not");
        let patch: UserUpdateInput = serde_json::from_str("{}").unwrap();
        assert_eq!(patch.partner_id, None);
    }
}
