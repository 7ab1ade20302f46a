//! `dealreg bench --commissions` (issue 15 item 10): a plan with a category rule and a fallback as
//! Gold's default, partners at Gold, and invoices issued to them (bulk-loaded); then one full payment
//! per invoice through `POST /invoices/{id}/payments` from concurrent finance clients, each writing
//! its commission lines in its own transaction, checked against what the plan earns. Then a million
//! commission lines over twelve months are loaded and the reads are timed: a statement, a partner's
//! orders, the report of a month for everyone and of a partner over the year.

use super::commission_reads;
use super::measure::{MakeRequest, Measurement, peak_rss_kib, run_clients};
use super::{Opened, token, user};
use crate::mailer::FileMailer;
use anyhow::{Context, ensure};
use domain::commissions::Explanation;
use domain::commissions::input::{NewLevel, PlanInput, PlanVersionInput, RuleInput, parse_plan, parse_version};
use domain::directory::input::NewPartner;
use domain::directory::{ActivationStage, PartnerLevel};
use domain::{Actor, Currency, Role};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{CommissionOrderFilter, FixtureInvoiceLine, InvoiceFixture, PageRequest, Store};

/// Sizes of the commissions benchmark.
pub struct CommissionConfig {
    /// Invoices issued and then paid, one payment each.
    pub invoices: usize,
    /// Partners the invoices and the loaded lines are spread over.
    pub partners: usize,
    /// Commission lines loaded for the reads (ten per paid invoice, over twelve months).
    pub lines: usize,
    /// Calls per read operation, from one client and again from `concurrency`.
    pub reads: usize,
    pub concurrency: usize,
}

/// What the commissions benchmark measured and checked.
pub struct CommissionReport {
    pub database: String,
    pub partners: usize,
    pub invoices: usize,
    pub invoice_load: Duration,
    pub payments: Measurement,
    /// Commission lines the payments wrote, and the orders whose totals were checked against them.
    pub lines_written: i64,
    pub orders_checked: usize,
    pub lines_loaded: usize,
    pub lines_load: Duration,
    pub reads: Vec<Measurement>,
    pub peak_rss_kib: Option<u64>,
}

const PAYMENT: &str = "finance: record a full payment (2 commission lines)";
pub(super) const READS: [&str; 4] = [
    "a partner's statement: one order with its lines",
    "a partner's orders, one page (50)",
    "report: one month, every partner",
    "report: one partner, twelve months",
];
/// The two lines of each benchmark invoice: a display (10 % of 1,000.00) and another product
/// (4 % of the 50.00 margin on 200.00).
const SHAPES: [(i64, i64, i64); 2] = [(100_000, 60_000, 10_000), (20_000, 15_000, 200)];
const LINES_PER_READ_INVOICE: usize = 10;

/// The program the benchmark earns under.
pub(super) struct Program {
    admin: Actor,
    finance: Actor,
    pub(super) partners: Vec<i64>,
    /// (SKU, product id) of a display and of a product of another category.
    products: [(String, i64); 2],
}

