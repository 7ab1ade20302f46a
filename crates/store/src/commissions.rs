//! The partner program and its commissions (issue 15: PRG-1, PRG-3…6): levels and stages as data,
//! product categories, plans with versions, a partner's plan and payout schedule, the commission
//! orders a payment or credit note writes in its own transaction, their confirmation, and the reports.

use crate::StoreResult;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
pub use domain::commissions::input::{NewCategory, PartnerTerms};
use domain::commissions::input::{NewLevel, NewPlan, NewPlanVersion};
use domain::commissions::{DecidingDate, Explanation, PeriodKind, PlanSource, PoState, ReviewStatus, Rule};
use domain::directory::PartnerLevel;
use domain::{Actor, Currency, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelView {
    pub id: i64,
    /// The code partners carry (`bronze` … `platinum`).
    pub code: PartnerLevel,
    pub name: String,
    pub rank: u32,
    pub default_plan_id: Option<i64>,
    pub default_plan_name: Option<String>,
    /// Lead distribution's weight for the level (the program settings' distribution weights).
    pub lead_weight: u32,
    pub partners: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub position: u32,
    pub partners: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: i64,
    /// As products name it (`products.category`).
    pub name: String,
    pub parent_id: Option<i64>,
    /// "Software › Security".
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanVersionView {
    pub id: i64,
    pub number: u32,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub rules: Vec<Rule>,
    /// Commission lines written under it: such a version is kept as it is.
    pub lines: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    pub id: i64,
    pub name: String,
    pub deciding_date: DecidingDate,
    pub versions: Vec<PlanVersionView>,
    /// Levels whose default it is, and partners who have it as their own.
    pub levels: Vec<String>,
    pub partners: i64,
}

/// A partner's standing in the program: level and stage history, plan, schedule and reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerProgram {
    pub partner_id: i64,
    pub partner_name: String,
    pub level: PartnerLevel,
    pub activation_stage: String,
    pub own_plan_id: Option<i64>,
    /// The plan it earns under and where that comes from (its own, else its level's).
    pub plan_id: Option<i64>,
    pub plan_name: Option<String>,
    pub plan_source: Option<PlanSource>,
    pub payout_period: Option<PeriodKind>,
    pub automatic_confirmation: Option<bool>,
    /// The schedule in force: its own where set, else the program's.
    pub effective_payout_period: PeriodKind,
    pub effective_automatic_confirmation: bool,
    pub latest_review_on: Option<Date>,
    pub next_review_on: Option<Date>,
    pub review_status: ReviewStatus,
    pub history: Vec<StandingChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandingChange {
    pub level: PartnerLevel,
    pub activation_stage: String,
    pub effective_on: Date,
    pub changed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewLine {
    pub line_no: i64,
    pub sku: String,
    /// The line net of credit notes.
    pub amount: Money,
    /// What the line earns once the invoice is paid in full, as it stands (credit notes deducted).
    pub commission: Money,
    /// The explanation of that figure, or why the line earns nothing.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoicePreview {
    pub invoice_id: i64,
    pub partner_id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: Currency,
    pub plan_name: Option<String>,
    pub lines: Vec<PreviewLine>,
    pub total: Money,
    /// Already earned on the invoice by payments and credit notes so far.
    pub earned: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionLineView {
    pub id: i64,
    pub invoice_id: i64,
    pub invoice_number: String,
    pub line_no: i64,
    /// payment or credit_note.
    pub event_kind: String,
    pub event_external_id: String,
    pub event_on: Date,
    /// Positive earns, negative claws back.
    pub amount: Money,
    /// "10% of 10,000.00 USD amount under Gold 2026 v1, rule 'Software'".
    pub explanation: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub explained: Explanation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionOrder {
    pub id: i64,
    /// "CPO-000012".
    pub number: String,
    pub partner_id: i64,
    pub partner_name: String,
    pub period_kind: PeriodKind,
    pub period_start: Date,
    pub period_end: Date,
    /// "March 2026".
    pub period_label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: Currency,
    pub state: PoState,
    /// The period's lines.
    pub total: Money,
    pub earned: Money,
    pub clawed_back: Money,
    /// Set once confirmed.
    pub carried_in: Option<Money>,
    pub payout: Option<Money>,
    pub carried_out: Option<Money>,
    /// What the statement says of the payout.
    pub payout_sentence: Option<String>,
    pub confirmed_at: Option<Timestamp>,
    pub line_count: i64,
    /// Listed with the order on its own page; empty in lists.
    pub lines: Vec<CommissionLineView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommissionOrderFilter {
    pub partner_id: Option<i64>,
    pub state: Option<PoState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub partner_id: Option<i64>,
    /// Orders whose period starts on or after `from` and on or before `to`.
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// One row of the commission report: a partner's period in one currency under one plan rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    pub partner_id: i64,
    pub partner_name: String,
    pub level: PartnerLevel,
    pub period_start: Date,
    pub period_label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: Currency,
    pub plan_name: String,
    pub version_number: u32,
    pub rule_name: String,
    pub earned_minor: i64,
    pub clawed_back_minor: i64,
    /// Of the net, what sits on draft orders and what on confirmed ones.
    pub draft_minor: i64,
    pub confirmed_minor: i64,
}

/// What a sweep of due confirmations did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationReport {
    pub confirmed: u64,
    pub statements_queued: u64,
    pub review_reminders: u64,
}

#[async_trait]
pub trait CommissionStore: Send + Sync {
    /// Every signed-in user reads the levels and stages.
    async fn list_levels(&self, actor: &Actor) -> StoreResult<Vec<LevelView>>;
    /// Renames, re-ranks, re-weights a level or sets its default plan (administrators).
    async fn update_level(&self, actor: &Actor, id: i64, level: NewLevel, now: Timestamp) -> StoreResult<LevelView>;
    async fn list_stages(&self, actor: &Actor) -> StoreResult<Vec<StageView>>;
    /// Renames or re-orders an activation stage (administrators).
    async fn update_stage(
        &self,
        actor: &Actor,
        id: i64,
        name: String,
        position: u32,
        now: Timestamp,
    ) -> StoreResult<StageView>;
    async fn list_categories(&self, actor: &Actor) -> StoreResult<Vec<Category>>;
    async fn create_category(&self, actor: &Actor, category: NewCategory, now: Timestamp) -> StoreResult<Category>;
    /// Moves a category under another parent (or to the top); never under itself or its own children.
    async fn set_category_parent(
        &self,
        actor: &Actor,
        id: i64,
        parent_id: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Category>;
    async fn create_plan(&self, actor: &Actor, plan: NewPlan, now: Timestamp) -> StoreResult<PlanView>;
    /// Adds the next version of a plan; its rules' categories and levels must exist.
    async fn add_plan_version(
        &self,
        actor: &Actor,
        plan_id: i64,
        version: NewPlanVersion,
        now: Timestamp,
    ) -> StoreResult<PlanView>;
    async fn list_plans(&self, actor: &Actor) -> StoreResult<Vec<PlanView>>;
    async fn get_plan(&self, actor: &Actor, id: i64) -> StoreResult<PlanView>;
    async fn partner_program(&self, actor: &Actor, partner_id: i64, now: Timestamp) -> StoreResult<PartnerProgram>;
    async fn set_partner_terms(
        &self,
        actor: &Actor,
        partner_id: i64,
        terms: PartnerTerms,
        now: Timestamp,
    ) -> StoreResult<PartnerProgram>;
    /// What the invoice would earn paid in full, line by line, with each figure's explanation.
    async fn preview_invoice(&self, actor: &Actor, invoice_id: i64, now: Timestamp) -> StoreResult<InvoicePreview>;
    async fn list_commission_orders(
        &self,
        actor: &Actor,
        filter: CommissionOrderFilter,
        page: PageRequest,
    ) -> StoreResult<Page<CommissionOrder>>;
    async fn get_commission_order(&self, actor: &Actor, id: i64) -> StoreResult<CommissionOrder>;
    /// Confirms a draft of a complete period (finance): its payout or carry is decided and the partner
    /// is sent its statement.
    async fn confirm_commission_order(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<CommissionOrder>;
    /// The worker's sweep: confirms every draft of a complete period under automatic confirmation,
    /// oldest first, and reminds channel managers of partner reviews that are due.
    async fn run_commission_sweep(&self, now: Timestamp) -> StoreResult<ConfirmationReport>;
    async fn commission_report(&self, actor: &Actor, filter: ReportFilter) -> StoreResult<Vec<ReportRow>>;
}
