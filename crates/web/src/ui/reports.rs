//! Charts of the registrations, and CSV exports of the lists with the same filters as the pages.

use crate::AppState;
use crate::routes::files::csv_file;
use crate::ui::access::Viewer;
use crate::ui::charts::{self, Stacked};
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::Money;
use domain::directory::files::{format_minor, write_csv};
use domain::orders::OrderStatus;
use domain::registrations::Status;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::{OrderFilter, PipelineValue, RegistrationFilter, RegistrationSummary, WeekCount, WeekValue, files};

pub fn routes() -> Pages {
    Pages::default()
        .get("/reports", reports)
        .get("/registrations.csv", registrations_csv)
        .get("/orders.csv", orders_csv)
        .get("/products.csv", products_csv)
        .get("/admin/partners.csv", partners_csv)
}

/// Weeks the dashboards look back.
const REPORT_WEEKS: i64 = 26;

#[derive(Template)]
#[template(path = "reports/charts.html")]
struct ReportsPage {
    chrome: Chrome,
    filed: String,
    filed_legend: String,
    decision: String,
    approval: String,
    approval_legend: String,
    approval_rate: Option<String>,
    pipeline_regions: String,
    pipeline_partners: String,
}

async fn reports(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let now = state.clock.now();
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * 7 * REPORT_WEEKS))
        .map_err(UiError::internal)?;
    let report = state.store.report(&viewer.actor(), since).await?;
    let weeks = weeks_between(since, now);
    let labels = week_labels(&weeks);
    let series = filed_by_status(&weeks, &report.filed);
    let filed_legend = charts::legend(&series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let filed = charts::stacked_bars(&Stacked {
        title: "Registrations filed per week, by status now",
        categories: labels.clone(),
        series,
    });
    // Hours to a decision exist only for weeks with decisions: no decision is not zero hours.
    let decided_weeks: Vec<String> = report
        .decision_minutes
        .iter()
        .map(|v| v.week_start.to_string())
        .collect();
    let hours: Vec<i64> = report.decision_minutes.iter().map(|v| (v.value + 30) / 60).collect();
    let decision = charts::line(
        "Hours from filing to decision, per week of filing",
        &decided_weeks,
        &hours,
        "h",
    );
    let approved = per_week(&weeks, &report.approved);
    let declined = per_week(&weeks, &report.declined);
    let (yes, no) = (approved.iter().sum::<i64>(), declined.iter().sum::<i64>());
    let approval_rate = (yes + no > 0).then(|| format!("{:.0}%", 100.0 * yes as f64 / (yes + no) as f64));
    let approval_series = vec![
        (Status::Approved.label().into_owned(), approved),
        (Status::Declined.label().into_owned(), declined),
    ];
    let approval_legend = charts::legend(&approval_series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let approval = charts::stacked_bars(&Stacked {
        title: "Decisions per week of filing",
        categories: labels,
        series: approval_series,
    });
    let regions = pipeline_by_region(&report.pipeline);
    let partners: Vec<(String, i64, String)> = report
        .pipeline
        .iter()
        .take(15)
        .map(|p| (p.partner.clone(), p.value.amount_minor, p.value.to_string()))
        .collect();
    render(&ReportsPage {
        chrome: viewer.chrome.titled("Dashboards"),
        filed,
        filed_legend,
        decision,
        approval,
        approval_legend,
        approval_rate,
        pipeline_regions: charts::horizontal_bars("Pipeline (submitted and approved) by region", &regions),
        pipeline_partners: charts::horizontal_bars("Pipeline by partner (top 15)", &partners),
    })
}

/// Every week (its Monday, as the store buckets them) from the one holding `since` to the one holding
/// `now`: a week without registrations is a week of zeros, not a week left out.
fn weeks_between(since: Timestamp, now: Timestamp) -> Vec<Date> {
    let monday = |t: Timestamp| {
        let day = t.to_zoned(TimeZone::UTC).date();
        day.saturating_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
    };
    let (first, last) = (monday(since), monday(now));
    std::iter::successors(Some(first), |w| Some(w.saturating_add(7.days())))
        .take_while(|w| *w <= last)
        .collect()
}

/// The weeks as the charts name them; the current one is marked as not over yet.
fn week_labels(weeks: &[Date]) -> Vec<String> {
    let last = weeks.len().saturating_sub(1);
    weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("{w} (so far)")
            } else {
                w.to_string()
            }
        })
        .collect()
}

fn per_week(weeks: &[Date], values: &[WeekValue]) -> Vec<i64> {
    weeks
        .iter()
        .map(|w| values.iter().find(|v| v.week_start == *w).map_or(0, |v| v.value))
        .collect()
}

