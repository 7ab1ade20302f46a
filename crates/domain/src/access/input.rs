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
    match (role, input.partner_id) {
        (Some(r), None) if r.is_partner() => errors.add("partner_id", "is required for partner roles"),
        (Some(r), Some(_)) if !r.is_partner() => errors.add("partner_id", "must be empty for staff roles"),
        _ => {}
    }
    if input
        .password
        .as_ref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD_CHARS)
    {
        errors.add("password", format!("must be at least {MIN_PASSWORD_CHARS} characters"));
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
}
