use domain::FieldErrors;
use domain::registrations::InvalidTransition;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or hidden from this actor.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// The change would break a rule that depends on other records (a duplicate, a held claim …).
    #[error("{message}")]
    Conflict {
        message: String,
        matches: Vec<crate::model::ConflictMatch>,
    },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub fn conflict(message: impl Into<String>) -> Self {
        StoreError::Conflict {
            message: message.into(),
            matches: Vec::new(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid(FieldErrors::single(field, message))
    }
}

impl From<FieldErrors> for StoreError {
    fn from(errors: FieldErrors) -> Self {
        StoreError::Invalid(errors)
    }
}
