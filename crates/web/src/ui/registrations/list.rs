//! The list of registrations: filtered by status, searched by customer, partner or SOR number,
//! newest or oldest first.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::{url_encode, when};
use crate::ui::forms::{Choice, choices};
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
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<i64>,
}

#[derive(Template)]
#[template(path = "registrations/list.html")]
struct RegistrationsPage {
    chrome: Chrome,
    rows: Vec<(RegistrationSummary, String)>,
    status: String,
    search: String,
    oldest_first: bool,
    statuses: Vec<Choice>,
    next: Option<String>,
    /// A partner's own list has no use for a partner column.
    shows_partner: bool,
}

async fn registrations(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, UiError> {
    let status = q.status.filter(|s| !s.is_empty());
    let search = q.q.unwrap_or_default();
    let oldest_first = q.sort.as_deref() == Some("oldest");
    let filter = RegistrationFilter {
        status: status.as_deref().and_then(|s| Status::parse(s).ok()),
        search: Some(search.clone()).filter(|s| !s.trim().is_empty()),
        oldest_first,
        ..RegistrationFilter::default()
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageRequest::DEFAULT_LIMIT,
    };
    let actor = viewer.actor();
    let listed = state.store.list_registrations(&actor, filter, page).await?;
    let zone = state.store.settings().await?.zone();
    let status = status.unwrap_or_default();
    let next = listed.next_cursor.map(|c| {
        format!(
            "/registrations?status={}&q={}&sort={}&cursor={c}",
            url_encode(&status),
            url_encode(&search),
            if oldest_first { "oldest" } else { "newest" }
        )
    });
    let rows = listed
        .items
        .into_iter()
        .map(|r| {
            let filed = when(r.submitted_at, &zone);
            (r, filed)
        })
        .collect();
    render(&RegistrationsPage {
        chrome: viewer.chrome.titled("Registrations"),
        rows,
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
            &status,
        ),
        status,
        search,
        oldest_first,
        next,
        shows_partner: !actor.role.is_partner(),
    })
}
