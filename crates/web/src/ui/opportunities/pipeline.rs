//! The pipeline: for staff a board by stage (each column with its count and forecast total) or a list,
//! filtered by stage, status, manager, partner, region and close dates, with the forecast by month of
//! close; for a partner its own opportunities. The CSV export takes the same filter.

use super::{ending_in, party_choices, party_label};
use crate::AppState;
use crate::routes::files::csv_file;
use crate::routes::opportunities::OpportunityQuery;
use crate::ui::access::Viewer;
use crate::ui::charts::{self, Stacked, Weeks};
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::day;
use crate::ui::forms::{Choice, choices, query_text, sentence};
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::reports::Drawn;
use crate::ui::{Pages, all_pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::Money;
use domain::calendar::business_date;
use domain::opportunities::Status;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use store::{MonthTotal, Opportunity, OpportunityFilter, PageRequest, StageTotal, files};

pub fn routes() -> Pages {
    Pages::default()
        .get("/opportunities", pipeline)
        .get("/opportunities.csv", export)
}

#[derive(Deserialize)]
struct PipelineQuery {
    #[serde(default)]
    view: String,
    #[serde(flatten)]
    filter: OpportunityQuery,
    #[serde(flatten)]
    page: PageQuery,
}

/// An opportunity as a card or a row shows it.
pub struct Card {
    pub o: Opportunity,
    pub manager: String,
    pub close: String,
    /// Days left of the rights when they end within the reminder window.
    pub ending_in: Option<i32>,
}

/// A column of the board: a stage with its count, forecast and cards.
pub struct Column {
    pub stage: String,
    pub count: i64,
    pub forecast: String,
    pub cards: Vec<Card>,
    /// Open ones of the stage beyond the cards shown: the list has them.
    pub more: i64,
    /// The stage as a link's query carries it.
    pub stage_query: String,
}

/// Cards a column shows at most, so that a crowded first stage does not make the board a scroll.
const CARDS_PER_COLUMN: usize = 8;

#[derive(Template)]
#[template(path = "opportunities/pipeline.html")]
struct PipelinePage {
    chrome: Chrome,
    staff: bool,
    /// Sales management: re-assignment in bulk.
    reassigns: bool,
    board: bool,
    columns: Vec<Column>,
    rows: Vec<Card>,
    totals: String,
    chart: Option<Drawn>,
    query: String,
    q: OpportunityQuery,
    choices: FilterChoices,
    problems: Vec<String>,
    pager: Pager,
    /// Whether "Open an opportunity" is offered, or why not.
    opens: Result<(), String>,
    shown_on_board: usize,
}

/// The filter as the page's links carry it.
fn query_string(q: &OpportunityQuery) -> Vec<(&'static str, String)> {
    [
        ("status", &q.status),
        ("stage", &q.stage),
        ("manager_user_id", &q.manager_user_id),
        ("partner_id", &q.partner_id),
        ("region_id", &q.region_id),
        ("close_from", &q.close_from),
        ("close_to", &q.close_to),
    ]
    .into_iter()
    .map(|(k, v)| (k, query_text(v)))
    .collect()
}

fn card(o: Opportunity, today: Date, window: u32) -> Card {
    Card {
        manager: party_label(&o.manager),
        close: day(o.close_date),
        ending_in: ending_in(o.status, o.rights_through, today, window),
        o,
    }
}

/// Forecast totals per currency, "1,200,000.00 USD · 30,000.00 EUR".
fn total_of<'a>(amounts: impl Iterator<Item = &'a Money>) -> String {
    let mut sums: Vec<Money> = Vec::new();
    for m in amounts {
        match sums.iter_mut().find(|s| s.currency == m.currency) {
            Some(s) => s.amount_minor = s.amount_minor.saturating_add(m.amount_minor),
            None => sums.push(*m),
        }
    }
    if sums.is_empty() {
        return "—".to_owned();
    }
    sums.iter().map(ToString::to_string).collect::<Vec<_>>().join(" · ")
}

/// The board's columns: the program's stages in order, each with its totals and cards.
fn columns(stages: &[String], by_stage: &[StageTotal], cards: Vec<Card>) -> Vec<Column> {
    let mut columns: Vec<Column> = stages
        .iter()
        .map(|stage| {
            let totals: Vec<&StageTotal> = by_stage.iter().filter(|t| &t.stage == stage).collect();
            Column {
                stage: stage.clone(),
                count: totals.iter().map(|t| t.count).sum(),
                forecast: total_of(totals.iter().map(|t| &t.forecast)),
                cards: Vec::new(),
                more: 0,
                stage_query: crate::ui::format::url_encode(stage),
            }
        })
        .collect();
    for card in cards {
        if let Some(column) = columns
            .iter_mut()
            .find(|c| c.stage == card.o.stage && c.cards.len() < CARDS_PER_COLUMN)
        {
            column.cards.push(card);
        }
    }
    for column in &mut columns {
        column.more = column.count - column.cards.len() as i64;
    }
    columns
}

