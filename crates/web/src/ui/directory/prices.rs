//! Importing a price list file pasted into the page.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::directory::admin_only;
use crate::ui::error::UiError;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::calendar::business_date;
use domain::directory::files::{PRICE_LIST_COLUMNS, parse_price_list};
use serde::Deserialize;
use store::{ImportReport, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/prices", prices)
        .post("/admin/prices", import_prices)
}

#[derive(Template)]
#[template(path = "directory/prices.html")]
struct PricesPage {
    chrome: Chrome,
    text: String,
    problems: Vec<FieldError>,
    report: Option<ImportReport>,
}

async fn prices(viewer: Viewer) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    render(&PricesPage {
        chrome: viewer.chrome.titled("Import a price list"),
        text: PRICE_LIST_COLUMNS.join(","),
        problems: Vec::new(),
        report: None,
    })
}

#[derive(Deserialize)]
struct PricesForm {
    csv: String,
}

/// The price list file pasted in: every bad row shown with its line and column, nothing imported.
async fn import_prices(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PricesForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let today = business_date(state.clock.now(), &state.store.settings().await?.zone());
    let result = match parse_price_list(&form.csv, today) {
        Ok(rows) => {
            state
                .store
                .import_products(Some(&viewer.actor()), rows, state.clock.now(), &|_| {})
                .await
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    let (status, problems, report) = match result {
        Ok(report) => (StatusCode::OK, Vec::new(), Some(report)),
        Err(StoreError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e.0, None),
        Err(e) => return Err(e.into()),
    };
    let page = PricesPage {
        chrome: viewer.chrome.titled("Import a price list"),
        text: form.csv,
        problems,
        report,
    };
    Ok((status, render(&page)?).into_response())
}
