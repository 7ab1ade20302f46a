//! Opportunities and the rules of engagement (ROE-1 … ROE-5): the opportunity, its one manager and
//! their history, its team, major accounts, the requests that wait for sales management or a MAM,
//! re-assignment, and the shared timeline.

use crate::StoreResult;
use crate::orders::OrderLink;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::opportunities::input::{MajorAccount, NewOpportunity, OpportunityUpdate, Reassignment};
use domain::opportunities::{MemberRole, Party, Source, Status};
use domain::registrations::input::Outcome;
use domain::{Actor, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastLine {
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub quantity: i64,
}

/// A party with the name people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedParty {
    #[serde(flatten)]
    pub party: Party,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opportunity {
    pub id: i64,
    /// E.g. OPP-2026-000123.
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub customer_country: String,
    pub name: String,
    pub source: Source,
    /// One of the pipeline's open stages while open.
    pub stage: String,
    pub status: Status,
    /// Why it was lost (or what won it).
    pub outcome_reason: Option<String>,
    pub forecast: Money,
    pub close_date: Date,
    /// The manager's rights hold through this day, inclusive (ROE-3).
    pub rights_through: Date,
    pub plan: Option<String>,
    /// ROE-1: the one Opportunity Manager.
    pub manager: NamedParty,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    /// The won opportunity this one renews (ROE-4).
    pub renewal_of: Option<i64>,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub products: Vec<ForecastLine>,
}

/// One term of a manager, from its start to its end (absent for the current one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagerTerm {
    pub manager: NamedParty,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub member: NamedParty,
    pub role: MemberRole,
    /// Revenue share in basis points (revenue-share members).
    pub share_bp: Option<u32>,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpportunityRequestKind {
    CloseDate,
    RevenueShare,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpportunityRequest {
    pub id: i64,
    pub kind: OpportunityRequestKind,
    /// pending, approved or declined.
    pub status: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub created_at: Timestamp,
    /// A close date: the date asked for.
    pub close_date: Option<Date>,
    pub reason: Option<String>,
    /// A revenue-share team: its shares.
    pub shares: Vec<Share>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub party: Party,
    pub share_bp: u32,
}

/// A registration of the opportunity, as the opportunity lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationLink {
    pub registration_id: i64,
    pub partner_name: String,
    pub status: domain::registrations::Status,
    pub sor_number: Option<String>,
    pub valid_through: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineNote {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MajorAccountRecord {
    pub customer_id: i64,
    pub customer_name: String,
    pub manager: NamedParty,
    pub plan: String,
    pub since: Timestamp,
    /// Open opportunities on the account.
    pub open_opportunities: i64,
}

/// The opportunity with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpportunityDetail {
    #[serde(flatten)]
    pub opportunity: Opportunity,
    pub managers: Vec<ManagerTerm>,
    pub members: Vec<Member>,
    pub requests: Vec<OpportunityRequest>,
    pub registrations: Vec<RegistrationLink>,
    /// Orders under the SORs of its registrations; shown to those who may read orders.
    pub orders: Vec<OrderLink>,
    /// Renewal opportunities opened from it when it was won (ROE-4).
    pub renewals: Vec<i64>,
    pub major_account: Option<MajorAccountRecord>,
    pub timeline: Vec<TimelineNote>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityFilter {
    pub status: Option<Status>,
    pub stage: Option<String>,
    /// Managed by this party.
    pub manager: Option<Party>,
    /// Managed by, or with a part for, this partner.
    pub partner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// Forecast close dates from and to, inclusive.
    pub close_from: Option<Date>,
    pub close_to: Option<Date>,
}

/// What a re-assignment moved: each opportunity with its number, renewals included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reassigned {
    pub moved: Vec<MovedOpportunity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovedOpportunity {
    pub id: i64,
    pub number: String,
    /// Moved because the opportunity it renews moved.
    pub as_renewal: bool,
}

/// Forecast totals of the pipeline the filter selects: per stage, and per month of close.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PipelineTotals {
    pub by_stage: Vec<StageTotal>,
    pub by_month: Vec<MonthTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageTotal {
    pub stage: String,
    pub count: i64,
    pub forecast: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthTotal {
    /// YYYY-MM.
    pub month: String,
    pub count: i64,
    pub forecast: Money,
}

#[async_trait]
pub trait OpportunityStore {
    /// ROE-1: opens an opportunity managed by the actor's partner or the actor (sales management may
    /// name another manager); on a major account it is turned over to the MAM (ROE-2). Refused while
    /// another manager's rights cover its products (ROE-3).
    async fn open_opportunity(
        &self,
        actor: &Actor,
        new: NewOpportunity,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    async fn get_opportunity(&self, actor: &Actor, id: i64) -> StoreResult<OpportunityDetail>;
    /// Newest first; partners see only what they manage or take part in.
    async fn list_opportunities(
        &self,
        actor: &Actor,
        filter: OpportunityFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Opportunity>>;
    /// Open opportunities' forecast totals for the pipeline's board and chart.
    async fn pipeline_totals(&self, actor: &Actor, filter: OpportunityFilter) -> StoreResult<PipelineTotals>;
    /// The manager's changes; a later close date is refused with how to ask for it.
    async fn update_opportunity(
        &self,
        actor: &Actor,
        id: i64,
        update: OpportunityUpdate,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// Won (a renewal opens when it renews, ROE-4) or lost with its reason.
    async fn close_opportunity(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Outcome,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// ROE-3: asks sales management to move the forecast close date later.
    async fn request_close_date(
        &self,
        actor: &Actor,
        id: i64,
        close_date: Date,
        reason: String,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    async fn decide_close_date(
        &self,
        actor: &Actor,
        id: i64,
        approve: bool,
        note: Option<String>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// ROE-2: the turned-over manager asks the MAM for a revenue-share team.
    async fn ask_revenue_share(
        &self,
        actor: &Actor,
        id: i64,
        shares: Vec<(Party, u32)>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// The MAM's own consent (or refusal); nobody else may give it.
    async fn decide_revenue_share(
        &self,
        actor: &Actor,
        id: i64,
        agree: bool,
        note: Option<String>,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// ROE-4: records a co-sell partner on the opportunity.
    async fn add_co_sell(
        &self,
        actor: &Actor,
        id: i64,
        partner_id: i64,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// A note on the shared timeline (manager, team, co-sell partners, staff).
    async fn add_timeline_note(
        &self,
        actor: &Actor,
        id: i64,
        body: String,
        now: Timestamp,
    ) -> StoreResult<OpportunityDetail>;
    /// ROE-5: sales management moves opportunities, with their open renewals, to another manager.
    async fn reassign(&self, actor: &Actor, reassignment: Reassignment, now: Timestamp) -> StoreResult<Reassigned>;
    /// ROE-5: elevates an account to Major Account; its open opportunities turn over to the MAM.
    async fn elevate_account(
        &self,
        actor: &Actor,
        account: MajorAccount,
        now: Timestamp,
    ) -> StoreResult<MajorAccountRecord>;
    async fn list_major_accounts(&self, actor: &Actor) -> StoreResult<Vec<MajorAccountRecord>>;
}
