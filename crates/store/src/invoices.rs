//! Customer invoices (issue 15, item 3): entered by finance or the ERP, made from an order; issued,
//! paid in part or whole, credited line by line, or cancelled. The partner named on one earns on it
//! when it is paid (seed 003); another partner never sees it.

use crate::StoreResult;
use crate::directory::ImportReport;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use domain::directory::files::Line;
use domain::invoices::InvoiceStatus;
use domain::invoices::files::InvoiceRow;
use domain::invoices::input::{NewCreditNote, NewInvoice, NewPayment};
use domain::{Actor, Currency, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    /// Counted from 1, as credit notes name them.
    pub line_no: i64,
    pub sku: String,
    /// The product of the price list, absent for a line it does not list (freight, services).
    pub product_id: Option<i64>,
    pub description: Option<String>,
    pub quantity: i64,
    pub amount_minor: i64,
    /// What the line cost the vendor: for the vendor's staff only, absent for a partner.
    pub cost_minor: Option<i64>,
    /// Taken back by credit notes.
    pub credited_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoicePayment {
    pub external_id: String,
    pub amount_minor: i64,
    pub paid_on: Date,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNote {
    pub external_id: String,
    pub credited_on: Date,
    pub amount_minor: i64,
    /// (line number, amount) taken back from each line.
    pub lines: Vec<CreditNoteLine>,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNoteLine {
    pub line_no: i64,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub id: i64,
    /// The ERP's number.
    pub number: String,
    pub status: InvoiceStatus,
    /// The partner who earns on it.
    pub partner_id: i64,
    pub partner_name: String,
    pub opportunity_id: Option<i64>,
    pub order_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: Currency,
    pub issued_on: Option<Date>,
    pub total: Money,
    pub credited: Money,
    pub paid: Money,
    /// What the customer still owes.
    pub open: Money,
    pub lines: Vec<InvoiceLine>,
    pub payments: Vec<InvoicePayment>,
    pub credit_notes: Vec<CreditNote>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub partner_id: Option<i64>,
    pub status: Option<InvoiceStatus>,
}

#[async_trait]
pub trait InvoiceStore: Send + Sync {
    /// Enters a draft invoice; its partner is the one named, else its order's, else the partner
    /// managing its opportunity.
    async fn create_invoice(&self, actor: &Actor, invoice: NewInvoice, now: Timestamp) -> StoreResult<Invoice>;
    /// Imports a file of invoices whole (issued when the file gives their date); a bad row (an
    /// unknown partner, an invoice entered before) fails the file with its line and writes nothing.
    async fn import_invoices(
        &self,
        actor: &Actor,
        rows: Vec<Line<InvoiceRow>>,
        now: Timestamp,
    ) -> StoreResult<ImportReport>;
    /// A draft invoice of an order's lines as priced, numbered `number`.
    async fn invoice_order(&self, actor: &Actor, order_id: i64, number: String, now: Timestamp)
    -> StoreResult<Invoice>;
    async fn issue_invoice(&self, actor: &Actor, id: i64, issued_on: Date, now: Timestamp) -> StoreResult<Invoice>;
    async fn cancel_invoice(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Invoice>;
    /// Records a payment; the same external id sent again with the same amount and date counts once
    /// (the invoice is answered as it stands), with anything else it is a conflict.
    async fn record_payment(&self, actor: &Actor, id: i64, payment: NewPayment, now: Timestamp)
    -> StoreResult<Invoice>;
    /// Records a credit note against lines; the same external id counts once, as for payments.
    async fn record_credit_note(
        &self,
        actor: &Actor,
        id: i64,
        credit: NewCreditNote,
        now: Timestamp,
    ) -> StoreResult<Invoice>;
    async fn get_invoice(&self, actor: &Actor, id: i64) -> StoreResult<Invoice>;
    async fn list_invoices(
        &self,
        actor: &Actor,
        filter: InvoiceFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Invoice>>;
}
