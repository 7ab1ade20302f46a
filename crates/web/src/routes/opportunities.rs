//! Opportunities and the rules of engagement (ROE-1 … ROE-5): the opportunity and its manager,
//! the pipeline, later close dates, revenue-share teams, co-sell partners, re-assignment and major
//! accounts.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, FileBody, Id, IdPair, JsonBody, PageParams, Params, parse_code_param, parse_param};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::files::{csv_file, every_page};
use crate::routes::registrations::today;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::documents::{MAX_ATTACHMENT_BYTES, parse_attachment};
use domain::opportunities::input::{
    CloseDateRequestInput, CoSellInput, DecisionInput, MajorAccountInput, NewOpportunityInput, OpportunityUpdateInput,
    ReassignInput, RevenueShareInput, parse_close_date_request, parse_co_sell, parse_decision, parse_major_account,
    parse_new_opportunity, parse_outcome, parse_reassign, parse_revenue_share, parse_update,
};
use domain::opportunities::{DocumentPurpose, Party, PartyKind, Status};
use domain::registrations::input::CloseInput;
use serde::Deserialize;
use store::{
    MajorAccountRecord, Opportunity, OpportunityDetail, OpportunityDocument, OpportunityFilter, Page, PipelineTotals,
    Reassigned, files,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    let files = OpenApiRouter::new()
        .routes(routes!(share_document))
        .layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES));
    OpenApiRouter::new()
        .merge(files)
        .routes(routes!(download_document))
        .routes(routes!(open, list))
        .routes(routes!(export))
        .routes(routes!(pipeline))
        .routes(routes!(get_one, update))
        .routes(routes!(close))
        .routes(routes!(ask_close_date))
        .routes(routes!(decide_close_date))
        .routes(routes!(ask_revenue_share))
        .routes(routes!(decide_revenue_share))
        .routes(routes!(add_co_sell))
        .routes(routes!(add_note))
        .routes(routes!(reassign))
        .routes(routes!(elevate, list_major_accounts))
}

fn to_value<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Runs a creating POST under its `Idempotency-Key`, answering 201 with what it made.
async fn created<T, F, Fut>(
    state: &AppState,
    actor: &domain::Actor,
    key: IdempotencyKey,
    route: &str,
    bytes: &[u8],
    make: F,
) -> ApiResult<Response>
where
    T: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    idempotency::once(state, actor, key, route, bytes, StatusCode::CREATED, || async {
        Ok((StatusCode::CREATED, to_value(&make().await?)))
    })
    .await
}

