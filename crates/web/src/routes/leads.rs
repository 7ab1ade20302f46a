//! Leads (PRG-2): entered and imported by the channel team and sales, distributed to partners by
//! rules, accepted or declined by the partner they are offered to, assigned by hand by a channel
//! manager; the distribution rules.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, CsvBody, Id, JsonBody, MAX_CSV_BYTES, PageParams, Params, parse_code_param, parse_param};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::files::csv_file;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::leads::LeadStatus;
use domain::leads::files::parse_leads;
use domain::leads::input::{LeadAssignInput, LeadDeclineInput, LeadInput, parse_assign, parse_decline, parse_lead};
use domain::settings::LeadDistribution;
use store::{ImportReport, Lead, LeadFilter, Page, PageRequest, files};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Leads in one CSV export at most; narrow the filter for more.
const MAX_EXPORT_LEADS: usize = 100_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(export))
        .routes(routes!(rules, update_rules))
        .routes(routes!(get_one))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(assign))
        .routes(routes!(distribute))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import))
                .layer(DefaultBodyLimit::max(MAX_CSV_BYTES)),
        )
}

/// Enter a lead (administrators, regional managers, sales). It is distributed at once: offered to
/// a partner with the reason why, or left with the reason nobody could take it.
#[utoipa::path(post, path = "/leads", tag = "leads", request_body = LeadInput,
    params(IdempotencyKey),
    responses((status = 201, body = Lead), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<LeadInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        "POST /leads",
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let lead = parse_lead(&body.value)?;
            let created = state.store.create_lead(&actor, lead, state.clock.now()).await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&created).unwrap_or_default()))
        },
    )
    .await
}

/// Import leads from CSV (administrators, regional managers, sales). Columns: source, company,
/// domain, country, city, segment, contact_name, contact_email, region (by name), latitude,
/// longitude, description, estimated_value (a decimal), currency, products (`SKU:quantity`
/// separated by `;`). Every bad row is reported with its line; a file with any error imports
/// nothing. Each lead is distributed as it is imported.
#[utoipa::path(post, path = "/leads/import", tag = "leads",
    request_body(content = String, content_type = "text/csv"),
    params(IdempotencyKey),
    responses((status = 200, body = ImportReport), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn import(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    CsvBody(text): CsvBody,
) -> ApiResult<Response> {
    crate::routes::files::import(&state, &actor, key, "POST /leads/import", &text, || async {
        let rows = parse_leads(&text)?;
        Ok(state.store.import_leads(&actor, rows, state.clock.now()).await?)
    })
    .await
}

/// The filter of the leads list and its export.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LeadQuery {
    /// unassigned, offered, accepted or no_partner.
    status: Option<String>,
    /// The partner the lead is offered to or accepted by.
    partner_id: Option<String>,
}

impl LeadQuery {
    fn filter(&self) -> Result<LeadFilter, ApiError> {
        let mut errors = domain::FieldErrors::default();
        let status = parse_code_param(&mut errors, "status", &self.status, LeadStatus::parse);
        let filter = LeadFilter {
            partner_id: parse_param(&mut errors, "partner_id", &self.partner_id, "an id"),
            status,
        };
        errors.into_result(filter).map_err(ApiError::from)
    }
}

/// Leads, newest first. Partners see the leads offered to or accepted by them; the channel team and
/// sales see all, with who declined them.
#[utoipa::path(get, path = "/leads", tag = "leads", params(PageParams, LeadQuery),
    responses((status = 200, body = Page<Lead>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(page): Params<PageParams>,
    Params(query): Params<LeadQuery>,
) -> ApiResult<Json<Page<Lead>>> {
    let filter = query.filter()?;
    Ok(Json(state.store.list_leads(&actor, filter, page.page()?).await?))
}

/// The leads the filter selects as CSV, with their status, partner and why.
#[utoipa::path(get, path = "/leads/export", tag = "leads", params(LeadQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(query): Params<LeadQuery>,
) -> ApiResult<Response> {
    let filter = query.filter()?;
    let mut leads = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let batch = state.store.list_leads(&actor, filter.clone(), page).await?;
        leads.extend(batch.items);
        match batch.next_cursor.and_then(|c| c.parse().ok()) {
            Some(_) if leads.len() >= MAX_EXPORT_LEADS => {
                return Err(ApiError::bad_field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "status",
                    format!("more than {MAX_EXPORT_LEADS} leads match; narrow the filter"),
                ));
            }
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    Ok(csv_file("leads.csv", files::leads_csv(&leads)))
}

#[utoipa::path(get, path = "/leads/{id}", tag = "leads", params(("id" = i64, Path)),
    responses((status = 200, body = Lead), (status = 404, body = Problem), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_one(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Lead>> {
    Ok(Json(state.store.get_lead(&actor, id).await?))
}

/// Accept a lead offered to your company: it becomes an opportunity your company manages.
#[utoipa::path(post, path = "/leads/{id}/accept", tag = "leads", params(("id" = i64, Path)),
    responses((status = 200, body = Lead), (status = 409, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn accept(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Lead>> {
    Ok(Json(state.store.accept_lead(&actor, id, state.clock.now()).await?))
}

/// Decline a lead offered to your company, with a reason. It goes to the next partner at once and
/// is never offered to your company again; it is no longer yours to see, so nothing is answered.
#[utoipa::path(post, path = "/leads/{id}/decline", tag = "leads", params(("id" = i64, Path)), request_body = LeadDeclineInput,
    responses((status = 204, description = "Declined"), (status = 409, body = Problem), (status = 422, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn decline(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<LeadDeclineInput>,
) -> ApiResult<StatusCode> {
    let reason = parse_decline(&body.value)?;
    state.store.decline_lead(&actor, id, reason, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Offer a lead to a partner by hand (administrators, regional managers); never to one who declined it.
#[utoipa::path(post, path = "/leads/{id}/assign", tag = "leads", params(("id" = i64, Path)), request_body = LeadAssignInput,
    responses((status = 200, body = Lead), (status = 409, body = Problem), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn assign(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<LeadAssignInput>,
) -> ApiResult<Json<Lead>> {
    let choice = parse_assign(&body.value)?;
    Ok(Json(
        state.store.assign_lead(&actor, id, choice, state.clock.now()).await?,
    ))
}

/// Distribute a lead not yet accepted again, by today's rules (administrators, regional managers).
#[utoipa::path(post, path = "/leads/{id}/distribute", tag = "leads", params(("id" = i64, Path)),
    responses((status = 200, body = Lead), (status = 409, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn distribute(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Lead>> {
    Ok(Json(
        state.store.redistribute_lead(&actor, id, state.clock.now()).await?,
    ))
}

/// The distribution rules: the weight of each partner level (a level not listed weighs 0 and is
/// never picked automatically) and the open leads a partner takes at once by default.
#[utoipa::path(get, path = "/leads/rules", tag = "leads",
    responses((status = 200, body = LeadDistribution), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn rules(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<LeadDistribution>> {
    Ok(Json(state.store.lead_rules(&actor).await?))
}

/// Set the distribution rules (administrators, regional managers).
#[utoipa::path(put, path = "/leads/rules", tag = "leads", request_body = LeadDistribution,
    responses((status = 200, body = LeadDistribution), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn update_rules(
    State(state): State<AppState>,
    Auth(actor): Auth,
    body: JsonBody<LeadDistribution>,
) -> ApiResult<Json<LeadDistribution>> {
    Ok(Json(
        state
            .store
            .update_lead_rules(&actor, body.value.clone(), state.clock.now())
            .await?,
    ))
}
