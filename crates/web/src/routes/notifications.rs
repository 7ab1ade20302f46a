//! The caller's own in-app notifications (the jobs family's outbox): listed, and marked read.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Id, PageParams, Params};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use store::{Notification, Page};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
}

/// The caller's in-app notifications, newest first, each with `read_at` once read; the same
/// messages are e-mailed.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(PageParams),
    responses((status = 200, body = Page<Notification>)), security(("bearer" = [])))]
async fn notifications(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Page<Notification>>> {
    Ok(Json(state.store.list_notifications(&actor, params.page()?).await?))
}

/// Mark one of the caller's notifications read (again: it keeps its first `read_at`). Another
/// person's notification is not found.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = Notification), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn mark_read(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Notification>> {
    Ok(Json(
        state
            .store
            .mark_notification_read(&actor, id, state.clock.now())
            .await?,
    ))
}

/// How many notifications a "mark all read" marked.
#[derive(Serialize, utoipa::ToSchema)]
struct Marked {
    /// Notifications that were unread and are now read.
    marked: u64,
}

/// Mark every unread notification of the caller read.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications",
    responses((status = 200, body = Marked)), security(("bearer" = [])))]
async fn mark_all_read(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<Marked>> {
    let marked = state
        .store
        .mark_all_notifications_read(&actor, state.clock.now())
        .await?;
    Ok(Json(Marked { marked }))
}