async fn plan(store: &dyn Store, admin: &Actor, finance: &Actor, from: Date, now: Timestamp) -> anyhow::Result<()> {
    let categories = store.list_categories(finance).await?;
    let displays = categories
        .iter()
        .find(|c| c.name == "displays")
        .context("no displays category")?;
    let rule = |name: &str, category_id, kind: &str, rate_bp| RuleInput {
        name: Some(name.into()),
        category_id,
        kind: Some(kind.into()),
        rate_bp: Some(rate_bp),
        ..RuleInput::default()
    };
    let plan = parse_plan(&PlanInput {
        name: Some("Bench plan".into()),
        deciding_date: None,
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let plan = store.create_plan(finance, plan, now).await?;
    let version = parse_version(&PlanVersionInput {
        effective_from: Some(from.to_string()),
        effective_until: None,
        rules: Some(vec![
            rule("Displays", Some(displays.id), "amount_percentage", 1_000),
            rule("Everything else", None, "margin_percentage", 400),
        ]),
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    store.add_plan_version(finance, plan.id, version, now).await?;
    let levels = store.list_levels(admin).await?;
    let gold = levels
        .iter()
        .find(|l| l.code == PartnerLevel::Gold)
        .context("no Gold level")?;
    let level = NewLevel {
        name: gold.name.clone(),
        rank: gold.rank,
        default_plan_id: Some(plan.id),
        lead_weight: gold.lead_weight,
    };
    store.update_level(admin, gold.id, level, now).await?;
    Ok(())
}

impl Program {
    async fn seed(store: &dyn Store, partners: usize, from: Date, now: Timestamp) -> anyhow::Result<Program> {
        let admin = user(store, "admin@bench.example".into(), Role::Admin, None, now).await?;
        let finance = user(store, "finance@bench.example".into(), Role::Finance, None, now).await?;
        let products = crate::demo::load_price_list(store, None, now).await?;
        let pick = |display: bool| {
            products
                .iter()
                .find(|p| (p.category == "displays") == display)
                .map(|p| (p.sku.clone(), p.id))
                .context("the price list has a display and another product")
        };
        let products = [pick(true)?, pick(false)?];
        plan(store, &admin, &finance, from, now).await?;
        let region = store.create_region(None, "Bench region", None, now).await?.id;
        let mut ids = Vec::with_capacity(partners);
        for p in 0..partners {
            let partner = NewPartner {
                name: format!("Commission Partner {p:04}"),
                level: PartnerLevel::Gold,
                activation_stage: ActivationStage::FullyOperational,
                region_id: region,
                reach: Default::default(),
            };
            ids.push(store.create_partner(None, partner, now).await?.id);
        }
        Ok(Program {
            admin,
            finance,
            partners: ids,
            products,
        })
    }

    /// `count` invoices, each with `per_invoice` lines of the two shapes in turn; paid in `paid_in`
    /// with what the real path earned on each shape (`earned`), or issued today and open.
    fn fixture(
        &self,
        count: usize,
        per_invoice: usize,
        earned: Option<&[(i64, Explanation); 2]>,
        paid_in: Vec<Date>,
        now: Timestamp,
    ) -> InvoiceFixture {
        let lines = (0..per_invoice)
            .map(|n| {
                let (amount_minor, cost_minor, _) = SHAPES[n % 2];
                FixtureInvoiceLine {
                    sku: self.products[n % 2].0.clone(),
                    product_id: Some(self.products[n % 2].1),
                    amount_minor,
                    cost_minor,
                    earned: earned.map(|e| e[n % 2].clone()),
                }
            })
            .collect();
        InvoiceFixture {
            prefix: if earned.is_some() { "PAID-" } else { "BENCH-" }.into(),
            count,
            partners: self.partners.clone(),
            created_by: self.finance.user_id,
            currency: Currency::parse("USD").unwrap_or_else(|_| unreachable!()),
            lines,
            created_at: now,
            issued_on: today(now),
            paid_in,
        }
    }
}

fn today(now: Timestamp) -> Date {
    now.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The first days of the twelve months before this one, oldest first.
fn past_months(now: Timestamp) -> Vec<Date> {
    let this = today(now).first_of_month();
    (1..=12)
        .rev()
        .map(|back| this.saturating_sub(jiff::Span::new().months(back)))
        .collect()
}

pub(super) async fn run(
    config: &CommissionConfig,
    opened: &Opened,
    dir: &std::path::Path,
) -> anyhow::Result<CommissionReport> {
    ensure!(
        config.invoices > 0 && config.partners > 0,
        "the benchmark needs invoices and partners"
    );
    ensure!(
        config.lines >= config.partners * 12 * LINES_PER_READ_INVOICE,
        "{} commission lines cannot give each of {} partners a paid invoice of {LINES_PER_READ_INVOICE} lines in each of 12 months",
        config.lines,
        config.partners
    );
    let store = opened.store();
    let now = Timestamp::now();
    let months = past_months(now);
    let program = Program::seed(store.as_ref(), config.partners, months[0], now).await?;
    let started = Instant::now();
    let invoices = opened
        .load_invoices(&program.fixture(config.invoices, 2, None, Vec::new(), now))
        .await?;
    let invoice_load = started.elapsed();
    let running = crate::server::start(
        "127.0.0.1:0".parse()?,
        store.clone(),
        Arc::new(web::SystemClock),
        Arc::new(FileMailer::new(dir.join("outbox"))),
        None,
        None,
        crate::server::Limits::default(),
    )
    .await?;
    let base = format!("http://{}/api/v1", running.addr);
    let http = reqwest::Client::new();
    let finance_token = token(store.as_ref(), &program.finance, now).await?;
    let payments = pay_all(&http, &base, &finance_token, invoices, today(now), config.concurrency).await;
    ensure!(
        payments.errors == 0 && payments.refused == 0,
        "{} payments failed and {} were refused",
        payments.errors,
        payments.refused
    );
    let (lines_written, orders_checked, earned) = check_earnings(store.as_ref(), &program, config.invoices).await?;
    let started = Instant::now();
    let read_invoices = config.lines / LINES_PER_READ_INVOICE;
    let fixture = program.fixture(
        read_invoices,
        LINES_PER_READ_INVOICE,
        Some(&earned),
        months.clone(),
        now,
    );
    opened.load_invoices(&fixture).await?;
    let lines_load = started.elapsed();
    let statements = commission_reads::check(store.as_ref(), &program.admin, &program.partners, &months).await?;
    let reads =
        commission_reads::measure_reads(&http, &base, &finance_token, &program, &months, statements, config).await;
    running.stop().await?;
    Ok(CommissionReport {
        database: opened.durability(dir).await?,
        partners: config.partners,
        invoices: config.invoices,
        invoice_load,
        payments,
        lines_written,
        orders_checked,
        lines_loaded: read_invoices * LINES_PER_READ_INVOICE,
        lines_load,
        reads,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// One full payment (10,200.00) per invoice, from `concurrency` finance clients.
async fn pay_all(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    invoices: Vec<i64>,
    paid_on: Date,
    concurrency: usize,
) -> Measurement {
    let (http, base, token) = (http.clone(), base.to_owned(), token.to_owned());
    let count = invoices.len();
    let total: i64 = SHAPES.iter().map(|s| s.0).sum();
    let make: MakeRequest = Arc::new(move |i| {
        http.post(format!("{base}/invoices/{}/payments", invoices[i]))
            .bearer_auth(&token)
            .json(&json!({"external_id": format!("BANK-{i}"), "amount_minor": total, "paid_on": paid_on.to_string()}))
    });
    run_clients(PAYMENT, 0, count, concurrency, make).await
}

/// Every order the payments made: its total is the sum of its lines, every line earned what its
/// shape earns, and there are two lines per invoice. Answers the lines, the orders, and each shape's
/// amount and explanation as the real path wrote them.
async fn check_earnings(
    store: &dyn Store,
    program: &Program,
    invoices: usize,
) -> anyhow::Result<(i64, usize, [(i64, Explanation); 2])> {
    let (admin, mut page, mut cursor) = (&program.admin, PageRequest::first(PageRequest::MAX_LIMIT), None);
    let (mut lines, mut orders, mut shapes) = (0i64, 0usize, [None, None]);
    loop {
        page.cursor = cursor;
        let listed = store
            .list_commission_orders(admin, CommissionOrderFilter::default(), page)
            .await?;
        for summary in &listed.items {
            let order = store.get_commission_order(admin, summary.id).await?;
            let sum: i64 = order.lines.iter().map(|l| l.amount.amount_minor).sum();
            ensure!(
                sum == order.total.amount_minor,
                "{}: total {} but lines {sum}",
                order.number,
                order.total
            );
            for line in &order.lines {
                let shape = usize::try_from(line.line_no - 1)?;
                ensure!(
                    line.amount.amount_minor == SHAPES[shape % 2].2,
                    "{} line {}: {}",
                    order.number,
                    line.id,
                    line.explanation
                );
                shapes[shape % 2].get_or_insert_with(|| (line.amount.amount_minor, line.explained.clone()));
            }
            lines += order.line_count;
            orders += 1;
        }
        cursor = listed.next_cursor.as_deref().map(str::parse).transpose()?;
        if cursor.is_none() {
            break;
        }
    }
    ensure!(
        lines == 2 * invoices as i64,
        "{invoices} paid invoices wrote {lines} commission lines, not {}",
        2 * invoices
    );
    let [Some(first), Some(second)] = shapes else {
        anyhow::bail!("no commission line of each shape was written");
    };
    Ok((lines, orders, [first, second]))
}

impl CommissionReport {
    pub fn markdown(&self) -> String {
        let head = "| operation | clients | requests | per second | p50 | p99 | refused (4xx) | errors |\n\
                    |---|---|---|---|---|---|---|---|\n";
        let row = |m: &Measurement| {
            format!(
                "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} | {} |\n",
                m.name,
                m.clients,
                m.count,
                m.per_second(),
                m.p50.as_secs_f64() * 1e3,
                m.p99.as_secs_f64() * 1e3,
                m.refused,
                m.errors
            )
        };
        let mut out = format!(
            "Commissions: {} partners at Gold under a plan of two rules; loaded {} issued invoices in {:.1} s. \
             Durability: {}.\n\nPayments, one per invoice, each writing its commission lines in its transaction:\n\n{head}",
            self.partners,
            self.invoices,
            self.invoice_load.as_secs_f64(),
            self.database,
        );
        out.push_str(&row(&self.payments));
        out.push_str(&format!(
            "\nChecked: {} commission lines written ({} per invoice); {} orders, each total the sum of its lines.\n",
            self.lines_written,
            self.lines_written / self.invoices as i64,
            self.orders_checked
        ));
        out.push_str(&format!(
            "\nReads over {} loaded commission lines ({} partners × 12 months, confirmed), loaded in {:.1} s:\n\n{head}",
            self.lines_loaded,
            self.partners,
            self.lines_load.as_secs_f64()
        ));
        self.reads.iter().for_each(|m| out.push_str(&row(m)));
        if let Some(kib) = self.peak_rss_kib {
            out.push_str(&format!("\nPeak RSS of the dealreg process: {} MiB.\n", kib / 1024));
        }
        out
    }
}
