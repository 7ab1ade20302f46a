//! Access (PLT-1, PLT-5): users, API tokens, browser sessions, sign-in throttling and password reset.

use crate::StoreResult;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::Actor;
use domain::Role;
use domain::access::input::Email;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUserRecord {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "partner_user"))]
    pub role: Role,
    pub partner_id: Option<i64>,
    pub active: bool,
    pub created_at: Timestamp,
    /// Until when browser sign-in is refused after repeated failures.
    pub locked_until: Option<Timestamp>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Failed browser sign-ins since the last success.
    #[serde(skip)]
    pub failed_sign_ins: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[async_trait]
pub trait AccessStore {
    /// `actor` is `None` for the operator's command line, which acts as the system.
    async fn create_user(&self, actor: Option<&Actor>, user: NewUserRecord, now: Timestamp) -> StoreResult<User>;
    async fn list_users(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<User>>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn find_user(&self, id: i64) -> StoreResult<Option<User>>;
    /// Deactivates or reactivates a user (administrators): an inactive user's tokens stop working
    /// at once, and nothing of theirs is deleted.
    async fn set_user_active(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        active: bool,
        now: Timestamp,
    ) -> StoreResult<User>;
    async fn create_token(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        label: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken>;
    async fn revoke_token(&self, actor: Option<&Actor>, token_id: i64, now: Timestamp) -> StoreResult<ApiToken>;
    /// The active user behind a live token's hash.
    async fn authenticate(&self, token_hash: &str) -> StoreResult<Option<Actor>>;
    /// A session's record (opaque JSON) unless it is unknown or expired at `now`.
    async fn load_session(&self, id: &str, now: Timestamp) -> StoreResult<Option<String>>;
    async fn save_session(&self, id: &str, record: &str, expires: Timestamp) -> StoreResult<()>;
    async fn delete_session(&self, id: &str) -> StoreResult<()>;
    /// Counts a sign-in attempt of a user: a failure may lock the account (domain
    /// `policy::sign_in_lock`), a success clears the count. Returns the user as it now stands.
    async fn record_sign_in(&self, user_id: i64, succeeded: bool, now: Timestamp) -> StoreResult<User>;
    /// Stores a reset token's hash for an active user and queues the e-mail with `link`, valid until
    /// `expires`.
    async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        link: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Sets a new password with an unused, unexpired reset token; the token is spent and the lock lifted.
    async fn reset_password(&self, token_hash: &str, password_hash: &str, now: Timestamp) -> StoreResult<User>;
}
