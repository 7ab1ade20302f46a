//! Deal registration (REG-1 … REG-7); its discussion in `discussion`.

mod discussion;

pub use discussion::file_download;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, Id, JsonBody, PageParams, Params, parse_param};
use crate::idempotency::{self, IdempotencyKey};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::calendar::business_date;
use domain::registrations::input::{
    ApproveInput, ChangeRequestInput, ClaimCheckInput, CloseInput, DeclineInput, NewRegistrationInput, ReasonInput,
    parse_approval, parse_change_request, parse_claim_check, parse_close, parse_decline, parse_new_registration,
    parse_optional_reason,
};
use serde::Serialize;
use store::{
    AuditEntry, ChangeRequestRecord, ClaimStatus, Page, Registration, RegistrationFilter, RegistrationSummary,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, list))
        .routes(routes!(get_one))
        .routes(routes!(check))
        .routes(routes!(approve))
        .routes(routes!(decline))
        .routes(routes!(withdraw))
        .routes(routes!(close))
        .routes(routes!(request_change, list_requests))
        .routes(routes!(approve_request))
        .routes(routes!(decline_request))
        .routes(routes!(history))
        .merge(discussion::router())
}

pub(crate) async fn today(state: &AppState) -> ApiResult<jiff::civil::Date> {
    let settings = state.store.settings().await?;
    Ok(business_date(state.clock.now(), &settings.zone()))
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Submit a registration (partners). Checked for channel conflicts at once.
#[utoipa::path(post, path = "/registrations", tag = "registrations", request_body = NewRegistrationInput,
    params(IdempotencyKey),
    responses((status = 201, body = Registration), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn submit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<NewRegistrationInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        "POST /registrations",
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let parsed = parse_new_registration(&body.value, today(&state).await?)?;
            let reg = state
                .store
                .submit_registration(&actor, parsed, state.clock.now())
                .await?;
            Ok((StatusCode::CREATED, to_value(&reg)))
        },
    )
    .await
}

/// The filter of the registrations list, all optional and checked here.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RegistrationQuery {
    /// submitted, approved, declined, expired, won, lost or withdrawn.
    status: Option<String>,
    partner_id: Option<String>,
    customer_id: Option<String>,
    /// Those routed to this approver.
    approver_id: Option<String>,
    /// `oldest` for first filed first (an approval queue); default newest first.
    sort: Option<String>,
    /// Approved ones whose last valid day is on or before this date (YYYY-MM-DD).
    expiring_before: Option<String>,
    /// Approved ones expected to close before this date (YYYY-MM-DD): their outcome is due.
    close_date_before: Option<String>,
}

impl RegistrationQuery {
    fn filter(&self) -> Result<RegistrationFilter, ApiError> {
        let mut errors = domain::FieldErrors::default();
        let status = self.status.as_deref().and_then(|s| {
            domain::registrations::Status::parse(s)
                .map_err(|m| errors.add("status", m))
                .ok()
        });
        let filter = RegistrationFilter {
            status,
            partner_id: parse_param(&mut errors, "partner_id", &self.partner_id, "an id"),
            customer_id: parse_param(&mut errors, "customer_id", &self.customer_id, "an id"),
            expiring_before: parse_param(
                &mut errors,
                "expiring_before",
                &self.expiring_before,
                "a date (YYYY-MM-DD)",
            ),
            approver_id: parse_param(&mut errors, "approver_id", &self.approver_id, "an id"),
            close_date_before: parse_param(
                &mut errors,
                "close_date_before",
                &self.close_date_before,
                "a date (YYYY-MM-DD)",
            ),
            // The pages' queue narrows by these; the API lists by partner and dates instead.
            region_id: None,
            submitted_before: None,
            search: None,
            without_pending_request: false,
            oldest_first: match self.sort.as_deref() {
                None | Some("newest") => false,
                Some("oldest") => true,
                Some(other) => {
                    errors.add("sort", format!("'{other}' is not newest or oldest"));
                    false
                }
            },
        };
        errors.into_result(filter).map_err(ApiError::from)
    }
}

/// List registrations, newest first. Partners see only their own.
#[utoipa::path(get, path = "/registrations", tag = "registrations", params(PageParams, RegistrationQuery),
    responses((status = 200, body = Page<RegistrationSummary>), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(page): Params<PageParams>,
    Params(query): Params<RegistrationQuery>,
) -> ApiResult<Json<Page<RegistrationSummary>>> {
    let page = page.page()?;
    let filter = query.filter()?;
    Ok(Json(state.store.list_registrations(&actor, filter, page).await?))
}

