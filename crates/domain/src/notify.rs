//! The shape of a notification (PLT-3): each feature writes its own texts in its `notify` module.

/// One message before it has a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: &'static str,
    pub subject: String,
    pub body: String,
}

/// Where a secret (a password reset link) stands in a body. The outbox keeps the secret apart from
/// the body, puts it in only to send the e-mail and forgets it once sent (issue 12).
pub const SECRET_SLOT: &str = "[[secret]]";

/// The body as sent: the secret in its slot, or, once forgotten, a note that it was removed.
pub fn with_secret(body: &str, secret: Option<&str>) -> String {
    body.replace(SECRET_SLOT, secret.unwrap_or("(removed once sent)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_put_in_only_to_send() {
        let body = format!("Choose a new password here: {SECRET_SLOT}\nThanks");
        assert_eq!(
            with_secret(&body, Some("https://x.example/password/reset/abc")),
            "Choose a new password here: https://x.example/password/reset/abc\nThanks"
        );
        assert_eq!(
            with_secret(&body, None),
            "Choose a new password here: (removed once sent)\nThanks"
        );
    }
}