/// Open an opportunity (partners with a level, the sales team, channel managers, sales management).
/// A partner manages what it opens; on a major account the opportunity is turned over to its Major
/// Account Manager. 409 while another manager's rights cover these products (ROE-3).
#[utoipa::path(post, path = "/opportunities", tag = "opportunities", request_body = NewOpportunityInput,
    params(IdempotencyKey),
    responses((status = 201, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn open(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<NewOpportunityInput>,
) -> ApiResult<Response> {
    created(&state, &actor, key, "POST /opportunities", &body.bytes, || async {
        let new = parse_new_opportunity(&body.value, today(&state).await?)?;
        Ok(state.store.open_opportunity(&actor, new, state.clock.now()).await?)
    })
    .await
}

/// The filter of the opportunities list, the pipeline and the export, all optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OpportunityQuery {
    /// open, won, lost or lapsed.
    pub status: Option<String>,
    pub stage: Option<String>,
    /// Managed by this internal user.
    pub manager_user_id: Option<String>,
    /// Managed by, or with a part for, this partner (the assigned partner).
    pub partner_id: Option<String>,
    pub region_id: Option<String>,
    pub customer_id: Option<String>,
    /// Forecast close dates from (YYYY-MM-DD, inclusive).
    pub close_from: Option<String>,
    /// Forecast close dates to (YYYY-MM-DD, inclusive).
    pub close_to: Option<String>,
}

impl OpportunityQuery {
    pub(crate) fn filter(&self) -> Result<OpportunityFilter, ApiError> {
        self.checked().map_err(ApiError::from)
    }

    /// The filter, or each bad parameter named (the pipeline page shows them in words).
    pub(crate) fn checked(&self) -> Result<OpportunityFilter, domain::FieldErrors> {
        let mut errors = domain::FieldErrors::default();
        let status = parse_code_param(&mut errors, "status", &self.status, Status::parse);
        let manager: Option<i64> = parse_param(&mut errors, "manager_user_id", &self.manager_user_id, "an id");
        let filter = OpportunityFilter {
            status,
            stage: self.stage.clone().filter(|s| !s.trim().is_empty()),
            manager: manager.map(|id| Party {
                kind: PartyKind::User,
                id,
            }),
            partner_id: parse_param(&mut errors, "partner_id", &self.partner_id, "an id"),
            region_id: parse_param(&mut errors, "region_id", &self.region_id, "an id"),
            customer_id: parse_param(&mut errors, "customer_id", &self.customer_id, "an id"),
            close_from: parse_param(&mut errors, "close_from", &self.close_from, "a date (YYYY-MM-DD)"),
            close_to: parse_param(&mut errors, "close_to", &self.close_to, "a date (YYYY-MM-DD)"),
        };
        errors.into_result(filter)
    }
}

/// Opportunities, newest first. Partners see those they manage or take part in.
#[utoipa::path(get, path = "/opportunities", tag = "opportunities", params(PageParams, OpportunityQuery),
    responses((status = 200, body = Page<Opportunity>), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(page): Params<PageParams>,
    Params(query): Params<OpportunityQuery>,
) -> ApiResult<Json<Page<Opportunity>>> {
    let filter = query.filter()?;
    Ok(Json(
        state.store.list_opportunities(&actor, filter, page.page()?).await?,
    ))
}

/// The opportunities the filter selects as CSV, one row each.
#[utoipa::path(get, path = "/opportunities/export", tag = "opportunities", params(OpportunityQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(query): Params<OpportunityQuery>,
) -> ApiResult<Response> {
    let filter = query.filter()?;
    let all = every_page("close_from", "opportunities", |page| {
        state.store.list_opportunities(&actor, filter.clone(), page)
    })
    .await?;
    Ok(csv_file("opportunities.csv", files::opportunities_csv(&all)))
}

/// Forecast totals of the open pipeline the filter selects, by stage and by month of close, per currency.
#[utoipa::path(get, path = "/opportunities/pipeline", tag = "opportunities", params(OpportunityQuery),
    responses((status = 200, body = PipelineTotals), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn pipeline(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(query): Params<OpportunityQuery>,
) -> ApiResult<Json<PipelineTotals>> {
    let filter = query.filter()?;
    Ok(Json(state.store.pipeline_totals(&actor, filter).await?))
}

/// One opportunity: manager and their history, team, forecast, plan, requests, registrations, orders,
/// renewals, the major account and the shared timeline.
#[utoipa::path(get, path = "/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 200, body = OpportunityDetail), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_one(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<OpportunityDetail>> {
    Ok(Json(state.store.get_opportunity(&actor, id).await?))
}

