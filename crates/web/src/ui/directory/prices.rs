//! Importing a price list: a CSV file uploaded (or pasted) is first previewed — what each row would
//! do to the price list, and every bad row with its line and column — and imported only when the
//! administrator confirms. The preview carries the file's text in a hidden field, and the confirm
//! step imports that text: exactly what was shown.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::directory::admin_only;
use crate::ui::error::UiError;
use crate::ui::upload::Upload;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::calendar::business_date;
use domain::directory::files::{
    PRICE_LIST_COLUMNS, PriceChange, currency_errors, parse_price_list, price_list_changes,
};
use domain::directory::products::NewProduct;
use domain::{FieldError, FieldErrors, Money};
use serde::Deserialize;
use store::{ImportReport, PriceListEntry, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/prices", prices)
        .post("/admin/prices/upload", upload)
        .post("/admin/prices/preview", preview_pasted)
        .post("/admin/prices", import_prices)
}

/// One row of the preview.
struct PreviewRow {
    line: u64,
    sku: String,
    name: String,
    effective_from: String,
    /// List, partner, MSRP and RRSP, each as a person reads it.
    prices: [String; 4],
    change: String,
}

/// What the file would do, counted by kind of change.
struct Preview {
    rows: Vec<PreviewRow>,
    summary: String,
}

#[derive(Template)]
#[template(path = "directory/prices.html")]
struct PricesPage {
    chrome: Chrome,
    /// The file's text: in the paste box, and in the confirm form's hidden field.
    text: String,
    /// The file's name, when uploaded.
    file_name: Option<String>,
    problems: Vec<FieldError>,
    preview: Option<Preview>,
    report: Option<ImportReport>,
}

impl PricesPage {
    fn new(viewer: Viewer, text: String) -> PricesPage {
        PricesPage {
            chrome: viewer.chrome.titled("Import a price list"),
            text,
            file_name: None,
            problems: Vec::new(),
            preview: None,
            report: None,
        }
    }

    fn answer(self) -> Result<Response, UiError> {
        let status = if self.problems.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok((status, render(&self)?).into_response())
    }
}

async fn prices(viewer: Viewer) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    PricesPage::new(viewer, PRICE_LIST_COLUMNS.join(",")).answer()
}

/// A price version on file as the row of a file that would have written it.
fn as_row(e: PriceListEntry) -> NewProduct {
    NewProduct {
        sku: e.sku,
        name: e.name,
        category: e.category,
        is_accessory: e.is_accessory,
        list_price_minor: e.price.list_price.amount_minor,
        partner_price_minor: e.price.partner_price.amount_minor,
        msrp_minor: e.price.msrp.amount_minor,
        rrsp_minor: e.price.rrsp.amount_minor,
        currency: e.price.list_price.currency,
        maintenance_term_months: e.maintenance_term_months,
        effective_from: Some(e.price.effective_from),
    }
}

/// The rows of `text` checked as an import would check them, compared with the price list on file.
async fn preview(state: &AppState, page: &mut PricesPage) -> Result<(), UiError> {
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let rows = match parse_price_list(&page.text, today) {
        Ok(rows) => rows,
        Err(e) => {
            page.problems = e.0;
            return Ok(());
        }
    };
    let wrong_currency = currency_errors(&rows, settings.currency);
    if !wrong_currency.is_empty() {
        page.problems = wrong_currency.0;
        return Ok(());
    }
    let on_file: Vec<NewProduct> = state.store.export_products().await?.into_iter().map(as_row).collect();
    let changes = price_list_changes(&rows, &on_file);
    let count = |kind: PriceChange| changes.iter().filter(|c| **c == kind).count();
    let summary = format!(
        "{} rows: {} new products, {} new price versions, {} changed, {} unchanged.",
        rows.len(),
        count(PriceChange::NewProduct),
        count(PriceChange::NewVersion),
        count(PriceChange::Changed),
        count(PriceChange::Unchanged),
    );
    let money = |amount_minor| {
        Money {
            amount_minor,
            currency: settings.currency,
        }
        .to_string()
    };
    let rows = rows
        .into_iter()
        .zip(changes)
        .map(|(row, change)| {
            let p = row.value;
            PreviewRow {
                line: row.line,
                effective_from: p.effective_from.map(|d| d.to_string()).unwrap_or_default(),
                prices: [
                    format!("List {}", money(p.list_price_minor)),
                    format!("Partner {}", money(p.partner_price_minor)),
                    format!("MSRP {}", money(p.msrp_minor)),
                    format!("RRSP {}", money(p.rrsp_minor)),
                ],
                sku: p.sku,
                name: p.name,
                change: change.label().into_owned(),
            }
        })
        .collect();
    page.preview = Some(Preview { rows, summary });
    Ok(())
}

fn broken_upload(e: axum::extract::multipart::MultipartError) -> UiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UiError::new(
            e.status(),
            format!(
                "The file is larger than {} KB: import it with `dealreg import products` or the API.",
                crate::MAX_BODY_BYTES / 1024
            ),
        )
    } else {
        UiError::new(e.status(), "The upload did not arrive whole: try again.")
    }
}

/// The price list file chosen in the upload form.
async fn upload(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let file = Upload::read(&mut multipart).await.map_err(broken_upload)?.file();
    let mut page = PricesPage::new(viewer, String::new());
    match file.filter(|(_, bytes)| !bytes.is_empty()) {
        None => page.problems = FieldErrors::single("file", "Choose a CSV file to upload.").0,
        Some((name, bytes)) => {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    page.text = text;
                    preview(&state, &mut page).await?;
                }
                Err(_) => {
                    page.problems = FieldErrors::single(
                        "file",
                        format!("{name} is not a text file in UTF-8: save it as \"CSV UTF-8\" and upload it again."),
                    )
                    .0;
                }
            }
            page.file_name = Some(name);
        }
    }
    page.answer()
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct PricesForm {
    csv: String,
}

/// The price list pasted into the page, previewed like an uploaded file.
async fn preview_pasted(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PricesForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let mut page = PricesPage::new(viewer, form.csv);
    preview(&state, &mut page).await?;
    page.answer()
}

/// The confirmed file: imported whole, or — any bad row — not at all, each shown with its line and column.
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
    let mut page = PricesPage::new(viewer, form.csv);
    match result {
        Ok(report) => {
            page.report = Some(report);
            page.text = PRICE_LIST_COLUMNS.join(",");
        }
        Err(StoreError::Invalid(e)) => page.problems = e.0,
        Err(e) => return Err(e.into()),
    }
    page.answer()
}
