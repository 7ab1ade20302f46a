//! What the store returns. These are also the JSON bodies of the API, so their doc comments are the
//! API's field documentation.

use domain::access::input::Email;
use domain::directory::{ActivationStage, PartnerLevel, Segment};
use domain::orders::{OrderStatus, PriceBasis};
use domain::registrations::matching::MatchReason;
use domain::registrations::{RequestKind, RequestStatus, Status};
use domain::{Money, Role};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Newest first; `cursor` is the `next_cursor` of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Option<i64>,
    pub limit: u32,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    pub fn first(limit: u32) -> Self {
        PageRequest {
            cursor: None,
            limit: limit.clamp(1, Self::MAX_LIMIT),
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::first(Self::DEFAULT_LIMIT)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched newest first: the extra row only says that
    /// another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, id_of: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| id_of(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub id: i64,
    pub name: String,
    /// The regional manager who decides this region's registrations.
    pub manager_user_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub level: PartnerLevel,
    pub activation_stage: ActivationStage,
    pub region_id: i64,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    /// Bulbs, pens, power cords …: orderable under the customer's most recent SOR (ORD-4).
    pub is_accessory: bool,
    pub maintenance_term_months: Option<u32>,
    /// The prices in force today; absent when the product's first prices start later.
    pub price: Option<PriceVersion>,
    /// The next version already scheduled, if any.
    pub next_price: Option<PriceVersion>,
}

/// One effective-dated version of a product's prices (ORD-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceVersion {
    /// First day (company time zone) the version applies.
    pub effective_from: Date,
    pub list_price: Money,
    /// With a valid SOR.
    pub partner_price: Money,
    /// Commercial MSRP: without an SOR.
    pub msrp: Money,
    /// GOV/ED RRSP: without an SOR, for government and education customers.
    pub rrsp: Money,
}

/// A product with one of its price versions: a row of the price list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListEntry {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub is_accessory: bool,
    pub maintenance_term_months: Option<u32>,
    pub price: PriceVersion,
}

/// What an import did. Nothing at all when the file had an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Rows read from the file.
    pub rows: u64,
    /// Records that did not exist before.
    pub created: u64,
    /// Records that existed and were brought up to date.
    pub updated: u64,
}

/// A partner with its region's name: a row of the partner file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerEntry {
    pub partner: Partner,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerRecord {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub tax_id: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub segment: Segment,
}

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
    /// Orders that drew on this SOR; shown to those who may read orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<Vec<OrderLink>>,
    /// Another partner's registration may be the same opportunity.
    pub possible_conflict: bool,
    /// The matches in full: only for approvers and other staff, never for partners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<ConflictMatch>>,
    /// What may be done next from this status.
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
    pub estimated_value: Money,
    pub expected_close_date: Date,
    pub sor_number: Option<String>,
    pub valid_through: Option<Date>,
    pub submitted_at: Timestamp,
    pub possible_conflict: bool,
}

/// A purchase order as order entry decided it (ORD-1 … ORD-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: i64,
    pub partner_id: i64,
    pub partner_name: String,
    /// The partner's PO number, unique per partner.
    pub po_number: String,
    pub customer_id: i64,
    /// The end customer as the PO names it.
    pub customer_name: String,
    /// The customer's segment on file, which chose MSRP or RRSP for lines without an SOR.
    pub segment: Segment,
    /// The SOR number the PO cites.
    pub sor_number: Option<String>,
    /// The business day the order was entered; SOR validity is checked on it.
    pub order_date: Date,
    pub status: OrderStatus,
    /// Sum of the priced lines.
    pub total: Money,
    pub entered_by: i64,
    pub entered_at: Timestamp,
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// 1 for the PO's first line.
    pub line_no: i64,
    pub sku: String,
    pub quantity: i64,
    /// Absent when the line was refused.
    pub basis: Option<PriceBasis>,
    pub unit_price: Option<Money>,
    /// Quantity × unit price; zero when refused.
    pub amount: Money,
    /// The SOR the line was priced under.
    pub sor_number: Option<String>,
    /// How the line was priced or why it was refused, e.g. "partner price under SOR-2026-000042".
    pub reason: String,
    /// Priced, but e.g. beyond the SOR's registered quantity.
    pub warning: Option<String>,
}

/// An order that drew on a registration's SOR, as the registration lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLink {
    pub order_id: i64,
    pub po_number: String,
    pub order_date: Date,
    /// The value of this order's lines priced under the SOR.
    pub value: Money,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub partner_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// Orders that cite this SOR or have lines priced under it.
    pub sor_number: Option<String>,
    pub status: Option<OrderStatus>,
    /// Order dates from and to, inclusive.
    pub from: Option<Date>,
    pub to: Option<Date>,
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
    /// First filed first (an approval queue); `cursor` then pages forward. Default: newest first.
    pub oldest_first: bool,
}

/// Figures for the dashboards' charts, in weeks (Monday-based, UTC) of filing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Registrations filed per week, by their status now.
    pub filed: Vec<WeekCount>,
    /// Average minutes from filing to the decision, per week of filing.
    pub decision_minutes: Vec<WeekValue>,
    /// Registrations decided per week of filing: approved (an SOR was issued) and declined.
    pub approved: Vec<WeekValue>,
    pub declined: Vec<WeekValue>,
    /// Estimated value of submitted and approved registrations, by region and partner.
    pub pipeline: Vec<PipelineValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekCount {
    pub week_start: Date,
    pub status: Status,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekValue {
    pub week_start: Date,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineValue {
    pub region: String,
    pub partner: String,
    pub value: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub status: Status,
    pub count: i64,
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

/// The only answer a partner gets to "is this customer already registered?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    Free,
    Claimed,
}

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    pub expired: u64,
    pub reminders_queued: u64,
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

/// What an `Idempotency-Key` allows the request carrying it to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is this request's: run it, then complete or release the key.
    Reserved,
    /// The same request already ran: replay its answer.
    Done(StoredResponse),
    /// The same request is running right now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// Hash of method, path and body of the request that produced it.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// One registration of a benchmark fixture.
pub struct FixtureRegistration {
    pub partner_id: i64,
    pub submitted_by: i64,
    /// The manager it is routed to.
    pub approver_id: Option<i64>,
    /// Index into [`Fixture::customers`].
    pub customer: usize,
    pub lines: Vec<(i64, domain::directory::products::ProductLine)>,
    /// Approve it (with an SOR number and its claims) unless an earlier one holds a claim it needs.
    pub approve: bool,
}

/// Benchmark data: customers and registrations referring to them by index.
pub struct Fixture {
    pub customers: Vec<domain::directory::customers::Customer>,
    pub registrations: Vec<FixtureRegistration>,
    pub submitted_at: Timestamp,
    pub valid_through: Date,
}
