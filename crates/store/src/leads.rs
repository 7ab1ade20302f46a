//! Leads (PRG-2): entered or imported by the channel team, distributed to partners by rules,
//! accepted (becoming the partner's opportunity) or declined by the partner they are offered to.

use crate::StoreResult;
use crate::directory::ImportReport;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::directory::Segment;
use domain::directory::files::Line;
use domain::leads::files::LeadRow;
use domain::leads::input::{Assign, LeadCompany, NewLead};
use domain::leads::{Coordinates, LeadSource, LeadStatus};
use domain::settings::LeadDistribution;
use domain::{Actor, Money};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadProduct {
    pub sku: String,
    pub quantity: i64,
}

/// A partner's "not for us", kept so that the lead is never offered to it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDecline {
    pub partner_id: i64,
    pub partner_name: String,
    pub reason: String,
    pub declined_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: i64,
    pub source: LeadSource,
    pub company: LeadCompany,
    pub segment: Option<Segment>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub location: Option<Coordinates>,
    pub description: Option<String>,
    pub estimated_value: Money,
    pub products: Vec<LeadProduct>,
    pub status: LeadStatus,
    /// The partner the lead is offered to or was accepted by.
    pub partner_id: Option<i64>,
    pub partner_name: Option<String>,
    /// Why this partner ("Same country (Germany) · Gold, weight 3 · 1 of 5 open leads · 12 km"),
    /// or why no partner.
    pub reason: String,
    /// The opportunity the lead became.
    pub opportunity_id: Option<i64>,
    /// Partners who declined it, with their reasons; shown to the channel team only.
    pub declines: Vec<LeadDecline>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFilter {
    pub partner_id: Option<i64>,
    pub status: Option<LeadStatus>,
}

#[async_trait]
pub trait LeadStore {
    /// Enters a lead and distributes it at once (PRG-2).
    async fn create_lead(&self, actor: &Actor, lead: NewLead, now: Timestamp) -> StoreResult<Lead>;
    /// Imports a file of leads whole, distributing each; a bad row (an unknown region or SKU) fails
    /// the file with its line and writes nothing.
    async fn import_leads(&self, actor: &Actor, rows: Vec<Line<LeadRow>>, now: Timestamp) -> StoreResult<ImportReport>;
    async fn get_lead(&self, actor: &Actor, id: i64) -> StoreResult<Lead>;
    async fn list_leads(&self, actor: &Actor, filter: LeadFilter, page: PageRequest) -> StoreResult<Page<Lead>>;
    /// The partner takes the lead: it becomes an opportunity the partner manages.
    async fn accept_lead(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Lead>;
    /// The partner declines with a reason; the lead goes to the next partner in the same write (and
    /// so out of the decliner's sight: nothing is answered).
    async fn decline_lead(&self, actor: &Actor, id: i64, reason: String, now: Timestamp) -> StoreResult<()>;
    /// A channel manager offers the lead to a partner of their choice (not one who declined it).
    async fn assign_lead(&self, actor: &Actor, id: i64, assign: Assign, now: Timestamp) -> StoreResult<Lead>;
    /// Runs distribution again for a lead not yet accepted (e.g. after the rules changed).
    async fn redistribute_lead(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Lead>;
    /// The weights per level and the default capacity (channel managers, administrators).
    async fn lead_rules(&self, actor: &Actor) -> StoreResult<LeadDistribution>;
    /// Sets the weights per level and the default capacity (channel managers, administrators).
    async fn update_lead_rules(
        &self,
        actor: &Actor,
        rules: LeadDistribution,
        now: Timestamp,
    ) -> StoreResult<LeadDistribution>;
}
