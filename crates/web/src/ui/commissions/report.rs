//! `/commissions/report` (PRG-6): per partner, period, currency and plan rule — earned, clawed back,
//! draft and confirmed — with charts by month, partner and level, and the same as CSV. A partner sees
//! its own statements only (the store holds to it).

use crate::AppState;
use crate::routes::commissions::{ReportQuery, report_file};
use crate::routes::files::csv_file;
use crate::ui::access::Viewer;
use crate::ui::charts::{self, Stacked, Weeks};
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::url_encode;
use crate::ui::forms::{Choice, choices, sentence};
use crate::ui::reports::{Drawn, drawn};
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::calendar::business_date;
use domain::money::{Currency, minor_units};
use domain::{Money, commissions::CurrencyTotals};
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::BTreeMap;
use store::ReportRow;

pub fn routes() -> Pages {
    Pages::default()
        .get("/commissions/report", report)
        .get("/commissions/report.csv", report_csv)
}

/// A report row as the table shows it.
pub struct RowView {
    pub r: ReportRow,
    pub earned: Money,
    pub clawed_back: Money,
    pub draft: Money,
    pub confirmed: Money,
}

fn view(r: ReportRow) -> RowView {
    let money = |amount_minor| Money {
        amount_minor,
        currency: r.currency,
    };
    RowView {
        earned: money(r.earned_minor),
        clawed_back: money(r.clawed_back_minor),
        draft: money(r.draft_minor),
        confirmed: money(r.confirmed_minor),
        r,
    }
}

struct ReportCharts {
    months: Drawn,
    months_legend: String,
    partners: Drawn,
    levels: Drawn,
}

#[derive(Template)]
#[template(path = "commissions/report.html")]
struct ReportPage {
    chrome: Chrome,
    rows: Vec<RowView>,
    totals: Vec<(Money, Money)>,
    partners: Vec<Choice>,
    from: String,
    to: String,
    query: String,
    staff: bool,
    charts: ReportCharts,
    chart_currency: Currency,
    other_currencies: bool,
    errors: Vec<String>,
}

/// The months of the charts, oldest first: from the earliest with commission (at most a year back)
/// to the current one, and at least the last six, so a young program's chart is not half empty.
fn months(today: Date, rows: &[ReportRow]) -> Vec<Date> {
    let this = today.first_of_month();
    let earliest = rows
        .iter()
        .map(|r| r.period_start.first_of_month())
        .min()
        .unwrap_or(this);
    let from = earliest.min(this.saturating_sub(5.months()));
    (0..12i64)
        .rev()
        .map(|back| this.saturating_sub(back.months()))
        .filter(|m| *m >= from)
        .collect()
}

/// Whole units of `currency` (charts count units, not cents).
fn units(minor: i64, currency: Currency) -> i64 {
    minor / 10i64.pow(minor_units(currency))
}

/// Rows of one label summed in the chart's currency, largest first.
fn bars(rows: &[ReportRow], currency: Currency, label: impl Fn(&ReportRow) -> String) -> Vec<(String, i64, String)> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.currency == currency) {
        *sums.entry(label(r)).or_default() += r.earned_minor + r.clawed_back_minor;
    }
    let mut bars: Vec<(String, i64, String)> = sums
        .into_iter()
        .map(|(name, minor)| {
            let shown = Money {
                amount_minor: minor,
                currency,
            }
            .to_string();
            (name, minor, shown)
        })
        .collect();
    bars.sort_by_key(|b| std::cmp::Reverse(b.1));
    bars.truncate(15);
    bars
}

