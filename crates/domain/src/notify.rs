//! The shape of a notification (PLT-3): each feature writes its own texts in its `notify` module.

/// One message before it has a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: &'static str,
    pub subject: String,
    pub body: String,
}
