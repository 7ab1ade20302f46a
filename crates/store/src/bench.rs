//! Benchmark fixtures: bulk data the benchmark loader writes directly (not a product path).

use jiff::Timestamp;
use jiff::civil::Date;

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
