//! One order with its priced lines.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use store::Order;

pub fn routes() -> Pages {
    Pages::default().get("/orders/{id}", order)
}

#[derive(Template)]
#[template(path = "orders/detail.html")]
struct OrderPage {
    chrome: Chrome,
    order: Order,
    entered: String,
}

async fn order(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let order = state.store.get_order(&viewer.actor(), id).await?;
    let zone = state.store.settings().await?.zone();
    let entered = when(order.entered_at, &zone);
    render(&OrderPage {
        chrome: viewer.chrome.titled(format!("Order {}", order.po_number)),
        order,
        entered,
    })
}
