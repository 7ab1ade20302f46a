//! The viewer's messages, newest first, unread ones marked. Reading changes state, so it is a POST
//! (a link's GET stays safe): "Open" marks the message read and redirects to its page, "Mark as
//! read" and "Mark all as read" come back to the list.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::pager::{PageQuery, Pager};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use store::Notification;

pub fn routes() -> Pages {
    Pages::default()
        .get("/notifications", notifications)
        .post("/notifications/read", mark_all_read)
        .post("/notifications/{id}/read", mark_read)
        .post("/notifications/{id}/open", open)
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct NotificationsPage {
    chrome: Chrome,
    items: Vec<Message>,
    unread: i64,
    pager: Pager,
}

async fn notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Response, UiError> {
    let zone = state.store.settings().await?.zone();
    let listed = state.store.list_notifications(&viewer.actor(), q.request()).await?;
    let pager = Pager::new("/notifications", &[], &listed, false);
    render(&NotificationsPage {
        unread: viewer.chrome.unread,
        chrome: viewer.chrome.titled("Notifications"),
        items: with_times(listed.items, &zone),
        pager,
    })
}

/// Marks one message read and goes back to the list.
async fn mark_read(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    state
        .store
        .mark_notification_read(&viewer.actor(), id, state.clock.now())
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// Marks a message read and shows what it is about (the list, for a message about nothing to show).
async fn open(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let read = state
        .store
        .mark_notification_read(&viewer.actor(), id, state.clock.now())
        .await?;
    let target = link_of(&read).unwrap_or_else(|| "/notifications".to_owned());
    Ok(Redirect::to(&target).into_response())
}

async fn mark_all_read(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    state
        .store
        .mark_all_notifications_read(&viewer.actor(), state.clock.now())
        .await?;
    Ok(Redirect::to("/notifications").into_response())
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
