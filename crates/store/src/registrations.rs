//! Registrations (REG-1 … REG-7): filing, conflict checks, decisions, change requests, closing.

use crate::directory::CustomerRecord;
use crate::orders::OrderLink;
use crate::page::{Page, PageRequest};
use crate::{AuditEntry, StoreResult};
use async_trait::async_trait;
use domain::directory::customers::Customer;
use domain::registrations::contact::CustomerContact;
use domain::registrations::discussion::{FileKind, NewAttachment};
use domain::registrations::input::{Approval, ChangeRequest, NewRegistration, Outcome};
use domain::registrations::matching::MatchReason;
use domain::registrations::{RequestKind, RequestStatus, Status};
use domain::{Actor, Money, Role};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredLine {
    pub sku: String,
    pub product_name: String,
    /// Registered quantity.
    pub quantity: i64,
    /// What orders have drawn on this line so far (ORD-5).
    pub ordered_quantity: i64,
    pub ordered_value: Money,
}

/// Another partner's active registration that may be the same opportunity (REG-6). Shown to
/// approvers only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictMatch {
    pub registration_id: i64,
    pub partner_id: i64,
    pub partner_name: String,
    pub status: Status,
    pub sor_number: Option<String>,
    pub customer_name: String,
    pub submitted_at: Timestamp,
    /// 0 to 1; how likely this is the same opportunity.
    pub score: f64,
    /// Same customer and overlapping products: both cannot be approved.
    pub is_conflict: bool,
    pub reasons: Vec<MatchReason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub id: i64,
    pub partner_id: i64,
    pub partner_name: String,
    pub status: Status,
    pub customer: CustomerRecord,
    /// The person at the customer the partner works with, when the partner named one. Shown only to
    /// the partner who filed it, its approver and administrators (null for anyone else).
    pub customer_contact: Option<CustomerContact>,
    pub products: Vec<RegisteredLine>,
    pub estimated_value: Money,
    pub expected_close_date: Date,
    pub description: Option<String>,
    /// Assigned at approval, e.g. SOR-2026-000042.
    pub sor_number: Option<String>,
    /// Last valid day, inclusive, in the company's time zone.
    pub valid_through: Option<Date>,
    /// The regional manager (or fallback approver) who decides.
    pub approver_id: Option<i64>,
    pub submitted_by: i64,
    pub submitted_at: Timestamp,
    pub decided_by: Option<i64>,
    pub decided_at: Option<Timestamp>,
    /// Why it was declined, withdrawn or closed.
    pub decision_reason: Option<String>,
    pub closed_at: Option<Timestamp>,
    /// The opportunity it belongs to: set when it is approved (ROE-1).
    pub opportunity_id: Option<i64>,
    /// Orders that drew on this SOR; shown to those who may read orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<Vec<OrderLink>>,
    /// Another partner's registration may be the same opportunity.
    pub possible_conflict: bool,
    /// The matches in full: only for approvers and other staff, never for partners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<ConflictMatch>>,
    /// What the reader may do next: the moves the status allows that their role may make.
    pub allowed_actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationSummary {
    pub id: i64,
    pub partner_id: i64,
    pub partner_name: String,
    pub status: Status,
    pub customer_id: i64,
    pub customer_name: String,
    /// As on the registration: for its partner, its approver and administrators only.
    pub customer_contact: Option<CustomerContact>,
    pub estimated_value: Money,
    pub expected_close_date: Date,
    pub sor_number: Option<String>,
    pub valid_through: Option<Date>,
    pub submitted_at: Timestamp,
    pub possible_conflict: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationFilter {
    pub status: Option<Status>,
    pub partner_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// Approved registrations whose last valid day is on or before this date.
    pub expiring_before: Option<Date>,
    /// Registrations routed to this approver.
    pub approver_id: Option<i64>,
    /// Approved registrations expected to close before this date: their outcome is due (REG-7).
    pub close_date_before: Option<Date>,
    /// Registrations of partners in this region.
    pub region_id: Option<i64>,
    /// Registrations filed before this instant (an approval queue's "waiting more than").
    pub submitted_before: Option<Timestamp>,
    /// First filed first (an approval queue); `cursor` then pages forward. Default: newest first.
    pub oldest_first: bool,
    /// Registrations without a pending change request: those whose partner may still ask for one
    /// (one request at a time, REG-5).
    pub without_pending_request: bool,
    /// Registrations whose customer, partner or SOR number contains this text, in any case. A
    /// scan within the other filters (a partner's own registrations are few; staff narrow by
    /// status first).
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequestRecord {
    pub id: i64,
    pub registration_id: i64,
    pub kind: RequestKind,
    pub status: RequestStatus,
    /// The requested change: `valid_through` for an extension; `lines`, `estimated_value`,
    /// `expected_close` for an update.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub change: serde_json::Value,
    pub reason: Option<String>,
    pub requested_by: i64,
    pub requested_at: Timestamp,
    pub decided_by: Option<i64>,
    pub decided_at: Option<Timestamp>,
    pub decision_reason: Option<String>,
}

/// A pending change request as an approver's queue shows it: with its registration's partner,
/// customer and SOR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingChangeRequest {
    pub request: ChangeRequestRecord,
    pub partner_name: String,
    /// The partner's region.
    pub region_id: i64,
    pub customer_name: String,
    pub sor_number: Option<String>,
    pub valid_through: Option<Date>,
}

/// The only answer a partner gets to "is this customer already registered?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    Free,
    Claimed,
}

