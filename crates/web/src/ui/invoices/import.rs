//! `/invoices/import`: finance pastes the ERP's invoice export; every bad row is named with its line,
//! and a file with any bad row imports nothing.

use crate::AppState;
use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::csv_import::{self, CsvImport, ImportForm};
use crate::ui::error::UiError;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::invoices::files::{INVOICE_COLUMNS, parse_invoices};
use domain::invoices::policy::can_keep_invoices;

pub fn routes() -> Pages {
    Pages::default()
        .get("/invoices/import", import_page)
        .post("/invoices/import", import)
}

fn keepers_only(viewer: &Viewer) -> Result<(), UiError> {
    if can_keep_invoices(&viewer.actor()) {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Invoices are imported by finance and administrators.",
        ))
    }
}

fn words() -> CsvImport {
    CsvImport {
        title: "Import invoices",
        back: ("/invoices", "All invoices"),
        action: "/invoices/import",
        hint: format!(
            "Paste the ERP's export: one row per invoice line, the rows of an invoice sharing its number. The \
             columns: {}. Number, currency, sku, quantity and amount are required; amount and cost are the \
             line's, in the currency's decimals (4999.00; 12345 for yen); an invoice with issued_on is \
             imported issued. The partner is its id, or taken from the order or opportunity.",
            INVOICE_COLUMNS.join(", ")
        ),
        done: |r| format!("Imported {} invoices.", r.created),
    }
}

async fn import_page(viewer: Viewer) -> Result<Response, UiError> {
    keepers_only(&viewer)?;
    csv_import::form(viewer, &words())
}

async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ImportForm>,
) -> Result<Response, UiError> {
    keepers_only(&viewer)?;
    let actor = viewer.actor();
    csv_import::run(viewer, &words(), form, parse_invoices, |rows| {
        state.store.import_invoices(&actor, rows, state.clock.now())
    })
    .await
}