/// Change name, stage, forecast, an earlier close date, products or plan (its manager, sales
/// management). A later close date is asked for (`POST /opportunities/{id}/close-date`).
#[utoipa::path(patch, path = "/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)),
    request_body = OpportunityUpdateInput,
    responses((status = 200, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<OpportunityUpdateInput>,
) -> ApiResult<Json<OpportunityDetail>> {
    let update = parse_update(&body.value, today(&state).await?)?;
    Ok(Json(
        state
            .store
            .update_opportunity(&actor, id, update, state.clock.now())
            .await?,
    ))
}

/// Close as won (a renewal opens for term products, with the same manager: ROE-4) or lost with a reason.
#[utoipa::path(post, path = "/opportunities/{id}/close", tag = "opportunities", params(("id" = i64, Path)),
    request_body = CloseInput,
    responses((status = 200, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn close(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<CloseInput>,
) -> ApiResult<Json<OpportunityDetail>> {
    let (outcome, reason) = parse_outcome(&body.value)?;
    Ok(Json(
        state
            .store
            .close_opportunity(&actor, id, outcome, reason, state.clock.now())
            .await?,
    ))
}

/// Ask sales management to move the forecast close date later (it extends the manager's rights, ROE-3).
#[utoipa::path(post, path = "/opportunities/{id}/close-date", tag = "opportunities", params(("id" = i64, Path), IdempotencyKey), request_body = CloseDateRequestInput,
    responses((status = 201, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn ask_close_date(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<CloseDateRequestInput>,
) -> ApiResult<Response> {
    created(
        &state,
        &actor,
        key,
        "POST /opportunities/{id}/close-date",
        &body.bytes,
        || async {
            let (date, reason) = parse_close_date_request(&body.value, today(&state).await?)?;
            Ok(state
                .store
                .request_close_date(&actor, id, date, reason, state.clock.now())
                .await?)
        },
    )
    .await
}

/// Approve or decline the pending close-date request (sales management).
#[utoipa::path(post, path = "/opportunities/{id}/close-date/decide", tag = "opportunities", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn decide_close_date(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<DecisionInput>,
) -> ApiResult<Json<OpportunityDetail>> {
    let (approve, note) = parse_decision(&body.value)?;
    Ok(Json(
        state
            .store
            .decide_close_date(&actor, id, approve, note, state.clock.now())
            .await?,
    ))
}

/// Ask the Major Account Manager for a revenue-share team (the manager it was turned over from);
/// shares in basis points totalling 10,000 (ROE-2).
#[utoipa::path(post, path = "/opportunities/{id}/revenue-share", tag = "opportunities", params(("id" = i64, Path), IdempotencyKey), request_body = RevenueShareInput,
    responses((status = 201, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn ask_revenue_share(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<RevenueShareInput>,
) -> ApiResult<Response> {
    created(
        &state,
        &actor,
        key,
        "POST /opportunities/{id}/revenue-share",
        &body.bytes,
        || async {
            let shares = parse_revenue_share(&body.value)?;
            Ok(state
                .store
                .ask_revenue_share(&actor, id, shares, state.clock.now())
                .await?)
        },
    )
    .await
}

/// The Major Account Manager's own consent to the revenue-share team, or its refusal; audited.
#[utoipa::path(post, path = "/opportunities/{id}/revenue-share/decide", tag = "opportunities", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn decide_revenue_share(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<DecisionInput>,
) -> ApiResult<Json<OpportunityDetail>> {
    let (agree, note) = parse_decision(&body.value)?;
    Ok(Json(
        state
            .store
            .decide_revenue_share(&actor, id, agree, note, state.clock.now())
            .await?,
    ))
}

/// Record a co-sell partner (ROE-4): it sees the shared timeline and shares its quotes and contracts there.
#[utoipa::path(post, path = "/opportunities/{id}/co-sell", tag = "opportunities", params(("id" = i64, Path), IdempotencyKey), request_body = CoSellInput,
    responses((status = 201, body = OpportunityDetail), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn add_co_sell(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<CoSellInput>,
) -> ApiResult<Response> {
    created(
        &state,
        &actor,
        key,
        "POST /opportunities/{id}/co-sell",
        &body.bytes,
        || async {
            let partner = parse_co_sell(&body.value)?;
            Ok(state.store.add_co_sell(&actor, id, partner, state.clock.now()).await?)
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NoteInput {
    #[schema(required = true, nullable = false, min_length = 1, max_length = 4000)]
    pub body: Option<String>,
}

/// A note on the shared timeline: the manager's selling activities, which the team and co-sell
/// partners follow and add to.
#[utoipa::path(post, path = "/opportunities/{id}/notes", tag = "opportunities", params(("id" = i64, Path), IdempotencyKey), request_body = NoteInput,
    responses((status = 201, body = OpportunityDetail), (status = 422, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn add_note(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<NoteInput>,
) -> ApiResult<Response> {
    created(
        &state,
        &actor,
        key,
        "POST /opportunities/{id}/notes",
        &body.bytes,
        || async {
            let text = domain::opportunities::input::parse_note(&body.value.body)?;
            Ok(state
                .store
                .add_timeline_note(&actor, id, text, state.clock.now())
                .await?)
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DocumentQuery {
    /// The file's name as its owner knows it, e.g. `Quote 4471.pdf`.
    #[param(required = true)]
    file_name: Option<String>,
    /// quote, contract or other (default other).
    #[param(value_type = Option<DocumentPurpose>)]
    purpose: Option<String>,
}

/// Share a copy of a quote or contract on the opportunity (ROE-4: a co-sell partner's with the
/// manager, who is told): the raw file as the body. PDF, PNG, JPEG, UTF-8 text, Word (.docx) or
/// Excel (.xlsx), recognised by content, up to 10 MB, stored with its SHA-256 and never changed.
#[utoipa::path(post, path = "/opportunities/{id}/documents", tag = "opportunities",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    params(("id" = i64, Path), DocumentQuery, IdempotencyKey),
    responses((status = 201, body = OpportunityDocument), (status = 422, body = Problem), (status = 413, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn share_document(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Params(query): Params<DocumentQuery>,
    key: IdempotencyKey,
    FileBody(bytes): FileBody,
) -> ApiResult<Response> {
    let name = query.file_name.unwrap_or_default();
    let purpose = query.purpose.unwrap_or_else(|| "other".into());
    let route = format!("POST /opportunities/{id}/documents?file_name={name}&purpose={purpose}");
    created(&state, &actor, key, &route, &bytes, || async {
        let purpose = DocumentPurpose::parse(&purpose)
            .map_err(|m| ApiError::bad_field(StatusCode::UNPROCESSABLE_ENTITY, "purpose", m))?;
        let file = parse_attachment(&name, bytes.to_vec())?;
        Ok(state
            .store
            .add_document(&actor, id, purpose, file, state.clock.now())
            .await?)
    })
    .await
}

/// Download a shared document, as it was shared.
#[utoipa::path(get, path = "/opportunities/{id}/documents/{document_id}", tag = "opportunities",
    params(("id" = i64, Path), ("document_id" = i64, Path)),
    responses((status = 200, description = "The file, as it was shared", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "text/plain"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn download_document(
    State(state): State<AppState>,
    Auth(actor): Auth,
    IdPair(id, document_id): IdPair,
) -> ApiResult<Response> {
    let file = state.store.document(&actor, id, document_id).await?;
    Ok(crate::routes::registrations::file_download(
        file.document.kind,
        &file.document.file_name,
        file.content,
    ))
}

/// Re-assign opportunities with their revenue streams (sales management, ROE-5): named ones, or a
/// partner's open ones (in one region); open renewals follow; both managers are notified.
#[utoipa::path(post, path = "/opportunities/reassign", tag = "opportunities", request_body = ReassignInput,
    responses((status = 200, body = Reassigned), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn reassign(
    State(state): State<AppState>,
    Auth(actor): Auth,
    body: JsonBody<ReassignInput>,
) -> ApiResult<Json<Reassigned>> {
    let reassignment = parse_reassign(&body.value)?;
    Ok(Json(
        state.store.reassign(&actor, reassignment, state.clock.now()).await?,
    ))
}

/// Elevate an account to Major Account with its manager and plan (sales management, ROE-5); its open
/// opportunities managed by others are turned over to the MAM.
#[utoipa::path(post, path = "/major-accounts", tag = "opportunities", request_body = MajorAccountInput,
    params(IdempotencyKey),
    responses((status = 201, body = MajorAccountRecord), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn elevate(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<MajorAccountInput>,
) -> ApiResult<Response> {
    created(&state, &actor, key, "POST /major-accounts", &body.bytes, || async {
        let account = parse_major_account(&body.value)?;
        Ok(state.store.elevate_account(&actor, account, state.clock.now()).await?)
    })
    .await
}

/// Major accounts: every one for staff, a partner's own (as MAM) for a partner.
#[utoipa::path(get, path = "/major-accounts", tag = "opportunities",
    responses((status = 200, body = Vec<MajorAccountRecord>)), security(("bearer" = [])))]
async fn list_major_accounts(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<Json<Vec<MajorAccountRecord>>> {
    Ok(Json(state.store.list_major_accounts(&actor).await?))
}
