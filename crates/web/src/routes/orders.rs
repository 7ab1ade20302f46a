//! Order entry (ORD-1 … ORD-5): partners' purchase orders verified against their SORs and priced.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, Id, JsonBody, PageParams, Params, parse_param};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::files::{csv_file, every_page};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::orders::input::{OrderInput, parse_order};
use store::{Order, OrderFilter, Page, files};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enter, list))
        .routes(routes!(export))
        .routes(routes!(get_one))
}

/// Enter a partner's purchase order (order entry, administrators, the partner itself). The SOR it
/// cites is verified and every line priced or refused with its reason — a SKU no product has too
/// ("refused: no product with SKU MB-999"), while the other lines are priced; 422 is for a PO that
/// cannot be read (a missing PO number, a quantity out of range, …). The partner is notified of the
/// outcome: accepted, partially accepted or refused. The PO number is the
/// idempotency key: the same PO of the same partner sent again answers 200 with the order already
/// entered; the same PO number with other content is a 409. An `Idempotency-Key` replays the first
/// answer, 201 included.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OrderInput,
    params(IdempotencyKey),
    responses((status = 201, body = Order, description = "Entered"), (status = 200, body = Order, description = "This PO was entered before"),
        (status = 422, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn enter(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<OrderInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        "POST /orders",
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let order = parse_order(&body.value)?;
            let entry = state.store.enter_order(&actor, order, state.clock.now()).await?;
            let status = if entry.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, serde_json::to_value(&entry.order).unwrap_or_default()))
        },
    )
    .await
}

/// The filter of the orders list and its export, all optional and checked here.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OrderQuery {
    /// accepted, partially_accepted or refused.
    status: Option<String>,
    partner_id: Option<String>,
    customer_id: Option<String>,
    /// Those citing this SOR or priced under it.
    sor_number: Option<String>,
    /// Order dates from (YYYY-MM-DD, inclusive).
    from: Option<String>,
    /// Order dates to (YYYY-MM-DD, inclusive).
    to: Option<String>,
}

impl OrderQuery {
    fn filter(&self) -> Result<OrderFilter, ApiError> {
        let mut errors = domain::FieldErrors::default();
        let status = self.status.as_deref().and_then(|s| {
            domain::orders::OrderStatus::parse(s)
                .map_err(|m| errors.add("status", m))
                .ok()
        });
        let sor_number: Option<domain::sor::SorNumber> = parse_param(
            &mut errors,
            "sor_number",
            &self.sor_number,
            "an SOR number (SOR-YYYY-NNNNNN)",
        );
        let filter = OrderFilter {
            partner_id: parse_param(&mut errors, "partner_id", &self.partner_id, "an id"),
            customer_id: parse_param(&mut errors, "customer_id", &self.customer_id, "an id"),
            sor_number: sor_number.map(|n| n.to_string()),
            status,
            from: parse_param(&mut errors, "from", &self.from, "a date (YYYY-MM-DD)"),
            to: parse_param(&mut errors, "to", &self.to, "a date (YYYY-MM-DD)"),
        };
        errors.into_result(filter).map_err(ApiError::from)
    }
}

/// Orders, newest first. Partners see their own; order entry and administrators all.
#[utoipa::path(get, path = "/orders", tag = "orders", params(PageParams, OrderQuery),
    responses((status = 200, body = Page<Order>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(page): Params<PageParams>,
    Params(query): Params<OrderQuery>,
) -> ApiResult<Json<Page<Order>>> {
    let filter = query.filter()?;
    Ok(Json(state.store.list_orders(&actor, filter, page.page()?).await?))
}

/// The orders the filter selects as CSV, one row per line with its price and reason.
#[utoipa::path(get, path = "/orders/export", tag = "orders", params(OrderQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(query): Params<OrderQuery>,
) -> ApiResult<Response> {
    let filter = query.filter()?;
    let orders = every_page("from", "orders", |page| {
        state.store.list_orders(&actor, filter.clone(), page)
    })
    .await?;
    Ok(csv_file("orders.csv", files::orders_csv(&orders)))
}

#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Order), (status = 404, body = Problem), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_one(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Order>> {
    Ok(Json(state.store.get_order(&actor, id).await?))
}
