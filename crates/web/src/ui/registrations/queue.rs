//! The approval queue: submitted registrations and pending extension and update requests for this
//! manager to decide, first filed first.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::age;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::can_administer;
use domain::registrations::Status;
use domain::registrations::policy::can_decide_registrations;
use serde::Deserialize;
use store::{PageRequest, PendingChangeRequest, RegistrationFilter, RegistrationSummary};

pub fn routes() -> Pages {
    Pages::default().get("/queue", queue)
}

/// Registrations an approval queue page shows.
const QUEUE_PAGE: u32 = 100;

/// Submitted registrations for this viewer to decide, first filed first: a manager's are those
/// routed to them; administrators stand in for every manager.
pub async fn approval_queue(
    state: &AppState,
    viewer: &Viewer,
    limit: u32,
) -> Result<Vec<RegistrationSummary>, UiError> {
    let filter = RegistrationFilter {
        status: Some(Status::Submitted),
        approver_id: (!can_administer(&viewer.actor())).then_some(viewer.user.id),
        oldest_first: true,
        ..RegistrationFilter::default()
    };
    Ok(state
        .store
        .list_registrations(&viewer.actor(), filter, PageRequest::first(limit))
        .await?
        .items)
}

/// Pending change requests for this viewer to decide, first asked first, each with its waiting time.
pub async fn pending_requests(
    state: &AppState,
    viewer: &Viewer,
    limit: u32,
) -> Result<Vec<(PendingChangeRequest, String)>, UiError> {
    let now = state.clock.now();
    Ok(state
        .store
        .pending_change_requests(&viewer.actor(), limit)
        .await?
        .into_iter()
        .map(|q| {
            let waited = age(q.request.requested_at, now);
            (q, waited)
        })
        .collect())
}

#[derive(Template)]
#[template(path = "registrations/queue.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<(RegistrationSummary, String)>,
    requests: Vec<(PendingChangeRequest, String)>,
    conflicts_first: bool,
}

#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default)]
    sort: String,
}

async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Result<Response, UiError> {
    if !can_decide_registrations(&viewer.actor()) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "The approval queue is for channel managers.",
        ));
    }
    let now = state.clock.now();
    let mut queued = approval_queue(&state, &viewer, QUEUE_PAGE).await?;
    let conflicts_first = q.sort == "conflicts";
    if conflicts_first {
        // Stable: among each kind, first filed first still.
        queued.sort_by_key(|r| !r.possible_conflict);
    }
    let rows = queued
        .into_iter()
        .map(|r| {
            let waited = age(r.submitted_at, now);
            (r, waited)
        })
        .collect();
    let requests = pending_requests(&state, &viewer, QUEUE_PAGE).await?;
    render(&QueuePage {
        chrome: viewer.chrome.titled("Approval queue"),
        rows,
        requests,
        conflicts_first,
    })
}
