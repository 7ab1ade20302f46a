//! Master data as CSV files: the price list (ORD-3), partners and end customers. Imports check the
//! whole file first and import nothing when any row is bad; the problem lists every bad row with its
//! line and column. Exports read back unchanged.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, CsvBody, MAX_CSV_BYTES};
use crate::idempotency::{self, IdempotencyKey};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Actor;
use domain::directory::files::{parse_customers, parse_partners, parse_price_list};
use store::ImportReport;
use store::files;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Runs an import under its idempotency key; it answers 200 with the import's report.
pub(crate) async fn import<F, Fut>(
    state: &AppState,
    actor: &Actor,
    key: IdempotencyKey,
    route: &str,
    text: &str,
    run: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<ImportReport>>,
{
    idempotency::once(state, actor, key, route, text.as_bytes(), StatusCode::OK, || async {
        let report = run().await?;
        Ok((StatusCode::OK, serde_json::to_value(report).unwrap_or_default()))
    })
    .await
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_products))
        .routes(routes!(export_products))
        .routes(routes!(import_partners))
        .routes(routes!(export_partners))
        .routes(routes!(import_customers))
        .routes(routes!(export_customers))
        .layer(DefaultBodyLimit::max(MAX_CSV_BYTES))
}

/// A CSV download named `file`.
/// Every item of a list for an export; more than `store::MAX_GATHERED` is a 422 on `field` (the
/// filter to narrow).
pub async fn every_page<T, F, Fut>(field: &str, what: &str, fetch: F) -> ApiResult<Vec<T>>
where
    F: FnMut(store::PageRequest) -> Fut,
    Fut: std::future::Future<Output = store::StoreResult<store::Page<T>>>,
{
    store::every_page(fetch).await?.ok_or_else(|| {
        crate::error::ApiError::bad_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            field,
            format!(
                "more than {} {what} match; narrow the dates or other filters",
                store::MAX_GATHERED
            ),
        )
    })
}

pub fn csv_file(file: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response()
}

/// Import a price list (administrators). One row per product and price version; columns: sku, name,
/// category, accessory, maintenance_term_months, currency, list_price, partner_price, msrp, rrsp,
/// effective_from (blank: today). Amounts are decimals (4999.00). Existing SKUs are updated; a
/// version dated like an existing one replaces it. Orders keep the prices they were entered at.
#[utoipa::path(post, path = "/products/import", tag = "products",
    request_body(content = String, content_type = "text/csv"),
    params(IdempotencyKey),
    responses((status = 200, body = ImportReport), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn import_products(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    CsvBody(text): CsvBody,
) -> ApiResult<Response> {
    import(&state, &actor, key, "POST /products/import", &text, || async {
        let today = crate::routes::registrations::today(&state).await?;
        let rows = parse_price_list(&text, today)?;
        Ok(state
            .store
            .import_products(Some(&actor), rows, state.clock.now(), &|_| {})
            .await?)
    })
    .await
}

/// The price list as CSV: every product with every price version.
#[utoipa::path(get, path = "/products/export", tag = "products",
    responses((status = 200, content_type = "text/csv", body = String)), security(("bearer" = [])))]
async fn export_products(State(state): State<AppState>, Auth(_actor): Auth) -> ApiResult<Response> {
    Ok(csv_file(
        "price-list.csv",
        files::price_list_csv(&state.store.export_products().await?),
    ))
}

/// Import partners (administrators). Columns: name, level, activation_stage, region (by name). A
/// partner whose name exists is updated.
#[utoipa::path(post, path = "/partners/import", tag = "partners",
    request_body(content = String, content_type = "text/csv"),
    params(IdempotencyKey),
    responses((status = 200, body = ImportReport), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn import_partners(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    CsvBody(text): CsvBody,
) -> ApiResult<Response> {
    import(&state, &actor, key, "POST /partners/import", &text, || async {
        let rows = parse_partners(&text)?;
        Ok(state
            .store
            .import_partners(Some(&actor), rows, state.clock.now(), &|_| {})
            .await?)
    })
    .await
}

/// Partners as CSV (administrators).
#[utoipa::path(get, path = "/partners/export", tag = "partners",
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn export_partners(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Response> {
    Ok(csv_file(
        "partners.csv",
        files::partners_csv(&state.store.export_partners(Some(&actor)).await?),
    ))
}

/// Import end customers (administrators, channel managers). Columns: name, domain, tax_id, city,
/// postal_code, country, segment. A row naming an existing customer (same tax id, domain, or name in
/// the same city) updates its segment, which decides MSRP or RRSP pricing without an SOR.
#[utoipa::path(post, path = "/customers/import", tag = "customers",
    request_body(content = String, content_type = "text/csv"),
    params(IdempotencyKey),
    responses((status = 200, body = ImportReport), (status = 422, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn import_customers(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    CsvBody(text): CsvBody,
) -> ApiResult<Response> {
    import(&state, &actor, key, "POST /customers/import", &text, || async {
        let rows = parse_customers(&text)?;
        Ok(state
            .store
            .import_customers(Some(&actor), rows, state.clock.now(), &|_| {})
            .await?)
    })
    .await
}

/// End customers as CSV (administrators, channel managers).
#[utoipa::path(get, path = "/customers/export", tag = "customers",
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn export_customers(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Response> {
    Ok(csv_file(
        "customers.csv",
        files::customers_csv(&state.store.export_customers(Some(&actor)).await?),
    ))
}
