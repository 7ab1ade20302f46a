//! The approval queue: submitted registrations and pending extension and update requests for this
//! manager to decide, first filed first.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::age;
use crate::ui::forms::{Choice, choices};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::can_administer;
use domain::calendar::{business_date, business_days_before};
use domain::registrations::Status;
use domain::registrations::policy::can_decide_registrations;
use jiff::Timestamp;
use serde::Deserialize;
use store::{PageRequest, PendingChangeRequest, RegistrationFilter, RegistrationSummary};

pub fn routes() -> Pages {
    Pages::default().get("/queue", queue)
}

/// Registrations an approval queue page shows.
const QUEUE_PAGE: u32 = 100;

/// "Waiting more than" choices, in business days.
const WAITING_DAYS: [u32; 3] = [2, 5, 10];

/// What a queue shows: partners of one region, things waiting since before an instant.
#[derive(Default, Clone, Copy)]
pub struct QueueFilter {
    pub region_id: Option<i64>,
    pub waiting_since: Option<Timestamp>,
}

/// Submitted registrations for this viewer to decide, first filed first: a manager's are those
/// routed to them; administrators stand in for every manager.
pub async fn approval_queue(
    state: &AppState,
    viewer: &Viewer,
    only: QueueFilter,
    limit: u32,
) -> Result<Vec<RegistrationSummary>, UiError> {
    let filter = RegistrationFilter {
        status: Some(Status::Submitted),
        approver_id: (!can_administer(&viewer.actor())).then_some(viewer.user.id),
        region_id: only.region_id,
        submitted_before: only.waiting_since,
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
    only: QueueFilter,
    limit: u32,
) -> Result<Vec<(PendingChangeRequest, String)>, UiError> {
    let now = state.clock.now();
    Ok(state
        .store
        .pending_change_requests(&viewer.actor(), limit)
        .await?
        .into_iter()
        .filter(|q| only.region_id.is_none_or(|r| q.region_id == r))
        .filter(|q| only.waiting_since.is_none_or(|t| q.request.requested_at < t))
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
    regions: Vec<Choice>,
    waiting: Vec<Choice>,
    /// Whether a region or an age narrows what is shown.
    filtered: bool,
}

#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default)]
    sort: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    waiting: String,
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
    let zone = state.store.settings().await?.zone();
    let regions = state.store.list_regions().await?;
    // A choice not on offer (a hand-edited address) shows everything rather than nothing.
    let region_id = q.region.parse().ok().filter(|id| regions.iter().any(|r| r.id == *id));
    let days = q.waiting.parse().ok().filter(|d| WAITING_DAYS.contains(d));
    let waiting_since = days.and_then(|d| {
        let day = business_days_before(business_date(now, &zone), d);
        day.to_zoned(zone.clone()).ok().map(|z| z.timestamp())
    });
    let only = QueueFilter {
        region_id,
        waiting_since,
    };
    let mut queued = approval_queue(&state, &viewer, only, QUEUE_PAGE).await?;
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
    let requests = pending_requests(&state, &viewer, only, QUEUE_PAGE).await?;
    let chosen = |v: Option<String>| v.unwrap_or_default();
    render(&QueuePage {
        chrome: viewer.chrome.titled("Approval queue"),
        rows,
        requests,
        conflicts_first,
        regions: choices(
            regions.into_iter().map(|r| (r.id.to_string(), r.name)),
            &chosen(region_id.map(|r| r.to_string())),
        ),
        waiting: choices(
            WAITING_DAYS
                .iter()
                .map(|d| (d.to_string(), format!("More than {d} business days"))),
            &chosen(days.map(|d| d.to_string())),
        ),
        filtered: region_id.is_some() || days.is_some(),
    })
}
