//! What the forms of a registration's page post: approve, decline, withdraw, close as won or lost,
//! ask for an extension or an update, and decide such a request. Done, each answers with the
//! registration's page; refused, with the same page showing why beside the field and what was typed.

use crate::AppState;
use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::error::UiError;
use crate::ui::forms::{blank_to_none, sentence, typed_amount};
use crate::ui::registrations::detail::{Refused, page};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::money::MoneyInput;
use domain::registrations::input::{
    ApproveInput, ChangeRequestInput, CloseInput, DeclineInput, ReasonInput, parse_approval, parse_change_request,
    parse_close, parse_decline, parse_optional_reason,
};
use serde::Deserialize;
use store::StoreError;

pub fn routes() -> Pages {
    Pages::default()
        .post("/registrations/{id}/approve", approve)
        .post("/registrations/{id}/decline", decline)
        .post("/registrations/{id}/withdraw", withdraw)
        .post("/registrations/{id}/close", close)
        .post("/registrations/{id}/extend", request_extension)
        .post("/registrations/{id}/update", request_update)
        .post("/requests/{id}/decide", decide_request)
}

/// A form's refusal from the field errors of its parser: each beside the form field it names
/// (`fields`: the parser's field → the form's), the rest above the form.
pub(crate) fn invalid(form: &'static str, errors: FieldErrors, fields: &[(&str, &'static str)]) -> Refused {
    errors
        .0
        .into_iter()
        .fold(Refused::new(form, StatusCode::UNPROCESSABLE_ENTITY), |refused, e| {
            let field = fields
                .iter()
                .find(|(from, _)| *from == e.field)
                .map_or("", |(_, to)| *to);
            refused.error(field, sentence(&e.message))
        })
}

