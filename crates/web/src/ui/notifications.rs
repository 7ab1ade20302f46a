//! The viewer's messages, newest first.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::tz::TimeZone;
use serde::Deserialize;
use store::{Notification, PageRequest};

pub fn routes() -> Pages {
    Pages::default().get("/notifications", notifications)
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct NotificationsPage {
    chrome: Chrome,
    items: Vec<Message>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct CursorQuery {
    cursor: Option<i64>,
}

async fn notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<CursorQuery>,
) -> Result<Response, UiError> {
    let zone = state.store.settings().await?.zone();
    let page = PageRequest {
        cursor: q.cursor,
        limit: PageRequest::DEFAULT_LIMIT,
    };
    let listed = state.store.list_notifications(&viewer.actor(), page).await?;
    let next = listed.next_cursor.map(|c| format!("/notifications?cursor={c}"));
    render(&NotificationsPage {
        chrome: viewer.chrome.titled("Notifications"),
        items: with_times(listed.items, &zone),
        next,
    })
}

/// A message as the pages show it: when it was sent, and the page of what it is about.
pub struct Message {
    pub n: Notification,
    pub at: String,
    pub link: Option<String>,
}

/// The page of a message's subject, for the families that have one.
fn link_of(n: &Notification) -> Option<String> {
    match n.entity_type.as_str() {
        "registration" => Some(format!("/registrations/{}", n.entity_id)),
        "order" => Some(format!("/orders/{}", n.entity_id)),
        _ => None,
    }
}

/// Each message with the time it was sent and its link, as the pages write them.
pub fn with_times(items: Vec<Notification>, zone: &TimeZone) -> Vec<Message> {
    items
        .into_iter()
        .map(|n| Message {
            at: when(n.created_at, zone),
            link: link_of(&n),
            n,
        })
        .collect()
}
