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

/// A line every invoice of an [`InvoiceFixture`] carries.
pub struct FixtureInvoiceLine {
    pub sku: String,
    pub product_id: Option<i64>,
    pub amount_minor: i64,
    pub cost_minor: i64,
    /// What the line earns once paid in full, and why: written on the commission lines of a paid
    /// fixture (take it from a line the real path earned on the same terms).
    pub earned: Option<(i64, domain::commissions::Explanation)>,
}

/// Invoices for the commission benchmark. Invoice `i` is numbered `{prefix}{i}`, belongs to
/// `partners[i % partners.len()]` and carries `lines`. Without `paid_in` each is issued on
/// `issued_on` and left open; with it, invoice `i` is issued and paid in full in month
/// `paid_in[(i / partners.len()) % paid_in.len()]` (a month's first day), and its lines' commission
/// sits on its partner's confirmed order of that month.
pub struct InvoiceFixture {
    pub prefix: String,
    pub count: usize,
    pub partners: Vec<i64>,
    pub created_by: i64,
    pub currency: domain::Currency,
    pub lines: Vec<FixtureInvoiceLine>,
    pub created_at: Timestamp,
    pub issued_on: Date,
    pub paid_in: Vec<Date>,
}
