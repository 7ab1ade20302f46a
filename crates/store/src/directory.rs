//! The directory: program settings, regions, partners, end customers and the price list (ORD-3), and their CSV files.

use crate::StoreResult;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::directory::customers::Customer;
use domain::directory::files::{Line, PartnerRow};
use domain::directory::input::{LeadReach, NewPartner};
use domain::directory::products::NewProduct;
use domain::directory::{ActivationStage, PartnerLevel, Segment};
use domain::settings::ProgramSettings;
use domain::{Actor, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

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
    /// Country, coordinates and capacity for lead distribution (PRG-2).
    pub reach: LeadReach,
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

#[async_trait]
pub trait DirectoryStore {
    async fn settings(&self) -> StoreResult<ProgramSettings>;
    async fn update_settings(
        &self,
        actor: &Actor,
        settings: ProgramSettings,
        now: Timestamp,
    ) -> StoreResult<ProgramSettings>;
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
    /// Renames a partner or moves it to another region, level or activation stage (administrators).
    async fn update_partner(&self, actor: &Actor, id: i64, partner: NewPartner, now: Timestamp)
    -> StoreResult<Partner>;
    async fn get_partner(&self, actor: &Actor, id: i64) -> StoreResult<Partner>;
    async fn list_partners(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Partner>>;
    async fn create_product(&self, actor: Option<&Actor>, product: NewProduct, now: Timestamp) -> StoreResult<Product>;
    /// Products with the prices in force on `today`.
    async fn list_products(&self, today_at: Timestamp, page: PageRequest) -> StoreResult<Page<Product>>;
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
}
