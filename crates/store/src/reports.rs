//! Reports: dashboard figures, aggregated in the database.

use crate::StoreResult;
use async_trait::async_trait;
use domain::registrations::Status;
use domain::{Actor, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

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

/// Which registrations a report counts: filed since `since`, optionally of one region's partners or
/// of one partner. A partner's report is of its own registrations whatever these say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportScope {
    pub since: Timestamp,
    pub region_id: Option<i64>,
    pub partner_id: Option<i64>,
}

impl ReportScope {
    /// Everything the actor may see filed since `since`.
    pub fn since(since: Timestamp) -> ReportScope {
        ReportScope {
            since,
            region_id: None,
            partner_id: None,
        }
    }
}

#[async_trait]
pub trait ReportStore {
    /// How many registrations are in each status: the actor's partner's, or all for staff.
    async fn registration_counts(&self, actor: &Actor) -> StoreResult<Vec<StatusCount>>;
    /// Dashboard figures for the registrations of `scope`: the actor's partner's, or all for staff.
    /// Aggregated in the database, so the cost does not grow with what is shown.
    async fn report(&self, actor: &Actor, scope: &ReportScope) -> StoreResult<Report>;
}
