//! Regions and the channel manager who approves each one's registrations.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::all_pages;
use crate::ui::chrome::Chrome;
use crate::ui::directory::admin_only;
use crate::ui::error::UiError;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::directory::input::{RegionInput, parse_region};
use domain::{FieldError, Role};
use serde::Deserialize;
use store::{Region, StoreError, User};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/regions", regions)
        .post("/admin/regions", add_region)
        .post("/admin/regions/{id}/manager", assign_manager)
}

#[derive(Template)]
#[template(path = "directory/regions.html")]
struct RegionsPage {
    chrome: Chrome,
    regions: Vec<(Region, String)>,
    managers: Vec<User>,
    problems: Vec<FieldError>,
}

async fn regions_page(state: &AppState, viewer: Viewer, problems: Vec<FieldError>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let regions = state
        .store
        .list_regions()
        .await?
        .into_iter()
        .map(|r| {
            let manager = users.iter().find(|u| Some(u.id) == r.manager_user_id).map_or_else(
                || "— (fallback approver or administrators)".to_owned(),
                |u| u.display_name.clone(),
            );
            (r, manager)
        })
        .collect();
    let managers = users
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::ChannelManager | Role::Admin))
        .collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RegionsPage {
        chrome: viewer.chrome.titled("Regions and approvers"),
        regions,
        managers,
        problems,
    };
    Ok((status, render(&page)?).into_response())
}

async fn regions(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    regions_page(&state, viewer, Vec::new()).await
}

#[derive(Deserialize)]
struct RegionForm {
    name: String,
}

async fn add_region(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RegionForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let input = RegionInput {
        name: Some(form.name),
        manager_user_id: None,
    };
    let (name, _) = match parse_region(&input) {
        Ok(parsed) => parsed,
        Err(e) => return regions_page(&state, viewer, e.0).await,
    };
    match state
        .store
        .create_region(Some(&viewer.actor()), &name, None, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/regions").into_response()),
        Err(StoreError::Conflict { message, .. }) => {
            let problem = FieldError {
                field: "name".into(),
                message,
                line: None,
            };
            regions_page(&state, viewer, vec![problem]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ManagerForm {
    manager_user_id: i64,
}

async fn assign_manager(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ManagerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    state
        .store
        .assign_region_manager(Some(&viewer.actor()), id, form.manager_user_id, state.clock.now())
        .await?;
    Ok(Redirect::to("/admin/regions").into_response())
}
