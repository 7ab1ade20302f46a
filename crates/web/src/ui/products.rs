//! The price list as it stands today, for everyone signed in.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use store::{Page, PageRequest, Product};

pub fn routes() -> Pages {
    Pages::default().get("/products", products)
}

#[derive(Template)]
#[template(path = "products/list.html")]
struct ProductsPage {
    chrome: Chrome,
    products: Vec<Product>,
}

async fn products(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let mut products = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let listed: Page<Product> = state.store.list_products(state.clock.now(), page).await?;
        products.extend(listed.items);
        match listed.next_cursor.and_then(|c| c.parse().ok()) {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    products.sort_by(|a, b| (&a.category, &a.sku).cmp(&(&b.category, &b.sku)));
    render(&ProductsPage {
        chrome: viewer.chrome.titled("Price list"),
        products,
    })
}