/// Every month from the first to the last with a forecast, empty ones at zero, in `currency`.
fn months(by_month: &[MonthTotal], currency: &str) -> Vec<(Date, i64)> {
    let parse = |m: &str| format!("{m}-01").parse::<Date>().ok();
    let of: Vec<(Date, i64)> = by_month
        .iter()
        .filter(|m| m.forecast.currency.to_string() == currency)
        .filter_map(|m| Some((parse(&m.month)?, m.forecast.amount_minor)))
        .collect();
    let (Some(first), Some(last)) = (of.iter().map(|m| m.0).min(), of.iter().map(|m| m.0).max()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut month = first;
    while month <= last && out.len() < 120 {
        let sum = of.iter().filter(|m| m.0 == month).map(|m| m.1).sum();
        out.push((month, sum));
        month = month.saturating_add(1.month());
    }
    out
}

/// The forecast by month of close, as bars (ROE-3 makes the close date the rights' anchor).
fn forecast_chart(by_month: &[MonthTotal], currency: &str) -> Drawn {
    let months = months(by_month, currency);
    let axis = Weeks {
        short: months.iter().map(|(m, _)| m.strftime("%b %Y").to_string()).collect(),
        long: months.iter().map(|(m, _)| m.strftime("%B %Y").to_string()).collect(),
        last_is_partial: false,
        caption: "Month of forecast close",
    };
    let unit = format!("Forecast, {currency}");
    let chart = Stacked {
        title: "Open forecast by month of close",
        unit: &unit,
        weeks: &axis,
        series: vec![(
            "Forecast".to_owned(),
            months.iter().map(|(_, minor)| minor / 100).collect(),
        )],
    };
    Drawn {
        wide: charts::stacked_bars(&chart, charts::WIDE),
        narrow: charts::stacked_bars(&chart, charts::NARROW),
    }
}

/// What the pipeline shows: the board's columns, or a page of the list with its pager.
struct Shown {
    columns: Vec<Column>,
    rows: Vec<Card>,
    pager: Pager,
    on_board: usize,
}

async fn listing(
    state: &AppState,
    actor: &domain::Actor,
    q: &PipelineQuery,
    filter: OpportunityFilter,
    board: bool,
    today: Date,
    settings: &domain::settings::ProgramSettings,
) -> Result<Shown, UiError> {
    let window = settings.rights_reminder_days;
    Ok(if board {
        let open = OpportunityFilter {
            status: Some(Status::Open),
            ..filter.clone()
        };
        let listed = state
            .store
            .list_opportunities(actor, open.clone(), PageRequest::first(PageRequest::MAX_LIMIT))
            .await?;
        let totals = state.store.pipeline_totals(actor, open).await?;
        let shown = listed.items.len();
        let cards = listed.items.into_iter().map(|o| card(o, today, window)).collect();
        let pager = Pager { prev: None, next: None };
        Shown {
            columns: columns(&settings.pipeline_stages, &totals.by_stage, cards),
            rows: Vec::new(),
            pager,
            on_board: shown,
        }
    } else {
        let listed = state
            .store
            .list_opportunities(actor, filter.clone(), q.page.request())
            .await?;
        let mut filters = query_string(&q.filter);
        filters.push(("view", "list".to_owned()));
        let borrowed: Vec<(&str, &str)> = filters.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let pager = Pager::new("/opportunities", &borrowed, &listed, false);
        let rows = listed.items.into_iter().map(|o| card(o, today, window)).collect();
        Shown {
            columns: Vec::new(),
            rows,
            pager,
            on_board: 0,
        }
    })
}

/// The options of the pipeline's filters (staff only).
struct FilterChoices {
    stages: Vec<Choice>,
    statuses: Vec<Choice>,
    managers: Vec<Choice>,
    partners: Vec<Choice>,
    regions: Vec<Choice>,
}

impl FilterChoices {
    async fn of(
        state: &AppState,
        actor: &domain::Actor,
        q: &OpportunityQuery,
        stages: &[String],
    ) -> Result<FilterChoices, UiError> {
        let mut out = FilterChoices {
            stages: choices(stages.iter().map(|s| (s.clone(), s.clone())), &query_text(&q.stage)),
            statuses: choices(
                Status::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
                &query_text(&q.status),
            ),
            managers: Vec::new(),
            partners: Vec::new(),
            regions: Vec::new(),
        };
        if !actor.is_staff() {
            return Ok(out);
        }
        out.managers = party_choices(state, actor, "")
            .await?
            .into_iter()
            .filter_map(|c| {
                let id = c.value.strip_prefix("user:")?.to_owned();
                Some(Choice {
                    selected: id == query_text(&q.manager_user_id),
                    value: id,
                    label: c.label,
                })
            })
            .collect();
        out.partners = super::partner_choices(state, actor, &query_text(&q.partner_id)).await?;
        let regions = state.store.list_regions().await?;
        out.regions = choices(
            regions.into_iter().map(|r| (r.id.to_string(), r.name)),
            &query_text(&q.region_id),
        );
        Ok(out)
    }
}

async fn pipeline(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PipelineQuery>,
) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let staff = actor.is_staff();
    let board = staff && q.view != "list";
    let (filter, problems) = match q.filter.checked() {
        Ok(filter) => (filter, Vec::new()),
        Err(errors) => (
            OpportunityFilter::default(),
            errors.0.into_iter().map(|e| sentence(&e.message)).collect(),
        ),
    };
    let shown = listing(&state, &actor, &q, filter.clone(), board, today, &settings).await?;
    let totals = state.store.pipeline_totals(&actor, filter).await?;
    let chart = staff.then(|| forecast_chart(&totals.by_month, &settings.currency.to_string()));
    let query = query_string(&q.filter)
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::ui::format::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let choices_ = FilterChoices::of(&state, &actor, &q.filter, &settings.pipeline_stages).await?;
    let page = PipelinePage {
        chrome: viewer.chrome.titled(if staff { "Pipeline" } else { "Opportunities" }),
        staff,
        reassigns: domain::opportunities::policy::is_sales_management(&actor),
        board,
        totals: total_of(totals.by_stage.iter().map(|t| &t.forecast)),
        columns: shown.columns,
        rows: shown.rows,
        chart,
        query,
        choices: choices_,
        problems,
        pager: shown.pager,
        opens: super::opens(&state, &actor).await?,
        shown_on_board: shown.on_board,
        q: q.filter,
    };
    render(&page)
}

