//! The list of registrations, filtered by status.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::url_encode;
use crate::ui::forms::{Choice, named};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::registrations::Status;
use serde::Deserialize;
use store::{PageRequest, RegistrationFilter, RegistrationSummary};

pub fn routes() -> Pages {
    Pages::default().get("/registrations", registrations)
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<i64>,
}

#[derive(Template)]
#[template(path = "registrations/list.html")]
struct RegistrationsPage {
    chrome: Chrome,
    rows: Vec<RegistrationSummary>,
    status: String,
    statuses: Vec<Choice>,
    next: Option<String>,
}

async fn registrations(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let status = q.status.filter(|s| !s.is_empty());
    let filter = RegistrationFilter {
        status: status.as_deref().and_then(|s| Status::parse(s).ok()),
        ..RegistrationFilter::default()
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageRequest::DEFAULT_LIMIT,
    };
    let listed = state.store.list_registrations(&viewer.actor(), filter, page).await?;
    let status = status.unwrap_or_default();
    let next = listed
        .next_cursor
        .map(|c| format!("/registrations?status={}&cursor={c}", url_encode(&status)));
    render(&RegistrationsPage {
        chrome: viewer.chrome.titled("Registrations"),
        rows: listed.items,
        statuses: named(Status::ALL.iter().map(|s| s.as_str()), &status),
        status,
        next,
    })
}
