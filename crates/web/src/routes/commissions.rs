//! The partner program and its commissions (issue 15: PRG-1, PRG-3…6): levels, activation stages,
//! product categories, plans and versions, a partner's terms, the preview of what an invoice earns,
//! the commission orders finance confirms, and the report. A partner reads its own orders, statements
//! and terms; another partner's are not found.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, Id, JsonBody, PageParams, Params, parse_code_param, parse_param};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::files::csv_file;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::commissions::PoState;
use domain::commissions::input::{
    CategoryInput, CategoryParentInput, LevelInput, PartnerTermsInput, PlanInput, PlanVersionInput, StageInput,
    parse_category, parse_level, parse_partner_terms, parse_plan, parse_stage, parse_version,
};
use domain::directory::files::write_csv;
use domain::money::plain_amount;
use serde::Deserialize;
use store::{
    Category, CommissionOrder, CommissionOrderFilter, InvoicePreview, LevelView, Page, PartnerProgram, PlanView,
    ReportFilter, ReportRow, StageView,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(levels))
        .routes(routes!(update_level))
        .routes(routes!(stages))
        .routes(routes!(update_stage))
        .routes(routes!(categories, create_category))
        .routes(routes!(move_category))
        .routes(routes!(plans, create_plan))
        .routes(routes!(plan))
        .routes(routes!(add_version))
        .routes(routes!(program, set_terms))
        .routes(routes!(preview))
        .routes(routes!(orders))
        .routes(routes!(order))
        .routes(routes!(confirm))
        .routes(routes!(report))
        .routes(routes!(report_csv))
}

/// The partner levels, highest first: name, rank, default commission plan and lead weight.
#[utoipa::path(get, path = "/levels", tag = "program",
    responses((status = 200, body = Vec<LevelView>)), security(("bearer" = [])))]
async fn levels(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<Vec<LevelView>>> {
    Ok(Json(state.store.list_levels(&actor).await?))
}

/// Rename, re-rank or re-weight a level, or set its default plan (administrators).
#[utoipa::path(put, path = "/levels/{id}", tag = "program", params(("id" = i64, Path)), request_body = LevelInput,
    responses((status = 200, body = LevelView), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn update_level(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<LevelInput>,
) -> ApiResult<Json<LevelView>> {
    let level = parse_level(&body.value)?;
    Ok(Json(
        state.store.update_level(&actor, id, level, state.clock.now()).await?,
    ))
}

/// The activation stages in onboarding order (seed 003: first contact, ramp-up, fully operational).
#[utoipa::path(get, path = "/activation-stages", tag = "program",
    responses((status = 200, body = Vec<StageView>)), security(("bearer" = [])))]
async fn stages(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<Vec<StageView>>> {
    Ok(Json(state.store.list_stages(&actor).await?))
}

/// Rename or re-order an activation stage (administrators).
#[utoipa::path(put, path = "/activation-stages/{id}", tag = "program", params(("id" = i64, Path)),
    request_body = StageInput,
    responses((status = 200, body = StageView), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn update_stage(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<StageInput>,
) -> ApiResult<Json<StageView>> {
    let (name, position) = parse_stage(&body.value)?;
    Ok(Json(
        state
            .store
            .update_stage(&actor, id, name, position, state.clock.now())
            .await?,
    ))
}

/// Product categories with their parents (staff): a plan rule for a category covers its subcategories.
#[utoipa::path(get, path = "/product-categories", tag = "program",
    responses((status = 200, body = Vec<Category>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn categories(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(state.store.list_categories(&actor).await?))
}

/// Add a product category, under a parent or at the top (finance, administrators).
#[utoipa::path(post, path = "/product-categories", tag = "program", request_body = CategoryInput,
    params(IdempotencyKey),
    responses((status = 201, body = Category), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn create_category(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<CategoryInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        "POST /product-categories",
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let category = parse_category(&body.value)?;
            let created = state.store.create_category(&actor, category, state.clock.now()).await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&created).unwrap_or_default()))
        },
    )
    .await
}

