//! Order entry (ORD-1 … ORD-5): purchase orders verified and priced against SORs.

use crate::StoreResult;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::directory::Segment;
use domain::orders::input::NewOrder;
use domain::orders::{OrderStatus, PriceBasis};
use domain::{Actor, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

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
    /// How the line was priced or why it was refused, e.g. "partner price under SOR-2026-000042",
    /// "refused: MB-86 is not on SOR-2026-000042", "refused: no product with SKU MB-999".
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

/// What entering a PO did: the order, and whether this call created it or found it entered before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEntry {
    pub order: Order,
    pub created: bool,
}

#[async_trait]
pub trait OrderStore {
    /// REG-6 asked before filing: is an organisation already registered by another partner?
    /// Verifies and prices a PO. The same PO number of the same partner sent again with the same
    /// content returns the order already entered (`created: false`); with other content, a conflict.
    async fn enter_order(&self, actor: &Actor, order: NewOrder, now: Timestamp) -> StoreResult<OrderEntry>;
    async fn get_order(&self, actor: &Actor, id: i64) -> StoreResult<Order>;
    async fn list_orders(&self, actor: &Actor, filter: OrderFilter, page: PageRequest) -> StoreResult<Page<Order>>;
}
