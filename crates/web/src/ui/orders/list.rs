//! The list of orders, filtered by status, SOR number and order dates.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, choices};
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::orders::OrderStatus;
use serde::Deserialize;
use store::{Order, OrderFilter};

pub fn routes() -> Pages {
    Pages::default().get("/orders", orders)
}

#[derive(Deserialize)]
struct OrderQuery {
    status: Option<String>,
    sor_number: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct OrdersPage {
    chrome: Chrome,
    orders: Vec<Order>,
    status: String,
    sor_number: String,
    from: String,
    to: String,
    statuses: Vec<Choice>,
    pager: Pager,
    problem: Option<String>,
}

async fn orders(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OrderQuery>,
) -> Result<Response, UiError> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (status, sor_number, from, to) = (text(&q.status), text(&q.sor_number), text(&q.from), text(&q.to));
    let mut problems = Vec::new();
    let mut parse = |field: &str, raw: &str| -> Option<jiff::civil::Date> {
        (!raw.is_empty())
            .then(|| {
                raw.parse()
                    .map_err(|_| problems.push(format!("{field}: '{raw}' is not a date")))
                    .ok()
            })
            .flatten()
    };
    let filter = OrderFilter {
        status: (!status.is_empty()).then(|| OrderStatus::parse(&status).ok()).flatten(),
        sor_number: (!sor_number.is_empty()).then(|| {
            sor_number
                .parse::<domain::sor::SorNumber>()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| sor_number.clone())
        }),
        from: parse("From", &from),
        to: parse("To", &to),
        ..OrderFilter::default()
    };
    let listed = state
        .store
        .list_orders(&viewer.actor(), filter, q.page.request())
        .await?;
    let filters = [
        ("status", status.as_str()),
        ("sor_number", sor_number.as_str()),
        ("from", from.as_str()),
        ("to", to.as_str()),
    ];
    let pager = Pager::new("/orders", &filters, &listed, false);
    render(&OrdersPage {
        chrome: viewer.chrome.titled("Orders"),
        orders: listed.items,
        statuses: choices(
            OrderStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
            &status,
        ),
        status,
        sor_number,
        from,
        to,
        pager,
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
    })
}
