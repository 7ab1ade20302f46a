//! The messages of signing in (PLT-5).

use crate::notify::{Draft, SECRET_SLOT};

/// PLT-5: a password reset link, sent through the outbox like every other message; the link is the
/// secret in its slot.
pub fn password_reset(valid_until: &str) -> Draft {
    Draft {
        kind: "password_reset",
        subject: "Reset your dealreg password".to_owned(),
        body: format!(
            "Someone (hopefully you) asked to reset the password of this dealreg account.\n\n\
             Choose a new password here: {SECRET_SLOT}\n\n\
             The link works once, until {valid_until}. If you did not ask, ignore this message: your \
             password stays as it is."
        ),
    }
}