/// One registration. Approvers see the conflict matches in full; partners only `possible_conflict`.
#[utoipa::path(get, path = "/registrations/{id}", tag = "registrations", params(("id" = i64, Path)),
    responses((status = 200, body = Registration), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_one(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Registration>> {
    Ok(Json(state.store.get_registration(&actor, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
struct ClaimAnswer {
    /// `claimed` when another partner has an active registration for this customer (and products).
    status: ClaimStatus,
}

/// "Is this customer already registered?" — answered claimed or free, never by whom.
#[utoipa::path(post, path = "/registrations/check", tag = "registrations", request_body = ClaimCheckInput,
    responses((status = 200, body = ClaimAnswer), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn check(
    State(state): State<AppState>,
    Auth(actor): Auth,
    body: JsonBody<ClaimCheckInput>,
) -> ApiResult<Json<ClaimAnswer>> {
    let (customer, skus) = parse_claim_check(&body.value)?;
    let status = state.store.check_claim(&actor, customer, skus).await?;
    Ok(Json(ClaimAnswer { status }))
}

/// Approve: assigns the SOR number and validity (the routed regional manager or an admin).
#[utoipa::path(post, path = "/registrations/{id}/approve", tag = "registrations", params(("id" = i64, Path)), request_body = ApproveInput,
    responses((status = 200, body = Registration), (status = 409, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn approve(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<ApproveInput>,
) -> ApiResult<Json<Registration>> {
    let approval = parse_approval(&body.value)?;
    Ok(Json(
        state
            .store
            .approve_registration(&actor, id, approval, state.clock.now())
            .await?,
    ))
}

/// Decline, with a reason the partner will read.
#[utoipa::path(post, path = "/registrations/{id}/decline", tag = "registrations", params(("id" = i64, Path)), request_body = DeclineInput,
    responses((status = 200, body = Registration), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn decline(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<DeclineInput>,
) -> ApiResult<Json<Registration>> {
    let reason = parse_decline(&body.value)?;
    Ok(Json(
        state
            .store
            .decline_registration(&actor, id, reason, state.clock.now())
            .await?,
    ))
}

/// Withdraw a submitted or approved registration.
#[utoipa::path(post, path = "/registrations/{id}/withdraw", tag = "registrations", params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = Registration), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn withdraw(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<ReasonInput>,
) -> ApiResult<Json<Registration>> {
    let reason = parse_optional_reason(&body.value)?;
    Ok(Json(
        state
            .store
            .withdraw_registration(&actor, id, reason, state.clock.now())
            .await?,
    ))
}

/// Close an approved registration as won or lost.
#[utoipa::path(post, path = "/registrations/{id}/close", tag = "registrations", params(("id" = i64, Path)), request_body = CloseInput,
    responses((status = 200, body = Registration), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn close(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<CloseInput>,
) -> ApiResult<Json<Registration>> {
    let (outcome, reason) = parse_close(&body.value)?;
    Ok(Json(
        state
            .store
            .close_registration(&actor, id, outcome, reason, state.clock.now())
            .await?,
    ))
}

/// Ask for an update or an extension of an approved registration (its partner only).
#[utoipa::path(post, path = "/registrations/{id}/requests", tag = "requests", params(("id" = i64, Path),
        IdempotencyKey),
    request_body = ChangeRequestInput,
    responses((status = 201, body = ChangeRequestRecord), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn request_change(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<ChangeRequestInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        &format!("POST /registrations/{id}/requests"),
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let (change, reason) = parse_change_request(&body.value, today(&state).await?)?;
            let request = state
                .store
                .request_change(&actor, id, change, reason, state.clock.now())
                .await?;
            Ok((StatusCode::CREATED, to_value(&request)))
        },
    )
    .await
}

/// The update and extension requests of a registration.
#[utoipa::path(get, path = "/registrations/{id}/requests", tag = "requests", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ChangeRequestRecord>), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list_requests(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
) -> ApiResult<Json<Vec<ChangeRequestRecord>>> {
    Ok(Json(state.store.list_change_requests(&actor, id).await?))
}

/// Approve a pending request; the change applies at once.
#[utoipa::path(post, path = "/requests/{id}/approve", tag = "requests", params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 200, body = ChangeRequestRecord), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn approve_request(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<ReasonInput>,
) -> ApiResult<Json<ChangeRequestRecord>> {
    let reason = parse_optional_reason(&body.value)?;
    Ok(Json(
        state
            .store
            .decide_change(&actor, id, true, reason, state.clock.now())
            .await?,
    ))
}

/// Decline a pending request, with a reason.
#[utoipa::path(post, path = "/requests/{id}/decline", tag = "requests", params(("id" = i64, Path)), request_body = DeclineInput,
    responses((status = 200, body = ChangeRequestRecord), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn decline_request(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<DeclineInput>,
) -> ApiResult<Json<ChangeRequestRecord>> {
    let reason = parse_decline(&body.value)?;
    Ok(Json(
        state
            .store
            .decide_change(&actor, id, false, Some(reason), state.clock.now())
            .await?,
    ))
}

/// The audit trail of a registration: who did what, when, before and after.
#[utoipa::path(get, path = "/registrations/{id}/history", tag = "registrations", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AuditEntry>), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn history(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(state.store.registration_history(&actor, id).await?))
}
