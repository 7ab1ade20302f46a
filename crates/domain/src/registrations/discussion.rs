//! A registration's discussion (issue 13): comments between the partner and the channel team, and
//! the files they attach (a customer's letter of intent, a purchase order). Both sides of the
//! registration see them; other partners never do.

use crate::access::{Access, can_view};
use crate::fields::FieldErrors;
use crate::notify::Draft;
use crate::roles::{Actor, Role};
use serde::{Deserialize, Serialize};

pub use crate::documents::{FileKind, MAX_ATTACHMENT_BYTES, NewAttachment, file_size, parse_attachment};

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;
/// Those who follow registrations and may see this one take part: its own partner's users, and the
/// channel team. Order entry works from orders, not from the discussion.
pub fn can_discuss(actor: &Actor, owner_partner_id: i64) -> Access {
    match can_view(actor, owner_partner_id) {
        Access::Allowed => Access::from_bool(actor.role != Role::OrderEntry, Access::Forbidden),
        other => other,
    }
}

/// Whose comments wait for `actor`'s answer, when the other side spoke last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwaitedFrom {
    /// The channel team, on this partner's registrations.
    ChannelTeamOf(i64),
    /// The partner, on the registrations routed to this manager.
    PartnersOf(i64),
    /// The partner, on every registration: administrators stand in for every manager.
    AnyPartner,
    Nobody,
}

/// A partner's people answer the channel team on their own registrations; a regional manager
/// answers partners on the registrations routed to them, administrators on any. Sales, finance
/// and order entry follow discussions without being asked.
pub fn awaited_from(actor: &Actor) -> AwaitedFrom {
    match (actor.confined_to_partner(), actor.role) {
        (Some(partner), _) => AwaitedFrom::ChannelTeamOf(partner),
        (None, Role::ChannelManager) => AwaitedFrom::PartnersOf(actor.user_id),
        (None, Role::Admin) => AwaitedFrom::AnyPartner,
        _ => AwaitedFrom::Nobody,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<4000>))]
    pub body: Option<String>,
}

/// A comment's text: not blank, line breaks kept, no other control characters.
pub fn parse_comment(input: &CommentInput) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let body = errors.text("body", &input.body, MAX_COMMENT_CHARS);
    match body {
        Some(body) if errors.is_empty() => Ok(body),
        _ => Err(errors),
    }
}

/// What the other side of the registration is told when one side adds to its discussion.
pub fn added(registration_id: i64, customer: &str, author: &str, what: &str) -> Draft {
    Draft {
        kind: "registration_discussed",
        subject: format!("{author} {what} on registration #{registration_id} ({customer})"),
        // The customer in brackets: a name that ends in a full stop ("Hooli Inc.") ends no sentence.
        body: format!(
            "{author} {what} on registration #{registration_id} ({customer}). Open the registration to read and answer."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn actor(role: Role, partner: Option<i64>) -> Actor {
        testing::actor(role, 7, partner)
    }

    #[test]
    fn the_partner_and_the_channel_team_discuss_order_entry_and_other_partners_do_not() {
        assert_eq!(can_discuss(&actor(Role::PartnerUser, Some(1)), 1), Access::Allowed);
        assert_eq!(can_discuss(&actor(Role::PartnerAdmin, Some(2)), 1), Access::Hidden);
        assert_eq!(can_discuss(&actor(Role::ChannelManager, None), 1), Access::Allowed);
        assert_eq!(can_discuss(&actor(Role::Admin, None), 1), Access::Allowed);
        assert_eq!(can_discuss(&actor(Role::OrderEntry, None), 1), Access::Forbidden);
    }

    #[test]
    fn each_side_answers_the_other() {
        assert_eq!(
            awaited_from(&actor(Role::PartnerUser, Some(3))),
            AwaitedFrom::ChannelTeamOf(3)
        );
        assert_eq!(
            awaited_from(&actor(Role::ChannelManager, None)),
            AwaitedFrom::PartnersOf(7)
        );
        assert_eq!(awaited_from(&actor(Role::Admin, None)), AwaitedFrom::AnyPartner);
        assert_eq!(awaited_from(&actor(Role::Sales, None)), AwaitedFrom::Nobody);
        assert_eq!(awaited_from(&actor(Role::OrderEntry, None)), AwaitedFrom::Nobody);
    }

    #[test]
    fn comments_keep_their_lines_and_refuse_blank_or_long_text() {
        let parse = |body: &str| {
            parse_comment(&CommentInput {
                body: Some(body.into()),
            })
        };
        assert_eq!(
            parse("  The customer signed the LOI.\r\nPO expected on 2026-12-15.  ").unwrap(),
            "The customer signed the LOI.\nPO expected on 2026-12-15."
        );
        assert_eq!(parse("   ").unwrap_err().0[0].message, "must not be blank");
        assert_eq!(
            parse_comment(&CommentInput { body: None }).unwrap_err().0[0].message,
            "is required"
        );
        assert!(parse(&"x".repeat(4001)).is_err());
        assert!(parse(&"x".repeat(4000)).is_ok());
        assert!(parse("a bell \u{7}").is_err());
    }

    #[test]
    fn the_other_side_is_told_in_one_sentence() {
        let told = added(19, "Hooli Inc.", "Wendy West", "commented");
        assert_eq!(told.subject, "Wendy West commented on registration #19 (Hooli Inc.)");
        assert_eq!(
            told.body,
            "Wendy West commented on registration #19 (Hooli Inc.). Open the registration to read and answer."
        );
    }
}
