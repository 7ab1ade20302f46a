//! Partners: the list with their regions, and adding or updating one.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::directory::{Notice, admin_only};
use crate::ui::error::UiError;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldError;
use domain::directory::files::{PARTNER_COLUMNS, parse_partners, write_csv};
use serde::Deserialize;
use store::{Partner, Region, StoreError};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/partners", partners)
        .post("/admin/partners", save_partner)
}

#[derive(Template)]
#[template(path = "directory/partners.html")]
struct PartnersPage {
    chrome: Chrome,
    partners: Vec<(Partner, String)>,
    regions: Vec<Region>,
    problems: Vec<FieldError>,
    done: Option<String>,
}

async fn partners_page(
    state: &AppState,
    viewer: Viewer,
    problems: Vec<FieldError>,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let partners = state
        .store
        .export_partners(Some(&viewer.actor()))
        .await?
        .into_iter()
        .map(|e| (e.partner, e.region))
        .collect();
    let regions = state.store.list_regions().await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PartnersPage {
        chrome: viewer.chrome.titled("Partners"),
        partners,
        regions,
        problems,
        done,
    };
    Ok((status, render(&page)?).into_response())
}

async fn partners(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    partners_page(&state, viewer, Vec::new(), n.done).await
}

#[derive(Deserialize)]
struct PartnerForm {
    name: String,
    level: String,
    activation_stage: String,
    region: String,
}

/// Adds a partner or updates one of the same name: one row of the partner file.
async fn save_partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PartnerForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let text = write_csv(
        PARTNER_COLUMNS,
        [[form.name, form.level, form.activation_stage, form.region]],
    );
    let rows = match parse_partners(&text) {
        Ok(rows) => rows,
        Err(e) => return partners_page(&state, viewer, e.0, None).await,
    };
    match state
        .store
        .import_partners(Some(&viewer.actor()), rows, state.clock.now(), &|_| {})
        .await
    {
        Ok(report) => Ok(Redirect::to(&format!(
            "/admin/partners?done={}",
            if report.created > 0 { "added" } else { "updated" }
        ))
        .into_response()),
        Err(StoreError::Invalid(e)) => partners_page(&state, viewer, e.0, None).await,
        Err(e) => Err(e.into()),
    }
}