fn draw(rows: &[ReportRow], currency: Currency, today: Date) -> ReportCharts {
    let slots = months(today, rows);
    let per_month = |f: &dyn Fn(&ReportRow) -> i64| -> Vec<i64> {
        slots
            .iter()
            .map(|m| {
                let minor: i64 = rows
                    .iter()
                    .filter(|r| r.currency == currency && r.period_start.first_of_month() == *m)
                    .map(f)
                    .sum();
                units(minor, currency)
            })
            .collect()
    };
    let series = vec![
        ("Earned".to_owned(), per_month(&|r| r.earned_minor)),
        ("Clawed back".to_owned(), per_month(&|r| -r.clawed_back_minor)),
    ];
    let legend = charts::legend(&series.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let axis = Weeks {
        short: slots.iter().map(|m| m.strftime("%b").to_string()).collect(),
        long: slots.iter().map(|m| m.strftime("%B %Y").to_string()).collect(),
        last_is_partial: true,
        caption: "Month of the payout period",
    };
    let unit = format!("Commission, {currency}");
    let chart = Stacked {
        title: "Commission earned and clawed back per month",
        unit: &unit,
        weeks: &axis,
        series,
    };
    let net = format!("Net commission, {currency}");
    let by_partner = bars(rows, currency, |r| r.partner_name.clone());
    let by_level = bars(rows, currency, |r| r.level.label().into_owned());
    ReportCharts {
        months: drawn(|f| charts::stacked_bars(&chart, f)),
        months_legend: legend,
        partners: drawn(|f| charts::horizontal_bars("Net commission by partner (top 15)", &net, &by_partner, f)),
        levels: drawn(|f| charts::horizontal_bars("Net commission by level", &net, &by_level, f)),
    }
}

async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    // A filter that does not read is named above the report, which then shows everything.
    let (filter, errors) = match q.filter() {
        Ok(filter) => (filter, Vec::new()),
        Err(e) => (store::ReportFilter::default(), filter_errors(&e)),
    };
    let rows = state.store.commission_report(&actor, filter).await?;
    let staff = actor.is_staff();
    let partners = if staff {
        let all = all_pages(|page| state.store.list_partners(&actor, page)).await?;
        let chosen = q.partner_id.clone().unwrap_or_default();
        choices(all.into_iter().map(|p| (p.id.to_string(), p.name)), &chosen)
    } else {
        Vec::new()
    };
    let chart_currency = settings.currency;
    let mut earned = CurrencyTotals::default();
    let mut clawed = CurrencyTotals::default();
    for r in &rows {
        earned.add(Money {
            amount_minor: r.earned_minor,
            currency: r.currency,
        });
        clawed.add(Money {
            amount_minor: r.clawed_back_minor,
            currency: r.currency,
        });
    }
    let totals = earned
        .iter()
        .map(|e| {
            (
                e,
                Money {
                    amount_minor: clawed.get(e.currency),
                    currency: e.currency,
                },
            )
        })
        .collect();
    let typed = |v: &Option<String>| url_encode(v.as_deref().unwrap_or_default());
    let query = format!(
        "partner_id={}&from={}&to={}",
        typed(&q.partner_id),
        typed(&q.from),
        typed(&q.to)
    );
    let page = ReportPage {
        chrome: viewer.chrome.titled("Commission report"),
        charts: draw(&rows, chart_currency, today),
        other_currencies: rows.iter().any(|r| r.currency != chart_currency),
        rows: rows.into_iter().map(view).collect(),
        totals,
        partners,
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        query,
        staff,
        chart_currency,
        errors,
    };
    render(&page)
}

/// What a filter that did not read says, field by field, in a person's words.
fn filter_errors(e: &crate::error::ApiError) -> Vec<String> {
    e.0.errors
        .iter()
        .map(|f| {
            let field = match f.field.as_str() {
                "from" => "From",
                "to" => "To",
                _ => "Partner",
            };
            format!("{field}: {}", sentence(&f.message))
        })
        .collect()
}

async fn report_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Result<Response, UiError> {
    let filter = q.filter().map_err(|e| {
        UiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            filter_errors(&e).join(" "),
        )
    })?;
    let rows = state.store.commission_report(&viewer.actor(), filter).await?;
    Ok(csv_file("commission-report.csv", report_file(&rows)))
}
