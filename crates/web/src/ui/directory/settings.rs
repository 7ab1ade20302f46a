//! The program settings: validity, reminders, the fallback approver, time zone, currency, pricing
//! without an SOR, over-ordering.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::all_pages;
use crate::ui::chrome::Chrome;
use crate::ui::directory::{Notice, admin_only};
use crate::ui::error::UiError;
use crate::ui::forms::{Choice, FormErrors, choices};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::orders::{NoSorPricing, OverOrderPolicy};
use domain::{Currency, FieldErrors, Role};
use serde::Deserialize;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/settings", settings)
        .post("/admin/settings", save_settings)
}

/// The settings form as typed.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SettingsForm {
    default_validity_days: String,
    max_validity_days: String,
    reminder_days_before: String,
    /// A user id; blank: none (administrators decide).
    fallback_approver_id: String,
    time_zone: String,
    currency: String,
    no_sor_pricing: String,
    over_order: String,
}

#[derive(Template)]
#[template(path = "directory/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    form: SettingsForm,
    /// Active channel managers and administrators.
    approvers: Vec<Choice>,
    errors: FormErrors,
    saved: bool,
}

async fn settings_page(
    state: &AppState,
    viewer: Viewer,
    form: SettingsForm,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let approvers = choices(
        users
            .into_iter()
            .filter(|u| u.active && matches!(u.role, Role::ChannelManager | Role::Admin))
            .map(|u| (u.id.to_string(), format!("{} ({})", u.display_name, u.role.label()))),
        &form.fallback_approver_id,
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SettingsPage {
        chrome: viewer.chrome.titled("Program settings"),
        form,
        approvers,
        errors,
        saved,
    };
    Ok((status, render(&page)?).into_response())
}

async fn settings(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    let s = state.store.settings().await?;
    let form = SettingsForm {
        default_validity_days: s.default_validity_days.to_string(),
        max_validity_days: s.max_validity_days.to_string(),
        reminder_days_before: s.reminder_days_before.to_string(),
        fallback_approver_id: s.fallback_approver_id.map(|id| id.to_string()).unwrap_or_default(),
        time_zone: s.time_zone,
        currency: s.currency.to_string(),
        no_sor_pricing: s.no_sor_pricing.as_str().to_owned(),
        over_order: s.over_order.as_str().to_owned(),
    };
    settings_page(&state, viewer, form, FormErrors::default(), n.done.is_some()).await
}

async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let mut settings = state.store.settings().await?;
    let mut problems = FieldErrors::default();
    let mut days = |field: &str, raw: &str, target: &mut u32| match raw.trim().parse() {
        Ok(v) => *target = v,
        Err(_) => problems.add(field, "A whole number of days."),
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
    match form.fallback_approver_id.trim() {
        "" => settings.fallback_approver_id = None,
        raw => match raw.parse() {
            Ok(id) => settings.fallback_approver_id = Some(id),
            Err(_) => problems.add("fallback_approver_id", "Choose an approver from the list."),
        },
    }
    match Currency::parse(&form.currency.trim().to_uppercase()) {
        Ok(c) => settings.currency = c,
        Err(m) => problems.add("currency", m),
    }
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
            .update_settings(&viewer.actor(), settings, state.clock.now())
            .await
            .map(drop)
    } else {
        Err(StoreError::Invalid(problems))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/settings?done=saved").into_response()),
        Err(StoreError::Invalid(e)) => settings_page(&state, viewer, form, FormErrors::from_fields(e), false).await,
        Err(e) => Err(e.into()),
    }
}