/// Move a category under another parent, or to the top (finance, administrators).
#[utoipa::path(put, path = "/product-categories/{id}/parent", tag = "program", params(("id" = i64, Path)),
    request_body = CategoryParentInput,
    responses((status = 200, body = Category), (status = 422, body = Problem), (status = 404, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn move_category(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<CategoryParentInput>,
) -> ApiResult<Json<Category>> {
    Ok(Json(
        state
            .store
            .set_category_parent(&actor, id, body.value.parent_id, state.clock.now())
            .await?,
    ))
}

/// Commission plans with their versions and rules (finance, administrators, channel management).
#[utoipa::path(get, path = "/commission-plans", tag = "program",
    responses((status = 200, body = Vec<PlanView>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn plans(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<Vec<PlanView>>> {
    Ok(Json(state.store.list_plans(&actor).await?))
}

/// Create a plan: its name and which date of a sale chooses the version in force (close, invoice —
/// the default — or payment). Its terms are its versions.
#[utoipa::path(post, path = "/commission-plans", tag = "program", request_body = PlanInput, params(IdempotencyKey),
    responses((status = 201, body = PlanView), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn create_plan(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<PlanInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        "POST /commission-plans",
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let plan = parse_plan(&body.value)?;
            let created = state.store.create_plan(&actor, plan, state.clock.now()).await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&created).unwrap_or_default()))
        },
    )
    .await
}

#[utoipa::path(get, path = "/commission-plans/{id}", tag = "program", params(("id" = i64, Path)),
    responses((status = 200, body = PlanView), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn plan(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<PlanView>> {
    Ok(Json(state.store.get_plan(&actor, id).await?))
}

/// Add the plan's next version: its dates (both included; open-ended when `effective_until` is
/// absent) and rules by product category and/or level — a percentage of the amount or of the margin,
/// sections by amount, or volume tiers over a month, quarter or year, incremental or retroactive.
/// Where several rules match a line, the most specific wins (category and level, category, level,
/// everything; a product's own category before a parent's).
#[utoipa::path(post, path = "/commission-plans/{id}/versions", tag = "program", params(("id" = i64, Path), IdempotencyKey),
    request_body = PlanVersionInput,
    responses((status = 201, body = PlanView), (status = 422, body = Problem), (status = 404, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn add_version(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<PlanVersionInput>,
) -> ApiResult<Response> {
    let route = format!("POST /commission-plans/{id}/versions");
    idempotency::once(
        &state,
        &actor,
        key,
        &route,
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let version = parse_version(&body.value)?;
            let plan = state
                .store
                .add_plan_version(&actor, id, version, state.clock.now())
                .await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&plan).unwrap_or_default()))
        },
    )
    .await
}

/// A partner's standing in the program: level and stage history, the plan it earns under and why,
/// its payout schedule and reviews. A partner reads its own.
#[utoipa::path(get, path = "/partners/{id}/program", tag = "program", params(("id" = i64, Path)),
    responses((status = 200, body = PartnerProgram), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn program(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<PartnerProgram>> {
    Ok(Json(state.store.partner_program(&actor, id, state.clock.now()).await?))
}

/// Set a partner's own plan (overriding its level's), payout schedule and review dates (finance,
/// administrators). An absent field is cleared.
#[utoipa::path(put, path = "/partners/{id}/program", tag = "program", params(("id" = i64, Path)),
    request_body = PartnerTermsInput,
    responses((status = 200, body = PartnerProgram), (status = 422, body = Problem), (status = 404, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn set_terms(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<PartnerTermsInput>,
) -> ApiResult<Json<PartnerProgram>> {
    let terms = parse_partner_terms(&body.value)?;
    Ok(Json(
        state
            .store
            .set_partner_terms(&actor, id, terms, state.clock.now())
            .await?,
    ))
}

/// What the invoice would earn paid in full, line by line, with the plan version, rule, base and rate
/// behind each figure, or why a line earns nothing.
#[utoipa::path(get, path = "/invoices/{id}/commission-preview", tag = "commissions", params(("id" = i64, Path)),
    responses((status = 200, body = InvoicePreview), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn preview(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<InvoicePreview>> {
    Ok(Json(state.store.preview_invoice(&actor, id, state.clock.now()).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OrderQuery {
    /// draft or confirmed.
    state: Option<String>,
    partner_id: Option<String>,
}

/// Commission purchase orders, newest first: one per partner, payout period and currency. A partner
/// reads its own.
#[utoipa::path(get, path = "/commission-orders", tag = "commissions", params(PageParams, OrderQuery),
    responses((status = 200, body = Page<CommissionOrder>), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn orders(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(page): Params<PageParams>,
    Params(query): Params<OrderQuery>,
) -> ApiResult<Json<Page<CommissionOrder>>> {
    let mut errors = domain::FieldErrors::default();
    let filter = CommissionOrderFilter {
        state: parse_code_param(&mut errors, "state", &query.state, PoState::parse),
        partner_id: parse_param(&mut errors, "partner_id", &query.partner_id, "an id"),
    };
    let filter = errors.into_result(filter).map_err(ApiError::from)?;
    Ok(Json(
        state.store.list_commission_orders(&actor, filter, page.page()?).await?,
    ))
}

/// One commission order with every line and its explanation.
#[utoipa::path(get, path = "/commission-orders/{id}", tag = "commissions", params(("id" = i64, Path)),
    responses((status = 200, body = CommissionOrder), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn order(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<CommissionOrder>> {
    Ok(Json(state.store.get_commission_order(&actor, id).await?))
}

/// Confirm a draft whose period is complete (finance, administrators), its partner's earlier drafts in
/// the currency first. The balance is paid at or above the program's minimum payout, else carried on
/// (a negative balance is never paid); the partner is sent its statement. A confirmed order never
/// changes: later corrections are lines on a later draft.
#[utoipa::path(post, path = "/commission-orders/{id}/confirm", tag = "commissions", params(("id" = i64, Path)),
    responses((status = 200, body = CommissionOrder), (status = 409, body = Problem), (status = 404, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn confirm(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<CommissionOrder>> {
    Ok(Json(
        state
            .store
            .confirm_commission_order(&actor, id, state.clock.now())
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportQuery {
    pub(crate) partner_id: Option<String>,
    /// Periods starting on or after this date (YYYY-MM-DD).
    pub(crate) from: Option<String>,
    /// Periods starting on or before this date.
    pub(crate) to: Option<String>,
}

impl ReportQuery {
    pub(crate) fn filter(&self) -> Result<ReportFilter, ApiError> {
        let mut errors = domain::FieldErrors::default();
        let filter = ReportFilter {
            partner_id: parse_param(&mut errors, "partner_id", &self.partner_id, "an id"),
            from: parse_param(&mut errors, "from", &self.from, "a date (YYYY-MM-DD)"),
            to: parse_param(&mut errors, "to", &self.to, "a date (YYYY-MM-DD)"),
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to < from
        {
            errors.add("to", "The end comes after the start.");
        }
        errors.into_result(filter).map_err(ApiError::from)
    }
}

/// Per partner and payout period, in each currency and under each plan rule: earned, clawed back, and
/// what of it is on draft and on confirmed orders. A partner reads its own.
#[utoipa::path(get, path = "/commission-report", tag = "commissions", params(ReportQuery),
    responses((status = 200, body = Vec<ReportRow>), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn report(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(query): Params<ReportQuery>,
) -> ApiResult<Json<Vec<ReportRow>>> {
    Ok(Json(state.store.commission_report(&actor, query.filter()?).await?))
}

pub(crate) const REPORT_COLUMNS: [&str; 13] = [
    "partner_id",
    "partner",
    "level",
    "period",
    "period_start",
    "currency",
    "plan",
    "version",
    "rule",
    "earned",
    "clawed_back",
    "draft",
    "confirmed",
];

/// The report as CSV, amounts in each currency's decimals.
pub(crate) fn report_file(rows: &[ReportRow]) -> String {
    write_csv(
        &REPORT_COLUMNS,
        rows.iter().map(|r| {
            let amount = |minor| plain_amount(minor, r.currency);
            vec![
                r.partner_id.to_string(),
                r.partner_name.clone(),
                r.level.label().into_owned(),
                r.period_label.clone(),
                r.period_start.to_string(),
                r.currency.to_string(),
                r.plan_name.clone(),
                r.version_number.to_string(),
                r.rule_name.clone(),
                amount(r.earned_minor),
                amount(r.clawed_back_minor),
                amount(r.draft_minor),
                amount(r.confirmed_minor),
            ]
        }),
    )
}

/// The commission report as CSV.
#[utoipa::path(get, path = "/commission-report.csv", tag = "commissions", params(ReportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn report_csv(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(query): Params<ReportQuery>,
) -> ApiResult<Response> {
    let rows = state.store.commission_report(&actor, query.filter()?).await?;
    Ok(csv_file("commission-report.csv", report_file(&rows)))
}
