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
        matches: Vec<crate::ConflictMatch>,
    },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
}

/// The one place a SQL error becomes a store error: a pool or connection failure is the database
/// being unavailable (503, retry later), anything else a database error (a bug, 500). Unique and
/// foreign-key violations that mean a rule was broken are mapped by the caller that knows the rule.
#[cfg(feature = "sqlx")]
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e.to_string()),
        }
    }
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
