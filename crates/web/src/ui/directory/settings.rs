//! The program settings: validity, reminders, time zone, pricing without an SOR, over-ordering.

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
use domain::orders::{NoSorPricing, OverOrderPolicy};
use domain::settings::ProgramSettings;
use serde::Deserialize;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/settings", settings)
        .post("/admin/settings", save_settings)
}

#[derive(Template)]
#[template(path = "directory/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    settings: ProgramSettings,
    problems: Vec<FieldError>,
    saved: bool,
}

async fn settings(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let settings = state.store.settings().await?;
    render(&SettingsPage {
        chrome: viewer.chrome.titled("Program settings"),
        settings,
        problems: Vec::new(),
        saved: n.done.is_some(),
    })
}

#[derive(Deserialize)]
struct SettingsForm {
    default_validity_days: String,
    max_validity_days: String,
    reminder_days_before: String,
    time_zone: String,
    no_sor_pricing: String,
    over_order: String,
}

async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let mut settings = state.store.settings().await?;
    let mut problems = domain::FieldErrors::default();
    let mut days = |field: &str, raw: &str, target: &mut u32| match raw.trim().parse() {
        Ok(v) => *target = v,
        Err(_) => problems.add(field, "a whole number of days"),
    };
    days(
        "default_validity_days",
        &form.default_validity_days,
        &mut settings.default_validity_days,
    );
    days(
        "max_validity_days",
        &form.max_validity_days,
        &mut settings.max_validity_days,
    );
    days(
        "reminder_days_before",
        &form.reminder_days_before,
        &mut settings.reminder_days_before,
    );
    settings.time_zone = form.time_zone.trim().to_owned();
    match NoSorPricing::parse(&form.no_sor_pricing) {
        Ok(p) => settings.no_sor_pricing = p,
        Err(m) => problems.add("no_sor_pricing", m),
    }
    match OverOrderPolicy::parse(&form.over_order) {
        Ok(p) => settings.over_order = p,
        Err(m) => problems.add("over_order", m),
    }
    let result = if problems.is_empty() {
        state
            .store
            .update_settings(&viewer.actor(), settings.clone(), state.clock.now())
            .await
            .map(drop)
    } else {
        Err(StoreError::Invalid(problems))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/settings?done=saved").into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = SettingsPage {
                chrome: viewer.chrome.titled("Program settings"),
                settings,
                problems: e.0,
                saved: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
