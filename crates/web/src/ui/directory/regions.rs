//! Regions and the channel manager who approves each one's registrations.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::all_pages;
use crate::ui::chrome::Chrome;
use crate::ui::directory::admin_only;
use crate::ui::error::UiError;
use crate::ui::forms::sentence;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::directory::input::{RegionInput, parse_region};
use domain::registrations::policy::decides_registrations;
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
    regions: Vec<RegionRow>,
    /// Everyone who may approve, by name.
    approvers: Vec<User>,
    /// The new region's name as typed, and why it was refused.
    name: String,
    name_error: Option<String>,
}

/// A region with its approver's name, the approver its select shows and, when a change was
/// refused, why.
struct RegionRow {
    region: Region,
    approver: String,
    chosen: Option<i64>,
    error: Option<String>,
}

/// What was refused, to show beside its field with what was typed or chosen.
#[derive(Default)]
struct Refused {
    name: String,
    name_error: Option<String>,
    /// The region whose approver was not changed, the approver chosen, why.
    approver: Option<(i64, Option<i64>, String)>,
}

async fn regions_page(state: &AppState, viewer: Viewer, refused: Refused) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let status = if refused.name_error.is_some() || refused.approver.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let approvers: Vec<User> = users
        .iter()
        .filter(|u| u.active && decides_registrations(u.role))
        .cloned()
        .collect();
    // The select shows the current approver only while they may approve; else it asks for one.
    let may_approve = |id: &i64| approvers.iter().any(|u| u.id == *id);
    let regions = state
        .store
        .list_regions()
        .await?
        .into_iter()
        .map(|region| {
            let approver = users.iter().find(|u| Some(u.id) == region.manager_user_id).map_or_else(
                || "— (fallback approver or administrators)".to_owned(),
                |u| u.display_name.clone(),
            );
            let (chosen, error) = match &refused.approver {
                Some((id, chosen, error)) if *id == region.id => (*chosen, Some(error.clone())),
                _ => (region.manager_user_id.filter(may_approve), None),
            };
            RegionRow {
                region,
                approver,
                chosen,
                error,
            }
        })
        .collect();
    let page = RegionsPage {
        chrome: viewer.chrome.titled("Regions and approvers"),
        regions,
        approvers,
        name: refused.name,
        name_error: refused.name_error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn regions(State(state): State<AppState>, viewer: Viewer) -> Result<Response, UiError> {
    regions_page(&state, viewer, Refused::default()).await
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
        name: Some(form.name.clone()),
        manager_user_id: None,
    };
    let refused = |message: &str| Refused {
        name: form.name.clone(),
        name_error: Some(sentence(message)),
        approver: None,
    };
    let (name, _) = match parse_region(&input) {
        Ok(parsed) => parsed,
        Err(e) => {
            let message = e.0.first().map_or("the name is not valid", |p| p.message.as_str());
            return regions_page(&state, viewer, refused(message)).await;
        }
    };
    match state
        .store
        .create_region(Some(&viewer.actor()), &name, None, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/regions").into_response()),
        Err(StoreError::Conflict { message, .. }) => regions_page(&state, viewer, refused(&message)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ManagerForm {
    /// A user's id from the select; empty when nobody was chosen.
    #[serde(default)]
    manager_user_id: String,
}

async fn assign_manager(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ManagerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let Ok(chosen) = form.manager_user_id.trim().parse::<i64>() else {
        let refused = Refused {
            approver: Some((id, None, "Choose the approver from the list.".to_owned())),
            ..Refused::default()
        };
        return regions_page(&state, viewer, refused).await;
    };
    match state
        .store
        .assign_region_manager(Some(&viewer.actor()), id, chosen, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/regions").into_response()),
        Err(StoreError::Invalid(_)) => {
            let refused = Refused {
                approver: Some((
                    id,
                    Some(chosen),
                    "Choose a regional manager or an administrator: only they approve.".to_owned(),
                )),
                ..Refused::default()
            };
            regions_page(&state, viewer, refused).await
        }
        Err(e) => Err(e.into()),
    }
}
