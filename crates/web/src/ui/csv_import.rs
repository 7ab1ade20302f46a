//! The page that imports a pasted CSV file (leads, invoices): the columns it reads, every bad row with
//! its line, the text kept when refused, and what was imported when done. Each family states its
//! page's words in a [`CsvImport`].

use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::forms::sentence;
use crate::ui::render;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{FieldError, FieldErrors};
use serde::Deserialize;
use store::{ImportReport, StoreError, StoreResult};

/// What one family's import page says.
pub struct CsvImport {
    pub title: &'static str,
    /// Where "←" leads back to, and its words.
    pub back: (&'static str, &'static str),
    pub action: &'static str,
    /// The columns and their rules, in a person's words.
    pub hint: String,
    /// "Imported 3 leads; each was distributed by the rules."
    pub done: fn(&ImportReport) -> String,
}

#[derive(Template)]
#[template(path = "partials/csv_import.html")]
struct ImportPage<'a> {
    chrome: Chrome,
    import: &'a CsvImport,
    text: String,
    problems: Vec<FieldError>,
    done: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    pub text: String,
}

fn view(
    viewer: Viewer,
    import: &CsvImport,
    text: String,
    problems: Vec<FieldError>,
    done: Option<String>,
) -> Result<Response, UiError> {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        chrome: viewer.chrome.titled(import.title),
        import,
        text,
        problems: problems
            .into_iter()
            .map(|p| FieldError {
                message: sentence(&p.message),
                ..p
            })
            .collect(),
        done,
    };
    Ok((status, render(&page)?).into_response())
}

/// The empty form.
pub fn form(viewer: Viewer, import: &CsvImport) -> Result<Response, UiError> {
    view(viewer, import, String::new(), Vec::new(), None)
}

/// Parses the pasted text with `parse` and imports it with `store`: done, the page says what was
/// imported; refused, every problem with its line and the text kept.
pub async fn run<T, Fut>(
    viewer: Viewer,
    import: &CsvImport,
    form: ImportForm,
    parse: impl FnOnce(&str) -> Result<T, FieldErrors>,
    store: impl FnOnce(T) -> Fut,
) -> Result<Response, UiError>
where
    Fut: std::future::Future<Output = StoreResult<ImportReport>>,
{
    let result = match parse(&form.text) {
        Ok(rows) => store(rows).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(report) => view(viewer, import, String::new(), Vec::new(), Some((import.done)(&report))),
        Err(StoreError::Invalid(errors)) => view(viewer, import, form.text, errors.0, None),
        Err(other) => Err(other.into()),
    }
}