/// The open opportunities the viewer manages whose rights end within the reminder window, soonest
/// first, with the days left (the dashboard's reminder). Rights hold at least through the forecast
/// close plus the grace period, so only closes up to `today + window - grace` can qualify.
pub async fn rights_ending(
    state: &AppState,
    actor: &domain::Actor,
    today: Date,
    settings: &domain::settings::ProgramSettings,
) -> Result<Vec<(Opportunity, i32)>, UiError> {
    let window = settings.rights_reminder_days;
    let horizon = i64::from(window) - i64::from(settings.grace_days);
    let filter = OpportunityFilter {
        status: Some(Status::Open),
        close_to: Some(today.saturating_add(horizon.days())),
        partner_id: actor.confined_to_partner(),
        manager: actor
            .is_staff()
            .then(|| domain::opportunities::Party::user(actor.user_id)),
        ..OpportunityFilter::default()
    };
    let listed = state
        .store
        .list_opportunities(actor, filter, PageRequest::first(PageRequest::MAX_LIMIT))
        .await?;
    let mut ending: Vec<(Opportunity, i32)> = listed
        .items
        .into_iter()
        .filter(|o| domain::opportunities::policy::acts_as(actor, o.manager.party))
        .filter_map(|o| ending_in(o.status, o.rights_through, today, window).map(|n| (o, n)))
        .collect();
    ending.sort_by_key(|(_, n)| *n);
    ending.truncate(5);
    Ok(ending)
}

/// The opportunities the pipeline's filter selects, as the API's export writes them.
async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OpportunityQuery>,
) -> Result<Response, UiError> {
    let filter = q.checked().unwrap_or_default();
    let actor = viewer.actor();
    let all = all_pages(|page| state.store.list_opportunities(&actor, filter.clone(), page)).await?;
    Ok(csv_file("opportunities.csv", files::opportunities_csv(&all)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_without_a_forecast_are_shown_at_zero() {
        let usd = |minor| Money {
            amount_minor: minor,
            currency: domain::Currency::parse("USD").unwrap(),
        };
        let by_month = [
            MonthTotal {
                month: "2026-12".into(),
                count: 1,
                forecast: usd(100),
            },
            MonthTotal {
                month: "2027-03".into(),
                count: 2,
                forecast: usd(300),
            },
        ];
        let months = months(&by_month, "USD");
        assert_eq!(
            months.iter().map(|m| m.1).collect::<Vec<_>>(),
            [100, 0, 0, 300],
            "December to March, January and February empty"
        );
    }
}
