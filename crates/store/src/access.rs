//! Access (PLT-1, PLT-5): users, API tokens, browser sessions, sign-in throttling and password reset.

use crate::StoreResult;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::Actor;
use domain::Role;
use domain::access::input::{Email, UserUpdate};
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
    /// Moves on whenever the user's browser sessions must end (a new password, deactivation, "sign
    /// out everywhere"): a session signed in under an older version is over.
    #[serde(skip)]
    pub session_version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// When the token stops working by itself; `None`: until revoked.
    pub expires_at: Option<Timestamp>,
}

/// A browser sign-in attempt, counted before its password is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInClaim {
    /// Too many failures for this address: refused until then, without looking at the password.
    Locked(Timestamp),
    /// Counted as a failure until [`AccessStore::clear_sign_in_failures`] says otherwise: check the
    /// password against this account (`None`: the address has none).
    Check(Option<User>),
}

#[async_trait]
pub trait AccessStore {
    /// `actor` is `None` for the operator's command line, which acts as the system.
    async fn create_user(&self, actor: Option<&Actor>, user: NewUserRecord, now: Timestamp) -> StoreResult<User>;
    async fn list_users(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<User>>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn find_user(&self, id: i64) -> StoreResult<Option<User>>;
    /// The display names of the users `ids` that exist, in one query (a page naming the people of a
    /// timeline).
    async fn user_names(&self, ids: &[i64]) -> StoreResult<std::collections::HashMap<i64, String>>;
    /// Deactivates or reactivates a user (administrators). Deactivation ends the user's browser
    /// sessions and revokes their API tokens at once; reactivation brings neither back. Nothing of
    /// theirs is deleted.
    async fn set_user_active(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        active: bool,
        now: Timestamp,
    ) -> StoreResult<User>;
    /// Changes a user's e-mail address, name, role or partner (administrators; domain
    /// `UserUpdate::resolve` settles role and partner). A new address ends the user's open reset
    /// links, which went to the old one.
    async fn update_user(&self, actor: &Actor, user_id: i64, update: UserUpdate, now: Timestamp) -> StoreResult<User>;
    /// A user's API tokens, newest first, revoked and expired ones included (administrators).
    async fn list_tokens(&self, actor: &Actor, user_id: i64) -> StoreResult<Vec<ApiToken>>;
    /// `expires`: when the token stops working by itself (`None`: until revoked).
    async fn create_token(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        label: &str,
        token_hash: &str,
        expires: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<ApiToken>;
    async fn revoke_token(&self, actor: Option<&Actor>, token_id: i64, now: Timestamp) -> StoreResult<ApiToken>;
    /// The active user behind a live, unexpired token's hash.
    async fn authenticate(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Actor>>;
    /// A session's record (opaque JSON) unless it is unknown or expired at `now`. Sessions are
    /// keyed by a hash of their id, never the id itself.
    async fn load_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<Option<String>>;
    /// `user_id`: whose session it is once signed in, so that their sessions can be ended.
    async fn save_session(
        &self,
        id_hash: &str,
        user_id: Option<i64>,
        record: &str,
        expires: Timestamp,
    ) -> StoreResult<()>;
    /// Stores a new session unless its id is taken (then `false`, nothing changed): a new id never
    /// overwrites another browser's session.
    async fn create_session(
        &self,
        id_hash: &str,
        user_id: Option<i64>,
        record: &str,
        expires: Timestamp,
    ) -> StoreResult<bool>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Ends every browser session of a user ("sign out everywhere"): the user themself or an
    /// administrator.
    async fn end_sessions(&self, actor: &Actor, user_id: i64, now: Timestamp) -> StoreResult<()>;
    /// Counts a browser sign-in attempt for `email` before its password is checked, atomically, so
    /// that a burst of guesses cannot outrun the lock (domain `access::claim_sign_in_attempt`).
    /// Addresses without an account are counted and locked the same way.
    async fn claim_sign_in(&self, email: &str, now: Timestamp) -> StoreResult<SignInClaim>;
    /// The password was right: the user's failures are forgiven and the lock lifted.
    async fn clear_sign_in_failures(&self, user_id: i64, now: Timestamp) -> StoreResult<User>;
    /// Stores a reset token's hash for an active user and queues the e-mail with `link` (kept apart
    /// from the body, forgotten once sent, never shown in-app), valid until `expires`. The user's
    /// earlier links end. Returns false, and sends nothing, when the account has had its share of
    /// links this hour (domain `access::may_send_reset_link`).
    async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        link: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Sets a new password with an unused, unexpired reset token: the token and every other open
    /// link of the user are spent, the lock is lifted and every browser session of the user ends.
    /// API tokens stay (administrators manage them; DECISIONS 36).
    async fn reset_password(&self, token_hash: &str, password_hash: &str, now: Timestamp) -> StoreResult<User>;
}