/// Per status (as it is now, by its label) the registrations filed each week.
fn filed_by_status(weeks: &[Date], filed: &[WeekCount]) -> Vec<(String, Vec<i64>)> {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| filed.iter().any(|f| f.status == *s))
        .map(|status| {
            let values = weeks
                .iter()
                .map(|w| {
                    filed
                        .iter()
                        .find(|f| f.week_start == *w && f.status == status)
                        .map_or(0, |f| f.count)
                })
                .collect();
            (status.label().into_owned(), values)
        })
        .collect()
}

/// (region, minor units, label) of the pipeline, largest first.
fn pipeline_by_region(pipeline: &[PipelineValue]) -> Vec<(String, i64, String)> {
    let mut by_region: BTreeMap<String, Money> = BTreeMap::new();
    for p in pipeline {
        let entry = by_region.entry(p.region.clone()).or_insert(Money {
            amount_minor: 0,
            currency: p.value.currency,
        });
        entry.amount_minor += p.value.amount_minor;
    }
    // Read as every amount is: grouped thousands and the currency.
    let mut regions: Vec<(String, i64, String)> = by_region
        .into_iter()
        .map(|(region, total)| (region, total.amount_minor, total.to_string()))
        .collect();
    regions.sort_by_key(|r| -r.1);
    regions
}

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

const REGISTRATION_COLUMNS: &[&str] = &[
    "id",
    "partner",
    "customer",
    "contact_name",
    "contact_email",
    "contact_phone",
    "status",
    "sor_number",
    "valid_through",
    "estimated_value",
    "currency",
    "expected_close",
    "submitted_at",
    "possible_conflict",
];

fn registration_row(r: &RegistrationSummary) -> Vec<String> {
    let contact = r.customer_contact.as_ref();
    vec![
        r.id.to_string(),
        r.partner_name.clone(),
        r.customer_name.clone(),
        contact.map(|c| c.name.clone()).unwrap_or_default(),
        contact
            .and_then(|c| c.email.as_ref())
            .map(|e| e.to_string())
            .unwrap_or_default(),
        contact.and_then(|c| c.phone.clone()).unwrap_or_default(),
        r.status.to_string(),
        r.sor_number.clone().unwrap_or_default(),
        r.valid_through.map(|d| d.to_string()).unwrap_or_default(),
        format_minor(r.estimated_value.amount_minor),
        r.estimated_value.currency.to_string(),
        r.expected_close_date.to_string(),
        r.submitted_at.to_string(),
        r.possible_conflict.to_string(),
    ]
}

async fn registrations_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StatusQuery>,
) -> Result<Response, UiError> {
    let filter = RegistrationFilter {
        status: q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| Status::parse(s).ok()),
        ..RegistrationFilter::default()
    };
    let actor = viewer.actor();
    let rows = all_pages(|page| state.store.list_registrations(&actor, filter.clone(), page)).await?;
    let text = write_csv(REGISTRATION_COLUMNS, rows.iter().map(registration_row));
    Ok(csv_file("registrations.csv", text))
}

async fn orders_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StatusQuery>,
) -> Result<Response, UiError> {
    let filter = OrderFilter {
        status: q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| OrderStatus::parse(s).ok()),
        ..OrderFilter::default()
    };
    let actor = viewer.actor();
    let orders = all_pages(|page| state.store.list_orders(&actor, filter.clone(), page)).await?;
    Ok(csv_file("orders.csv", files::orders_csv(&orders)))
}

async fn products_csv(State(state): State<AppState>, _viewer: Viewer) -> Result<Response, UiError> {
    Ok(csv_file(
        "price-list.csv",
        files::price_list_csv(&state.store.export_products().await?),
    ))
}

async fn partners_csv(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let partners = state.store.export_partners(Some(&viewer.actor())).await?;
    Ok(csv_file("partners.csv", files::partners_csv(&partners)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_week_is_on_the_chart_and_the_current_one_is_marked() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let weeks = weeks_between(t("2026-11-04T10:00:00Z"), t("2026-11-25T10:00:00Z"));
        let days: Vec<String> = weeks.iter().map(ToString::to_string).collect();
        assert_eq!(days, ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]);
        let filed = [WeekCount {
            week_start: "2026-11-16".parse().unwrap(),
            status: Status::Submitted,
            count: 3,
        }];
        assert_eq!(
            filed_by_status(&weeks, &filed),
            vec![("Submitted".to_owned(), vec![0, 0, 3, 0])]
        );
        assert_eq!(
            week_labels(&weeks).last().map(String::as_str),
            Some("2026-11-23 (so far)")
        );
    }
}
