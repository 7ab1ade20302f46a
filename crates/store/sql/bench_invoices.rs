//! Benchmark-only SQL: the commission benchmark's invoices, and for a paid fixture their payments,
//! monthly commission orders and commission lines, written directly. Not a product path.

use crate::sql::kit::*;

const CHUNK: usize = 5_000;

/// Where fixture invoice `i` lands: its partner's index and its month's index.
fn place(fixture: &InvoiceFixture, i: usize) -> (usize, usize) {
    let partners = fixture.partners.len();
    (i % partners, (i / partners) % fixture.paid_in.len().max(1))
}

fn month_end(start: Date) -> Date {
    start.last_of_month()
}

impl SqlStore {
    /// Loads the fixture's invoices (issued, or paid with their commission) and returns their ids in
    /// order. For benchmarks only: no audit entries, no line terms, no volumes.
    pub async fn load_benchmark_invoices(
        &self,
        fixture: &InvoiceFixture,
        progress: impl Fn(usize),
    ) -> StoreResult<Vec<i64>> {
        if fixture.partners.is_empty() || fixture.lines.is_empty() {
            return Err(StoreError::invalid("fixture", "a fixture needs partners and lines"));
        }
        let first_invoice: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM invoices")
            .fetch_one(&self.read)
            .await?;
        let first_order = self.insert_fixture_orders(fixture).await?;
        for (chunk_index, start) in (0..fixture.count).step_by(CHUNK).enumerate() {
            let ids: Vec<(usize, i64)> = (start..fixture.count.min(start + CHUNK))
                .map(|i| (i, first_invoice + i as i64))
                .collect();
            let mut tx = dialect::begin_write(&self.write).await?;
            insert_fixture_invoices(&mut tx, fixture, &ids).await?;
            if !fixture.paid_in.is_empty() {
                insert_fixture_earnings(&mut tx, fixture, &ids, first_order).await?;
            }
            tx.commit().await?;
            progress(chunk_index * CHUNK + ids.len());
        }
        dialect::after_bulk_load(&self.write, &["invoices", "commission_orders"]).await?;
        Ok((0..fixture.count).map(|i| first_invoice + i as i64).collect())
    }

    /// One confirmed monthly order per partner and month of a paid fixture, its total the sum of the
    /// lines it will hold, paid out in full; answers the first order's id (orders go month by month,
    /// partner by partner).
    async fn insert_fixture_orders(&self, fixture: &InvoiceFixture) -> StoreResult<i64> {
        let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM commission_orders")
            .fetch_one(&self.read)
            .await?;
        let partners = fixture.partners.len();
        let per_invoice: i64 = fixture
            .lines
            .iter()
            .filter_map(|l| l.earned.as_ref())
            .map(|e| e.0)
            .sum();
        let mut totals = vec![0i64; partners * fixture.paid_in.len()];
        if !totals.is_empty() {
            for i in 0..fixture.count {
                let (p, m) = place(fixture, i);
                totals[m * partners + p] += per_invoice;
            }
        }
        let orders: Vec<(i64, i64, Date, i64)> = totals
            .iter()
            .enumerate()
            .filter(|(_, total)| **total != 0)
            .map(|(k, total)| {
                (
                    first + k as i64,
                    fixture.partners[k % partners],
                    fixture.paid_in[k / partners],
                    *total,
                )
            })
            .collect();
        let (by, at) = (fixture.created_by, us(fixture.created_at));
        let mut tx = dialect::begin_write(&self.write).await?;
        insert_rows(
            &mut tx,
            "INSERT INTO commission_orders (id, partner_id, period_kind, period_start, period_end, currency, state, \
             total_minor, carried_in_minor, payout_minor, carried_out_minor, confirmed_by, confirmed_us, created_us) ",
            &orders,
            |mut row, (id, partner, month, total)| {
                row.push_bind(*id)
                    .push_bind(*partner)
                    .push_bind("month")
                    .push_bind(month.to_string())
                    .push_bind(month_end(*month).to_string())
                    .push_bind(fixture.currency.as_str())
                    .push_bind("confirmed")
                    .push_bind(*total)
                    .push_bind(0i64)
                    .push_bind(*total)
                    .push_bind(0i64)
                    .push_bind(by)
                    .push_bind(at)
                    .push_bind(at);
            },
        )
        .await?;
        tx.commit().await?;
        Ok(first)
    }
}

/// The invoice's date: the fixture's issue date, or for a paid fixture the 15th of its month.
fn invoice_date(fixture: &InvoiceFixture, i: usize) -> Date {
    match fixture.paid_in.get(place(fixture, i).1) {
        Some(month) => month.saturating_add(jiff::Span::new().days(14)),
        None => fixture.issued_on,
    }
}

