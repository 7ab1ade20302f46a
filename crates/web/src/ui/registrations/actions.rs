//! What the buttons of a registration's page post: approve, decline, withdraw, ask for an extension,
//! and decide such a request. Each answers with the registration's page.

use crate::AppState;
use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::error::UiError;
use crate::ui::forms::blank_to_none;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::registrations::input::{
    ApproveInput, ChangeRequestInput, DeclineInput, ReasonInput, parse_approval, parse_change_request, parse_decline,
    parse_optional_reason,
};
use serde::Deserialize;

pub fn routes() -> Pages {
    Pages::default()
        .post("/registrations/{id}/approve", approve)
        .post("/registrations/{id}/decline", decline)
        .post("/registrations/{id}/withdraw", withdraw)
        .post("/registrations/{id}/extend", request_extension)
        .post("/requests/{id}/decide", decide_request)
}

#[derive(Deserialize)]
struct ApproveForm {
    validity_days: Option<String>,
    acknowledge: Option<String>,
    note: Option<String>,
}

async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ApproveForm>,
) -> Result<Response, UiError> {
    let days = form.validity_days.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let input = ApproveInput {
        validity_days: match days.map(str::parse::<u32>) {
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => {
                return Err(UiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Validity: a whole number of days.",
                ));
            }
            None => None,
        },
        valid_through: None,
        acknowledge_conflicts: Some(form.acknowledge.is_some()),
        note: form.note.as_deref().and_then(blank_to_none),
    };
    let approval = parse_approval(&input).map_err(|e| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    state
        .store
        .approve_registration(&viewer.actor(), id, approval, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: Option<String>,
}

fn reason_input(form: &ReasonForm) -> ReasonInput {
    ReasonInput {
        reason: form.reason.as_deref().and_then(blank_to_none),
    }
}

fn invalid(e: FieldErrors) -> UiError {
    UiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
}

async fn decline(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, UiError> {
    let reason = parse_decline(&DeclineInput {
        reason: reason_input(&form).reason,
    })
    .map_err(invalid)?;
    state
        .store
        .decline_registration(&viewer.actor(), id, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, UiError> {
    let reason = parse_optional_reason(&reason_input(&form)).map_err(invalid)?;
    state
        .store
        .withdraw_registration(&viewer.actor(), id, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

#[derive(Deserialize)]
struct ExtendForm {
    valid_through: Option<String>,
    reason: Option<String>,
}

/// One-click extension request (REG-5): the partner asks; the manager decides.
async fn request_extension(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ExtendForm>,
) -> Result<Response, UiError> {
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    let input = ChangeRequestInput {
        kind: Some("extension".into()),
        valid_through: form.valid_through.as_deref().and_then(blank_to_none),
        reason: form.reason.as_deref().and_then(blank_to_none),
        ..ChangeRequestInput::default()
    };
    let (change, reason) = parse_change_request(&input, today).map_err(invalid)?;
    state
        .store
        .request_change(&viewer.actor(), id, change, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{id}")).into_response())
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    reason: Option<String>,
}

async fn decide_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, UiError> {
    let approve = form.decision == "approve";
    let reason_form = ReasonForm { reason: form.reason };
    let reason = if approve {
        parse_optional_reason(&reason_input(&reason_form)).map_err(invalid)?
    } else {
        Some(
            parse_decline(&DeclineInput {
                reason: reason_input(&reason_form).reason,
            })
            .map_err(invalid)?,
        )
    };
    let decided = state
        .store
        .decide_change(&viewer.actor(), id, approve, reason, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/registrations/{}", decided.registration_id)).into_response())
}
