//! The hash-chained audit trail (PLT-2).

use crate::StoreResult;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: i64,
    /// The record before the change; null for a creation.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    /// The record after the change; null for a deletion.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    pub entries: u64,
    /// The first entry whose stored hash does not match, if any.
    pub first_bad_id: Option<i64>,
    /// The hash of the last verified entry. Kept outside the database (a ticket, an e-mail), it
    /// also exposes a chain rewritten from the start with freshly computed hashes.
    pub head_hash: String,
}

#[async_trait]
pub trait AuditStore {
    async fn verify_audit(&self) -> StoreResult<AuditVerification>;
}
