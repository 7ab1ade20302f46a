//! The reads of the commissions benchmark over the loaded lines: each checked once through the
//! store, then timed through the JSON API.

use super::commissions::{CommissionConfig, Program, READS};
use super::measure::{MakeRequest, Measurement, measure};
use anyhow::ensure;
use domain::Actor;
use domain::commissions::PoState;
use jiff::civil::Date;
use std::sync::Arc;
use store::{CommissionOrderFilter, PageRequest, ReportFilter, Store};

/// Partners whose statements are timed, in turn.
const STATEMENT_PARTNERS: usize = 10;

/// Each of the first partners has one confirmed order per loaded month, whose total is the sum of
/// its lines; the month's report has a row per partner and rule, a partner's year one per month and
/// rule. Answers those orders' ids, for the statements to time.
pub(super) async fn check(
    store: &dyn Store,
    admin: &Actor,
    partners: &[i64],
    months: &[Date],
) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    for &partner in partners.iter().take(STATEMENT_PARTNERS) {
        let filter = CommissionOrderFilter {
            partner_id: Some(partner),
            state: Some(PoState::Confirmed),
        };
        let orders = store
            .list_commission_orders(admin, filter, PageRequest::first(50))
            .await?;
        ensure!(
            orders.items.len() == months.len(),
            "partner {partner} has {} confirmed orders, not one per month",
            orders.items.len()
        );
        ids.extend(orders.items.iter().map(|o| o.id));
    }
    let statement = store.get_commission_order(admin, ids[0]).await?;
    let sum: i64 = statement.lines.iter().map(|l| l.amount.amount_minor).sum();
    ensure!(
        statement.lines.len() as i64 == statement.line_count && sum == statement.total.amount_minor,
        "{}: {} lines of {} summing to {sum}, total {}",
        statement.number,
        statement.lines.len(),
        statement.line_count,
        statement.total
    );
    let month = month_report(months, 0);
    let rows = store.commission_report(admin, month).await?;
    ensure!(
        rows.len() == 2 * partners.len(),
        "{} rows in a month's report",
        rows.len()
    );
    let rows = store.commission_report(admin, year_report(partners, months, 0)).await?;
    ensure!(
        rows.len() == 2 * months.len(),
        "{} rows in a partner's year",
        rows.len()
    );
    Ok(ids)
}

fn month_report(months: &[Date], i: usize) -> ReportFilter {
    let month = months[i % months.len()];
    ReportFilter {
        partner_id: None,
        from: Some(month),
        to: Some(month),
    }
}

fn year_report(partners: &[i64], months: &[Date], i: usize) -> ReportFilter {
    ReportFilter {
        partner_id: Some(partners[i % partners.len()]),
        from: months.first().copied(),
        to: months.last().copied(),
    }
}

/// The query string of a report filter.
fn query(filter: &ReportFilter) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(partner) = filter.partner_id {
        query.push(("partner_id", partner.to_string()));
    }
    query.extend(filter.from.map(|d| ("from", d.to_string())));
    query.extend(filter.to.map(|d| ("to", d.to_string())));
    query
}

/// Each read `config.reads` times from one client, then from `config.concurrency`, as finance.
pub(super) async fn measure_reads(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    program: &Program,
    months: &[Date],
    statements: Vec<i64>,
    config: &CommissionConfig,
) -> Vec<Measurement> {
    let get = {
        let (http, base, token) = (http.clone(), base.to_owned(), token.to_owned());
        Arc::new(move |path: String, query: Vec<(&'static str, String)>| {
            http.get(format!("{base}{path}")).query(&query).bearer_auth(&token)
        })
    };
    let (partners, months) = (Arc::new(program.partners.clone()), Arc::new(months.to_vec()));
    let mut makers: Vec<MakeRequest> = Vec::new();
    let g = get.clone();
    makers.push(Arc::new(move |i| {
        g(
            format!("/commission-orders/{}", statements[i % statements.len()]),
            Vec::new(),
        )
    }));
    let (g, p) = (get.clone(), partners.clone());
    makers.push(Arc::new(move |i| {
        let partner = p[i % p.len()].to_string();
        g(
            "/commission-orders".into(),
            vec![("partner_id", partner), ("limit", "50".into())],
        )
    }));
    let (g, m) = (get.clone(), months.clone());
    makers.push(Arc::new(move |i| {
        g("/commission-report".into(), query(&month_report(&m, i)))
    }));
    let g = get.clone();
    makers.push(Arc::new(move |i| {
        g("/commission-report".into(), query(&year_report(&partners, &months, i)))
    }));
    let mut measurements = Vec::new();
    for (name, make) in READS.into_iter().zip(makers) {
        measurements.extend(measure(name, config.reads, config.concurrency, make).await);
    }
    measurements
}
