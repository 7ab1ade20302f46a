//! The first page after signing in: each role's work at a glance.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::age;
use crate::ui::notifications::{Message, with_times};
use crate::ui::registrations::{QueueFilter, approval_queue, pending_requests};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::calendar::business_date;
use domain::orders::policy::can_enter_orders;
use domain::registrations::RequestStatus;
use domain::registrations::policy::{can_decide_registrations, can_submit};
use jiff::ToSpan;
use store::{
    Order, OrderFilter, PageRequest, PendingChangeRequest, RegistrationFilter, RegistrationSummary, StatusCount,
};

pub fn routes() -> Pages {
    Pages::default().get("/", dashboard)
}

#[derive(Template)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    chrome: Chrome,
    counts: Vec<StatusCount>,
    /// Approved registrations ending soon, with the date a one-click extension asks for.
    expiring: Vec<(RegistrationSummary, String)>,
    waiting: Vec<(RegistrationSummary, String)>,
    requests: Vec<(PendingChangeRequest, String)>,
    notifications: Vec<Message>,
    orders: Vec<Order>,
    is_partner: bool,
    decides: bool,
    reads_orders: bool,
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    let actor = viewer.actor();
    let settings = state.store.settings().await?;
    let zone = settings.zone();
    let now = state.clock.now();
    let today = business_date(now, &zone);
    let counts = state.store.registration_counts(&actor).await?;
    // A partner's own people: their registrations, which they extend.
    let partner = can_submit(&actor).is_some();
    let expiring = if partner {
        let soon = RegistrationFilter {
            expiring_before: Some(today.saturating_add(i64::from(settings.reminder_days_before).days())),
            ..RegistrationFilter::default()
        };
        state
            .store
            .list_registrations(&actor, soon, PageRequest::first(10))
            .await?
            .items
    } else {
        Vec::new()
    };
    let mut offers = Vec::new();
    for r in expiring {
        // One request at a time: while one waits, extending is not on offer.
        let asked = state.store.list_change_requests(&actor, r.id).await?;
        if asked.iter().any(|q| q.status == RequestStatus::Pending) {
            continue;
        }
        if let Some(until) = r.valid_through {
            let to = until.saturating_add(i64::from(settings.default_validity_days).days());
            offers.push((r, to.to_string()));
        }
    }
    let expiring = offers;
    let decides = can_decide_registrations(&actor);
    let waiting = if decides {
        let queue = approval_queue(&state, &viewer, QueueFilter::default(), 5).await?;
        queue
            .into_iter()
            .map(|r| {
                let a = age(r.submitted_at, now);
                (r, a)
            })
            .collect()
    } else {
        Vec::new()
    };
    let requests = pending_requests(&state, &viewer, QueueFilter::default(), 5).await?;
    let notifications = state
        .store
        .list_notifications(&actor, PageRequest::first(5))
        .await?
        .items;
    let reads_orders = can_enter_orders(&actor);
    let orders = if reads_orders {
        state
            .store
            .list_orders(&actor, OrderFilter::default(), PageRequest::first(5))
            .await?
            .items
    } else {
        Vec::new()
    };
    render(&DashboardPage {
        chrome: viewer.chrome.titled("Dashboard"),
        counts,
        expiring,
        waiting,
        requests,
        notifications: with_times(notifications, &zone),
        orders,
        is_partner: partner,
        decides,
        reads_orders,
    })
}
