//! The approval queue: submitted registrations for this manager to decide, first filed first.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::age;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::can_administer;
use domain::registrations::Status;
use domain::registrations::policy::can_decide_registrations;
use store::{PageRequest, RegistrationFilter, RegistrationSummary};

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

#[derive(Template)]
#[template(path = "registrations/queue.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<(RegistrationSummary, String)>,
}

async fn queue(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    if !can_decide_registrations(&viewer.actor()) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "The approval queue is for channel managers.",
        ));
    }
    let now = state.clock.now();
    let rows = approval_queue(&state, &viewer, QUEUE_PAGE)
        .await?
        .into_iter()
        .map(|r| {
            let waited = age(r.submitted_at, now);
            (r, waited)
        })
        .collect();
    render(&QueuePage {
        chrome: viewer.chrome.titled("Approval queue"),
        rows,
    })
}
