//! The storage boundary. [`Store`] is the one trait the web layer, the jobs and the CLI talk to; its
//! methods are the domain services: each runs as one database transaction that loads what it needs,
//! applies the rules from the `domain` crate, writes the change with its audit entry and its outbox
//! messages, and commits — or changes nothing.
//!
//! Backends: `store-sqlite` and `store-postgres`. Both compile the same SQL-level implementation
//! (`sql/ops.rs`) against their own concrete sqlx types and pass the [`conformance`] suite.

pub mod conformance;
mod error;
pub mod files;
pub mod model;

pub use error::{StoreError, StoreResult};
pub use model::*;

use async_trait::async_trait;
use domain::Actor;
use domain::directory::customers::Customer;
use domain::directory::files::{Line, PartnerRow};
use domain::directory::input::NewPartner;
use domain::directory::products::NewProduct;
use domain::orders::input::NewOrder;
use domain::registrations::input::{Approval, ChangeRequest, NewRegistration, Outcome};
use domain::settings::ProgramSettings;
use jiff::Timestamp;

/// Everything dealreg persists. Methods taking an [`Actor`] enforce who may do what; partner actors
/// get [`StoreError::NotFound`] for other partners' records.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    async fn settings(&self) -> StoreResult<ProgramSettings>;
    async fn update_settings(
        &self,
        actor: &Actor,
        settings: ProgramSettings,
        now: Timestamp,
    ) -> StoreResult<ProgramSettings>;

    // --- users and credentials (PLT-1) ---
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

    // --- master data ---
    async fn create_region(
        &self,
        actor: Option<&Actor>,
        name: &str,
        manager_user_id: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Region>;
    /// Makes a channel manager (or admin) the approver of a region's registrations from now on.
    async fn assign_region_manager(
        &self,
        actor: Option<&Actor>,
        region_id: i64,
        manager_user_id: i64,
        now: Timestamp,
    ) -> StoreResult<Region>;
    async fn list_regions(&self) -> StoreResult<Vec<Region>>;
    async fn create_partner(&self, actor: Option<&Actor>, partner: NewPartner, now: Timestamp) -> StoreResult<Partner>;
    async fn get_partner(&self, actor: &Actor, id: i64) -> StoreResult<Partner>;
    async fn list_partners(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Partner>>;
    async fn create_product(&self, actor: Option<&Actor>, product: NewProduct, now: Timestamp) -> StoreResult<Product>;
    /// Products with the prices in force on `today`.
    async fn list_products(&self, today_at: Timestamp, page: PageRequest) -> StoreResult<Page<Product>>;

    // Master data files (CSV). `None` as actor is the operator at the command line. A batch is one
    // transaction: it imports whole or not at all. `progress` hears the number of rows written.
    async fn import_products(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<NewProduct>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport>;
    /// Every product with every price version, by SKU and date.
    async fn export_products(&self) -> StoreResult<Vec<PriceListEntry>>;
    async fn import_partners(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<PartnerRow>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport>;
    async fn export_partners(&self, actor: Option<&Actor>) -> StoreResult<Vec<PartnerEntry>>;
    /// Customers are resolved like a registration's: a row naming an existing customer updates its
    /// segment (the vendor's record decides MSRP or RRSP pricing).
    async fn import_customers(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<Customer>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport>;
    async fn export_customers(&self, actor: Option<&Actor>) -> StoreResult<Vec<CustomerRecord>>;
    async fn create_customer(
        &self,
        actor: Option<&Actor>,
        customer: Customer,
        now: Timestamp,
    ) -> StoreResult<CustomerRecord>;
    async fn list_customers(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<CustomerRecord>>;

    // --- registrations (REG) ---
    async fn submit_registration(
        &self,
        actor: &Actor,
        registration: NewRegistration,
        now: Timestamp,
    ) -> StoreResult<Registration>;
    async fn get_registration(&self, actor: &Actor, id: i64) -> StoreResult<Registration>;
    async fn list_registrations(
        &self,
        actor: &Actor,
        filter: RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<RegistrationSummary>>;
    async fn approve_registration(
        &self,
        actor: &Actor,
        id: i64,
        approval: Approval,
        now: Timestamp,
    ) -> StoreResult<Registration>;
    async fn decline_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: String,
        now: Timestamp,
    ) -> StoreResult<Registration>;
    async fn withdraw_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration>;
    async fn close_registration(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Outcome,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration>;
    async fn request_change(
        &self,
        actor: &Actor,
        registration_id: i64,
        change: ChangeRequest,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<ChangeRequestRecord>;
    async fn decide_change(
        &self,
        actor: &Actor,
        request_id: i64,
        approve: bool,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<ChangeRequestRecord>;
    async fn list_change_requests(&self, actor: &Actor, registration_id: i64) -> StoreResult<Vec<ChangeRequestRecord>>;
    /// REG-6 asked before filing: is an organisation already registered by another partner?
    // Order entry (ORD-1 … ORD-5).
    /// Verifies and prices a PO. The same PO number of the same partner sent again with the same
    /// content returns the order already entered and `false`; with other content, a conflict.
    async fn enter_order(&self, actor: &Actor, order: NewOrder, now: Timestamp) -> StoreResult<(Order, bool)>;
    async fn get_order(&self, actor: &Actor, id: i64) -> StoreResult<Order>;
    async fn list_orders(&self, actor: &Actor, filter: OrderFilter, page: PageRequest) -> StoreResult<Page<Order>>;

    async fn check_claim(&self, actor: &Actor, customer: Customer, skus: Vec<String>) -> StoreResult<ClaimStatus>;
    async fn registration_history(&self, actor: &Actor, id: i64) -> StoreResult<Vec<AuditEntry>>;

    // --- jobs (REG-4) and notifications (PLT-3) ---
    /// Expires lapsed registrations and queues due reminders as of `now`. Idempotent.
    async fn run_sweeps(&self, now: Timestamp) -> StoreResult<SweepReport>;
    /// Leases up to `limit` undelivered messages whose time has come; a lease hides a message from
    /// other workers until `lease_until`, so each is handled by one worker at a time.
    async fn claim_outbox(&self, now: Timestamp, lease_until: Timestamp, limit: i64)
    -> StoreResult<Vec<OutboxMessage>>;
    async fn mark_delivered(&self, id: i64, now: Timestamp) -> StoreResult<()>;
    async fn mark_failed(&self, id: i64, error: &str, retry_at: Timestamp) -> StoreResult<()>;
    async fn list_notifications(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Notification>>;
    /// How many registrations are in each status: the actor's partner's, or all for staff.
    async fn registration_counts(&self, actor: &Actor) -> StoreResult<Vec<StatusCount>>;
    /// Dashboard figures for registrations filed since `since`: the actor's partner's, or all for
    /// staff. Aggregated in the database, so the cost does not grow with what is shown.
    async fn report(&self, actor: &Actor, since: Timestamp) -> StoreResult<Report>;

    // --- audit trail (PLT-2) ---
    async fn verify_audit(&self) -> StoreResult<AuditVerification>;

    // Browser sign-in (PLT-5).
    /// A session's record (opaque JSON) unless it is unknown or expired at `now`.
    async fn load_session(&self, id: &str, now: Timestamp) -> StoreResult<Option<String>>;
    async fn save_session(&self, id: &str, record: &str, expires: Timestamp) -> StoreResult<()>;
    async fn delete_session(&self, id: &str) -> StoreResult<()>;
    /// Counts a sign-in attempt of a user: a failure may lock the account (domain
    /// `access::sign_in_lock`), a success clears the count. Returns the user as it now stands.
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

    // --- idempotency keys ---
    /// Claims `key` for a request with `fingerprint` before it runs, so that concurrent retries
    /// cannot both create; a key whose request died unanswered is taken over after a minute.
    async fn reserve_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
    ) -> StoreResult<Reservation>;
    /// Records the answer to replay for the reserved key.
    async fn complete_idempotency_key(&self, user_id: i64, key: &str, status: u16, body: &str) -> StoreResult<()>;
    /// Frees a reserved key whose request failed, so that it can be retried.
    async fn release_idempotency_key(&self, user_id: i64, key: &str) -> StoreResult<()>;

    /// Writes a consistent copy of the database to `destination` while it is in use.
    async fn backup(&self, destination: &std::path::Path) -> StoreResult<()>;
}