async fn insert_fixture_invoices(conn: &mut Conn, fixture: &InvoiceFixture, ids: &[(usize, i64)]) -> StoreResult<()> {
    let total: i64 = fixture.lines.iter().map(|l| l.amount_minor).sum();
    let paid = !fixture.paid_in.is_empty();
    insert_rows(
        conn,
        "INSERT INTO invoices (id, number, status, partner_id, currency, issued_on, total_minor, credited_minor, \
         paid_minor, created_by, created_us) ",
        ids,
        |mut row, (i, id)| {
            row.push_bind(*id)
                .push_bind(format!("{}{i}", fixture.prefix))
                .push_bind(if paid { "paid" } else { "issued" })
                .push_bind(fixture.partners[place(fixture, *i).0])
                .push_bind(fixture.currency.as_str())
                .push_bind(invoice_date(fixture, *i).to_string())
                .push_bind(total)
                .push_bind(0i64)
                .push_bind(if paid { total } else { 0 })
                .push_bind(fixture.created_by)
                .push_bind(us(fixture.created_at));
        },
    )
    .await?;
    let lines: Vec<(i64, usize)> = ids
        .iter()
        .flat_map(|(_, id)| (0..fixture.lines.len()).map(move |n| (*id, n)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO invoice_lines (invoice_id, line_no, sku, product_id, quantity, amount_minor, cost_minor, \
         credited_minor) ",
        &lines,
        |mut row, (id, n)| {
            let line = &fixture.lines[*n];
            row.push_bind(*id)
                .push_bind(*n as i64 + 1)
                .push_bind(line.sku.clone())
                .push_bind(line.product_id)
                .push_bind(1i64)
                .push_bind(line.amount_minor)
                .push_bind(line.cost_minor)
                .push_bind(0i64);
        },
    )
    .await
}

/// A paid fixture's payments and commission lines, each invoice's on its partner's order of its month.
async fn insert_fixture_earnings(
    conn: &mut Conn,
    fixture: &InvoiceFixture,
    ids: &[(usize, i64)],
    first_order: i64,
) -> StoreResult<()> {
    let total: i64 = fixture.lines.iter().map(|l| l.amount_minor).sum();
    let at = us(fixture.created_at);
    insert_rows(
        conn,
        "INSERT INTO invoice_payments (invoice_id, external_id, amount_minor, paid_on, recorded_by, created_us) ",
        ids,
        |mut row, (i, id)| {
            row.push_bind(*id)
                .push_bind(format!("{}{i}-PAY", fixture.prefix))
                .push_bind(total)
                .push_bind(invoice_date(fixture, *i).to_string())
                .push_bind(fixture.created_by)
                .push_bind(at);
        },
    )
    .await?;
    let mut explanations = Vec::with_capacity(fixture.lines.len());
    for line in &fixture.lines {
        explanations.push(match &line.earned {
            Some((_, explained)) => Some(serde_json::to_string(explained).map_err(|e| corrupt(e.to_string()))?),
            None => None,
        });
    }
    let lines: Vec<(usize, i64, usize)> = ids
        .iter()
        .flat_map(|(i, id)| (0..fixture.lines.len()).map(move |n| (*i, *id, n)))
        .filter(|(_, _, n)| fixture.lines[*n].earned.is_some())
        .collect();
    insert_rows(
        conn,
        "INSERT INTO commission_lines (order_id, partner_id, invoice_id, line_no, event_kind, event_external_id, \
         event_on, amount_minor, currency, plan_id, version_id, rule_id, explanation, created_us) ",
        &lines,
        |mut row, (i, id, n)| {
            let (p, m) = place(fixture, *i);
            let Some((amount, explained)) = &fixture.lines[*n].earned else {
                return;
            };
            row.push_bind(first_order + (m * fixture.partners.len() + p) as i64)
                .push_bind(fixture.partners[p])
                .push_bind(*id)
                .push_bind(*n as i64 + 1)
                .push_bind("payment")
                .push_bind(format!("{}{i}-PAY", fixture.prefix))
                .push_bind(invoice_date(fixture, *i).to_string())
                .push_bind(*amount)
                .push_bind(fixture.currency.as_str())
                .push_bind(explained.plan_id)
                .push_bind(explained.version_id)
                .push_bind(explained.rule_id)
                .push_bind(explanations[*n].clone())
                .push_bind(at);
        },
    )
    .await
}
