//! The list of registrations: filtered by status, searched by customer, partner or SOR number,
//! newest or oldest first.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::forms::{Choice, choices};
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::registrations::Status;
use serde::Deserialize;
use store::{RegistrationFilter, RegistrationSummary};

pub fn routes() -> Pages {
    Pages::default().get("/registrations", registrations)
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
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
    pager: Pager,
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
    let actor = viewer.actor();
    let listed = state.store.list_registrations(&actor, filter, q.page.request()).await?;
    let zone = state.store.settings().await?.zone();
    let status = status.unwrap_or_default();
    let sort = if oldest_first { "oldest" } else { "newest" };
    let filters = [("status", status.as_str()), ("q", search.as_str()), ("sort", sort)];
    let pager = Pager::new("/registrations", &filters, &listed, oldest_first);
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
        pager,
        shows_partner: !actor.role.is_partner(),
    })
}
