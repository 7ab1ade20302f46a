//! Jobs (REG-4, PLT-3): the periodic sweeps and the transactional outbox behind e-mail and in-app notifications.

use crate::StoreResult;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::Actor;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    pub expired: u64,
    pub reminders_queued: u64,
    /// Opportunities whose manager's rights ended by the grace period (ROE-3).
    pub rights_ended: u64,
    /// Managers reminded that their rights end soon.
    pub rights_reminders: u64,
    /// Browser sessions past their expiry, removed.
    pub sessions_removed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    /// Unique per message: the e-mail's Message-ID and the .eml file name, so a retried delivery
    /// can be recognised downstream.
    pub dedupe_key: String,
    pub kind: String,
    pub recipient_email: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub entity_type: String,
    pub entity_id: i64,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    /// When its recipient read it; absent while unread.
    pub read_at: Option<Timestamp>,
}

#[async_trait]
pub trait JobStore {
    /// Expires lapsed registrations, ends the rights of managers past their grace (ROE-3) and queues
    /// due reminders as of `now`. Idempotent.
    async fn run_sweeps(&self, now: Timestamp) -> StoreResult<SweepReport>;
    /// Leases up to `limit` undelivered messages whose time has come; a lease hides a message from
    /// other workers until `lease_until`, so each is handled by one worker at a time.
    async fn claim_outbox(&self, now: Timestamp, lease_until: Timestamp, limit: i64)
    -> StoreResult<Vec<OutboxMessage>>;
    /// A delivered message forgets its secret (a reset link): the stored body never held it.
    async fn mark_delivered(&self, id: i64, now: Timestamp) -> StoreResult<()>;
    async fn mark_failed(&self, id: i64, error: &str, retry_at: Timestamp) -> StoreResult<()>;
    /// The actor's in-app notifications: every message to them but those carrying a secret.
    async fn list_notifications(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Notification>>;
    /// How many of the actor's in-app notifications are unread (the navigation shows it on every page).
    async fn count_unread_notifications(&self, actor: &Actor) -> StoreResult<i64>;
    /// Marks one of the actor's notifications read (a read one keeps its first reading time);
    /// anyone else's, or none, is `NotFound`.
    async fn mark_notification_read(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Notification>;
    /// Marks every unread notification of the actor read; answers how many were.
    async fn mark_all_notifications_read(&self, actor: &Actor, now: Timestamp) -> StoreResult<u64>;
}