#[async_trait]
pub trait RegistrationStore {
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
    /// Pending update and extension requests for `actor` to decide (REG-5), oldest first: a
    /// manager's are those on registrations routed to them; administrators stand in for all.
    /// Anyone else has none.
    async fn pending_change_requests(&self, actor: &Actor, limit: u32) -> StoreResult<Vec<PendingChangeRequest>>;
    /// REG-6 asked before filing: is an organisation already registered by another partner?
    async fn check_claim(&self, actor: &Actor, customer: Customer, skus: Vec<String>) -> StoreResult<ClaimStatus>;
    async fn registration_history(&self, actor: &Actor, id: i64) -> StoreResult<Vec<AuditEntry>>;
}

/// A comment on a registration, as both of its sides read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    pub registration_id: i64,
    pub author_id: i64,
    pub author_name: String,
    /// The author's role: whether the partner or the channel team speaks.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub author_role: Role,
    pub body: String,
    pub created_at: Timestamp,
}

/// What is known of an attached file without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub registration_id: i64,
    pub uploaded_by: i64,
    pub uploader_name: String,
    pub file_name: String,
    pub kind: FileKind,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content: either side can prove later which file was shared.
    pub sha256: String,
    pub created_at: Timestamp,
}

/// An attachment with its content, to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    pub attachment: Attachment,
    pub content: Vec<u8>,
}

/// A registration whose latest comment waits for the reader's side to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingReply {
    pub registration_id: i64,
    pub customer_name: String,
    pub sor_number: Option<String>,
    pub comment: Comment,
}

/// A registration's discussion: its comments and its files, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discussion {
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
}

/// Comments and files on a registration (issue 13): for its own partner and the channel team
/// (`discussion::can_discuss`); another partner gets `NotFound`. Adding tells the other side.
#[async_trait]
pub trait DiscussionStore {
    async fn add_comment(
        &self,
        actor: &Actor,
        registration_id: i64,
        body: String,
        now: Timestamp,
    ) -> StoreResult<Comment>;
    async fn add_attachment(
        &self,
        actor: &Actor,
        registration_id: i64,
        file: NewAttachment,
        now: Timestamp,
    ) -> StoreResult<Attachment>;
    async fn discussion(&self, actor: &Actor, registration_id: i64) -> StoreResult<Discussion>;
    /// Open (submitted or approved) registrations whose latest comment waits for `actor`'s answer
    /// (`discussion::awaited_from`), newest first.
    async fn awaiting_reply(&self, actor: &Actor, limit: u32) -> StoreResult<Vec<AwaitingReply>>;
    async fn attachment(&self, actor: &Actor, registration_id: i64, attachment_id: i64) -> StoreResult<AttachmentFile>;
}
