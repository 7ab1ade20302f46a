//! Charts of the registrations, and CSV exports of the lists with the same filters as the pages.

use crate::AppState;
use crate::routes::files::csv_file;
use crate::ui::access::Viewer;
use crate::ui::charts::{self, Stacked, Weeks};
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, choices};
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
use store::{
    OrderFilter, PipelineValue, RegistrationFilter, RegistrationSummary, Report, ReportScope, WeekCount, WeekValue,
    files,
};

pub fn routes() -> Pages {
    Pages::default()
        .get("/reports", reports)
        .get("/registrations.csv", registrations_csv)
        .get("/orders.csv", orders_csv)
        .get("/products.csv", products_csv)
        .get("/admin/partners.csv", partners_csv)
}

/// The periods the charts offer, in weeks, and the one shown first.
const PERIODS: [i64; 4] = [8, 13, 26, 52];
const DEFAULT_WEEKS: i64 = 26;

/// A chart drawn for screens and for phones; the page's style shows one of them.
pub struct Drawn {
    pub wide: String,
    pub narrow: String,
}

pub(crate) fn drawn(draw: impl Fn(charts::Frame) -> String) -> Drawn {
    Drawn {
        wide: draw(charts::WIDE),
        narrow: draw(charts::NARROW),
    }
}

#[derive(Template)]
#[template(path = "reports/charts.html")]
struct ReportsPage {
    chrome: Chrome,
    weeks: i64,
    periods: Vec<Choice>,
    regions: Vec<Choice>,
    /// Empty for a partner, who sees its own figures only.
    partners: Vec<Choice>,
    charts: Charts,
}

/// Every chart of a report, over the same weeks.
struct Charts {
    filed: Drawn,
    filed_legend: String,
    decision: Drawn,
    approval: Drawn,
    approval_legend: String,
    approval_rate: Option<String>,
    pipeline_regions: Drawn,
    pipeline_partners: Drawn,
}

#[derive(Deserialize)]
struct ChartQuery {
    #[serde(default)]
    weeks: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    partner: String,
}

async fn reports(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ChartQuery>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let now = state.clock.now();
    let weeks_back = q
        .weeks
        .parse()
        .ok()
        .filter(|w| PERIODS.contains(w))
        .unwrap_or(DEFAULT_WEEKS);
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * 7 * (weeks_back - 1)))
        .map_err(UiError::internal)?;
    // Staff narrow by region and partner; a partner's figures are its own (the store holds to it).
    let staff = !actor.role.is_partner();
    let regions = if staff {
        state.store.list_regions().await?
    } else {
        Vec::new()
    };
    let partners = if staff {
        all_pages(|page| state.store.list_partners(&actor, page)).await?
    } else {
        Vec::new()
    };
    let region_id = q.region.parse().ok().filter(|id| regions.iter().any(|r| r.id == *id));
    let partner_id = q.partner.parse().ok().filter(|id| partners.iter().any(|p| p.id == *id));
    let scope = ReportScope {
        since: weeks_between(since, now)
            .first()
            .map_or(since, |monday| start_of(*monday)),
        region_id,
        partner_id,
    };
    let report = state.store.report(&actor, &scope).await?;
    let chosen = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
    let page = ReportsPage {
        chrome: viewer.chrome.titled("Dashboards"),
        weeks: weeks_back,
        periods: choices(
            PERIODS.iter().map(|w| (w.to_string(), format!("Last {w} weeks"))),
            &weeks_back.to_string(),
        ),
        regions: choices(
            regions.into_iter().map(|r| (r.id.to_string(), r.name)),
            &chosen(region_id),
        ),
        partners: choices(
            partners.into_iter().map(|p| (p.id.to_string(), p.name)),
            &chosen(partner_id),
        ),
        charts: draw_report(&report, &weeks_between(since, now)),
    };
    render(&page)
}

/// Midnight UTC at the start of `day`, as the store buckets weeks.
fn start_of(day: Date) -> Timestamp {
    day.to_zoned(TimeZone::UTC)
        .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
}

/// Every chart of a report over `weeks`, the same weeks on each.
fn draw_report(report: &Report, weeks: &[Date]) -> Charts {
    let axis = week_axis(weeks);
    let series = filed_by_status(weeks, &report.filed);
    let filed_legend = charts::legend(&series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let filed = Stacked {
        title: "Registrations filed per week, by status now",
        unit: "Registrations",
        weeks: &axis,
        series,
    };
    // Days to a decision exist only for weeks with decisions: no decision is not zero days.
    let days: Vec<Option<f64>> = weeks
        .iter()
        .map(|w| {
            let found = report.decision_minutes.iter().find(|v| v.week_start == *w);
            found.map(|v| v.value as f64 / (24.0 * 60.0))
        })
        .collect();
    let approved = per_week(weeks, &report.approved);
    let declined = per_week(weeks, &report.declined);
    let (yes, no) = (approved.iter().sum::<i64>(), declined.iter().sum::<i64>());
    let approval_rate = (yes + no > 0).then(|| format!("{:.0}%", 100.0 * yes as f64 / (yes + no) as f64));
    let approval_series = vec![
        (Status::Approved.label().into_owned(), approved),
        (Status::Declined.label().into_owned(), declined),
    ];
    let approval_legend = charts::legend(&approval_series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let approval = Stacked {
        title: "Decisions per week of filing",
        unit: "Registrations decided",
        weeks: &axis,
        series: approval_series,
    };
    let regions = pipeline_by_region(&report.pipeline);
    let partners: Vec<(String, i64, String)> = report
        .pipeline
        .iter()
        .take(15)
        .map(|p| (p.partner.clone(), p.value.amount_minor, p.value.to_string()))
        .collect();
    let value = "Estimated value of submitted and approved registrations";
    Charts {
        filed: drawn(|f| charts::stacked_bars(&filed, f)),
        filed_legend,
        decision: drawn(|f| {
            charts::line(
                "Days from filing to decision, per week of filing",
                "Days",
                &axis,
                &days,
                f,
            )
        }),
        approval: drawn(|f| charts::stacked_bars(&approval, f)),
        approval_legend,
        approval_rate,
        pipeline_regions: drawn(|f| {
            charts::horizontal_bars("Pipeline (submitted and approved) by region", value, &regions, f)
        }),
        pipeline_partners: drawn(|f| charts::horizontal_bars("Pipeline by partner (top 15)", value, &partners, f)),
    }
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

/// The weeks as the charts name them ("16 Nov" on the axis, the date in tooltips); the current
/// one is still going on.
fn week_axis(weeks: &[Date]) -> Weeks {
    let last = weeks.len().saturating_sub(1);
    Weeks {
        short: weeks.iter().map(|w| w.strftime("%-d %b").to_string()).collect(),
        long: weeks
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("Week of {w} (so far)")
                } else {
                    format!("Week of {w}")
                }
            })
            .collect(),
        last_is_partial: !weeks.is_empty(),
        caption: "Week of filing",
    }
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
        let axis = week_axis(&weeks);
        assert_eq!(axis.short.first().map(String::as_str), Some("2 Nov"));
        assert_eq!(
            axis.long.last().map(String::as_str),
            Some("Week of 2026-11-23 (so far)")
        );
        assert!(axis.last_is_partial);
    }
}
