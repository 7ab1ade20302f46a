//! The storage boundary: one trait per feature family, each method a domain service that runs as one
//! database transaction — it loads what it needs, applies the rules from the `domain` crate, writes
//! the change with its audit entry and its outbox messages, and commits, or changes nothing.
//! [`Store`] is their sum, the one object (`Arc<dyn Store>`) the web layer, the jobs and the CLI hold.
//!
//! Backends: `store-sqlite` and `store-postgres`. Both compile the same SQL implementation
//! (`sql/mod.rs`) against their own concrete sqlx types and pass the `store-conformance` suite.
//! Methods taking an [`domain::Actor`] enforce who may do what; partner actors get
//! [`StoreError::NotFound`] for other partners' records.

mod access;
mod audit;
mod bench;
mod commissions;
mod directory;
mod error;
pub mod files;
mod idempotency;
mod invoices;
mod jobs;
mod leads;
mod opportunities;
mod orders;
mod page;
mod registrations;
mod reports;

pub use access::*;
pub use audit::*;
pub use bench::*;
pub use commissions::*;
pub use directory::*;
pub use error::{StoreError, StoreResult};
pub use idempotency::*;
pub use invoices::*;
pub use jobs::*;
pub use leads::*;
pub use opportunities::*;
pub use orders::*;
pub use page::*;
pub use registrations::*;
pub use reports::*;

use async_trait::async_trait;

/// Everything dealreg persists.
#[async_trait]
pub trait Store:
    AccessStore
    + DirectoryStore
    + RegistrationStore
    + DiscussionStore
    + OrderStore
    + LeadStore
    + OpportunityStore
    + InvoiceStore
    + CommissionStore
    + JobStore
    + ReportStore
    + AuditStore
    + IdempotencyStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Writes a consistent copy of the database to `destination` while it is in use.
    async fn backup(&self, destination: &std::path::Path) -> StoreResult<()>;
}