/// A refusal of the store, in a person's words; what is no refusal (a missing record, a failure)
/// stays an error page.
pub(crate) fn refused_by_store(
    form: &'static str,
    e: StoreError,
    fields: &[(&str, &'static str)],
) -> Result<Refused, UiError> {
    Ok(match e {
        StoreError::Invalid(errors) => invalid(form, errors, fields),
        StoreError::Conflict { matches, .. } if !matches.is_empty() => Refused::new(form, StatusCode::CONFLICT).error(
            "acknowledge",
            "Another partner filed a matching registration first (see Possible conflicts above). If these are \
             different opportunities, tick “These are different opportunities” and approve again.",
        ),
        StoreError::Conflict { message, .. } => Refused::new(form, StatusCode::CONFLICT).error("", sentence(&message)),
        StoreError::Transition(t) => Refused::new(form, StatusCode::CONFLICT).error(
            "",
            format!(
                "This registration's status is now “{}”, so that can no longer be done. Reload the page to see what it allows.",
                t.from.label()
            ),
        ),
        other => return Err(other.into()),
    })
}

/// What a form's store call came to: done, refused (shown on the page), or an error page.
pub(crate) type Outcome = Result<Result<(), Refused>, UiError>;

pub(crate) fn outcome<T>(
    form: &'static str,
    fields: &[(&str, &'static str)],
    result: Result<T, StoreError>,
) -> Outcome {
    match result {
        Ok(_) => Ok(Ok(())),
        Err(e) => refused_by_store(form, e, fields).map(Err),
    }
}

/// The registration's page after a form: the page itself when it was done, or again with its
/// refusal and what was typed (`typed`).
async fn after(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    outcome: Outcome,
    typed: impl FnOnce(Refused) -> Refused,
) -> Result<Response, UiError> {
    after_at(state, viewer, id, "", outcome, typed).await
}

/// [`after`], landing at `fragment` of the page (`#discussion`) when done.
pub(super) async fn after_at(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    fragment: &str,
    outcome: Outcome,
    typed: impl FnOnce(Refused) -> Refused,
) -> Result<Response, UiError> {
    match outcome? {
        Ok(()) => Ok(Redirect::to(&format!("/registrations/{id}{fragment}")).into_response()),
        Err(refused) => page(state, viewer, id, Some(typed(refused)), false).await,
    }
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
    const FIELDS: &[(&str, &str)] = &[
        ("validity_days", "validity_days"),
        ("valid_through", "validity_days"),
        ("note", "note"),
    ];
    let days = form.validity_days.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let result = match days.map(str::parse::<u32>) {
        Some(Err(_)) => Ok(Err(Refused::new("approve", StatusCode::UNPROCESSABLE_ENTITY)
            .error("validity_days", "Write the number of days as a whole number, e.g. 90."))),
        days => {
            let input = ApproveInput {
                validity_days: days.and_then(Result::ok),
                valid_through: None,
                acknowledge_conflicts: Some(form.acknowledge.is_some()),
                note: form.note.as_deref().and_then(blank_to_none),
            };
            match parse_approval(&input) {
                Err(e) => Ok(Err(invalid("approve", e, FIELDS))),
                Ok(approval) => outcome(
                    "approve",
                    FIELDS,
                    state
                        .store
                        .approve_registration(&viewer.actor(), id, approval, state.clock.now())
                        .await,
                ),
            }
        }
    };
    after(&state, viewer, id, result, |r| {
        r.typed("validity_days", form.validity_days.as_deref())
            .typed("acknowledge", form.acknowledge.as_deref())
            .typed("note", form.note.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: Option<String>,
}

fn reason_input(reason: &Option<String>) -> ReasonInput {
    ReasonInput {
        reason: reason.as_deref().and_then(blank_to_none),
    }
}

const REASON: &[(&str, &str)] = &[("reason", "reason")];

async fn decline(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, UiError> {
    let result = match parse_decline(&DeclineInput {
        reason: reason_input(&form.reason).reason,
    }) {
        Err(_) if form.reason.as_deref().is_none_or(|r| r.trim().is_empty()) => Ok(Err(Refused::new(
            "decline",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .error("reason", "Give the partner a reason: they read it with the decision."))),
        Err(e) => Ok(Err(invalid("decline", e, REASON))),
        Ok(reason) => outcome(
            "decline",
            REASON,
            state
                .store
                .decline_registration(&viewer.actor(), id, reason, state.clock.now())
                .await,
        ),
    };
    after(&state, viewer, id, result, |r| {
        r.typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct WithdrawForm {
    reason: Option<String>,
    confirm: Option<String>,
}

async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, UiError> {
    let result = if form.confirm.is_none() {
        Ok(Err(Refused::new("withdraw", StatusCode::UNPROCESSABLE_ENTITY).error(
            "confirm",
            "Tick the box to confirm: a withdrawn registration cannot be brought back.",
        )))
    } else {
        match parse_optional_reason(&reason_input(&form.reason)) {
            Err(e) => Ok(Err(invalid("withdraw", e, REASON))),
            Ok(reason) => outcome(
                "withdraw",
                REASON,
                state
                    .store
                    .withdraw_registration(&viewer.actor(), id, reason, state.clock.now())
                    .await,
            ),
        }
    };
    after(&state, viewer, id, result, |r| {
        r.typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct CloseForm {
    outcome: Option<String>,
    reason: Option<String>,
}

/// REG-7: the partner (or its approver) reports the opportunity won or lost.
async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("outcome", "outcome"), ("reason", "reason")];
    let input = CloseInput {
        outcome: form.outcome.clone(),
        reason: form.reason.as_deref().and_then(blank_to_none),
    };
    let result = match parse_close(&input) {
        Err(e) => Ok(Err(invalid("close", e, FIELDS))),
        Ok((won_or_lost, reason)) => outcome(
            "close",
            FIELDS,
            state
                .store
                .close_registration(&viewer.actor(), id, won_or_lost, reason, state.clock.now())
                .await,
        ),
    };
    after(&state, viewer, id, result, |r| {
        r.typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct ExtendForm {
    valid_through: Option<String>,
    reason: Option<String>,
}

/// Files a change request (REG-5): the partner asks; the manager decides.
async fn ask_for_change(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    form: &'static str,
    input: ChangeRequestInput,
    fields: &[(&str, &'static str)],
) -> Outcome {
    let settings = state.store.settings().await?;
    let today = business_date(state.clock.now(), &settings.zone());
    match parse_change_request(&input, today) {
        Err(e) => Ok(Err(invalid(form, e, fields))),
        Ok((change, reason)) => outcome(
            form,
            fields,
            state
                .store
                .request_change(&viewer.actor(), id, change, reason, state.clock.now())
                .await,
        ),
    }
}

async fn request_extension(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ExtendForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("valid_through", "valid_through"), ("reason", "reason")];
    let input = ChangeRequestInput {
        kind: Some("extension".into()),
        valid_through: form.valid_through.as_deref().and_then(blank_to_none),
        reason: form.reason.as_deref().and_then(blank_to_none),
        ..ChangeRequestInput::default()
    };
    let result = ask_for_change(&state, &viewer, id, "extend", input, FIELDS).await;
    after(&state, viewer, id, result, |r| {
        r.typed("valid_through", form.valid_through.as_deref())
            .typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct UpdateForm {
    value: Option<String>,
    expected_close: Option<String>,
    reason: Option<String>,
}

/// REG-5: the partner asks to change the estimated value or the expected close date.
async fn request_update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<UpdateForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[
        ("estimated_value.amount_minor", "value"),
        ("estimated_value", "value"),
        ("expected_close_date", "expected_close"),
        ("reason", "reason"),
    ];
    let value = form.value.as_deref().and_then(blank_to_none);
    let result = match value.as_deref().map(typed_amount).transpose() {
        Err(message) => Ok(Err(
            Refused::new("update", StatusCode::UNPROCESSABLE_ENTITY).error("value", message)
        )),
        Ok(amount) => {
            let currency = state
                .store
                .get_registration(&viewer.actor(), id)
                .await?
                .estimated_value
                .currency;
            let input = ChangeRequestInput {
                kind: Some("update".into()),
                estimated_value: amount.map(|amount_minor| MoneyInput {
                    amount_minor: Some(amount_minor),
                    currency: Some(currency.to_string()),
                }),
                expected_close_date: form.expected_close.as_deref().and_then(blank_to_none),
                reason: form.reason.as_deref().and_then(blank_to_none),
                ..ChangeRequestInput::default()
            };
            let mut fields = FIELDS.to_vec();
            // "Change something": the parser names `kind` when nothing would change.
            fields.push(("kind", "value"));
            ask_for_change(&state, &viewer, id, "update", input, &fields).await
        }
    };
    after(&state, viewer, id, result, |r| {
        r.typed("value", form.value.as_deref())
            .typed("expected_close", form.expected_close.as_deref())
            .typed("reason", form.reason.as_deref())
    })
    .await
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    reason: Option<String>,
    /// The page the form is on, to show again if the decision is refused.
    registration_id: i64,
}

async fn decide_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(request_id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, UiError> {
    let approve = form.decision == "approve";
    let reason = if approve {
        parse_optional_reason(&reason_input(&form.reason))
    } else {
        parse_decline(&DeclineInput {
            reason: reason_input(&form.reason).reason,
        })
        .map(Some)
    };
    let result = match reason {
        Err(_) if !approve && form.reason.as_deref().is_none_or(|r| r.trim().is_empty()) => Ok(Err(Refused::new(
            "request",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .error("reason", "Give the partner a reason for declining their request."))),
        Err(e) => Ok(Err(invalid("request", e, REASON))),
        Ok(reason) => outcome(
            "request",
            REASON,
            state
                .store
                .decide_change(&viewer.actor(), request_id, approve, reason, state.clock.now())
                .await,
        ),
    };
    after(&state, viewer, form.registration_id, result, |r| {
        r.typed("reason", form.reason.as_deref())
            .typed("id", Some(&request_id.to_string()))
    })
    .await
}
