//! Customer invoices (issue 15, item 3): finance or the ERP enters them (or makes one from an order),
//! issues them, records payments and credit notes by their external ids, cancels an unpaid one. The
//! partner who earns on an invoice reads it; another partner is told it does not exist.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, CsvBody, Id, JsonBody, MAX_CSV_BYTES, PageParams, Params, parse_code_param, parse_param};
use crate::idempotency::{self, IdempotencyKey};
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::invoices::InvoiceStatus;
use domain::invoices::files::parse_invoices;
use domain::invoices::input::{
    CreditNoteInput, InvoiceInput, IssueInput, OrderInvoiceInput, PaymentInput, parse_credit_note, parse_invoice,
    parse_issue, parse_order_invoice, parse_payment,
};
use serde::Deserialize;
use store::{ImportReport, Invoice, InvoiceFilter, Page};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one))
        .routes(routes!(from_order))
        .routes(routes!(issue))
        .routes(routes!(cancel))
        .routes(routes!(pay))
        .routes(routes!(credit))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import))
                .layer(DefaultBodyLimit::max(MAX_CSV_BYTES)),
        )
}

/// Import invoices from the ERP as CSV (finance, administrators): one row per invoice line, the rows
/// of an invoice sharing its number. Columns: number, partner_id, order_id, opportunity_id, currency,
/// issued_on (imports it issued), sku, description, quantity, amount and cost (decimals of the
/// currency, `4999.00`). Every bad row is reported with its line; a file with any error imports
/// nothing.
#[utoipa::path(post, path = "/invoices/import", tag = "invoices",
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
    crate::routes::files::import(&state, &actor, key, "POST /invoices/import", &text, || async {
        let rows = parse_invoices(&text)?;
        Ok(state.store.import_invoices(&actor, rows, state.clock.now()).await?)
    })
    .await
}

/// Enter a draft invoice (finance, administrators): the ERP's number, the partner who earns on it
/// (or its order or opportunity, whose partner it then is), its currency and lines with amount and
/// cost. Issuing it earns nothing yet; payment does.
#[utoipa::path(post, path = "/invoices", tag = "invoices", request_body = InvoiceInput,
    params(IdempotencyKey),
    responses((status = 201, body = Invoice), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<InvoiceInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        "POST /invoices",
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let invoice = parse_invoice(&body.value)?;
            let created = state.store.create_invoice(&actor, invoice, state.clock.now()).await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&created).unwrap_or_default()))
        },
    )
    .await
}

/// Make a draft invoice of an order (finance, administrators): its priced lines, its partner and
/// customer.
#[utoipa::path(post, path = "/orders/{id}/invoice", tag = "invoices", request_body = OrderInvoiceInput,
    params(("id" = i64, Path), IdempotencyKey),
    responses((status = 201, body = Invoice), (status = 422, body = Problem), (status = 409, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn from_order(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<OrderInvoiceInput>,
) -> ApiResult<Response> {
    let route = format!("POST /orders/{id}/invoice");
    idempotency::once(
        &state,
        &actor,
        key,
        &route,
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let number = parse_order_invoice(&body.value)?;
            let created = state.store.invoice_order(&actor, id, number, state.clock.now()).await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&created).unwrap_or_default()))
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct InvoiceQuery {
    /// draft, issued, paid, credited or cancelled.
    status: Option<String>,
    /// The partner who earns on the invoice.
    partner_id: Option<String>,
}

impl InvoiceQuery {
    fn filter(&self) -> Result<InvoiceFilter, ApiError> {
        let mut errors = domain::FieldErrors::default();
        let status = parse_code_param(&mut errors, "status", &self.status, InvoiceStatus::parse);
        let filter = InvoiceFilter {
            partner_id: parse_param(&mut errors, "partner_id", &self.partner_id, "an id"),
            status,
        };
        errors.into_result(filter).map_err(ApiError::from)
    }
}

/// Invoices, newest first: a partner's own; all for the channel team and finance.
#[utoipa::path(get, path = "/invoices", tag = "invoices", params(PageParams, InvoiceQuery),
    responses((status = 200, body = Page<Invoice>), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(page): Params<PageParams>,
    Params(query): Params<InvoiceQuery>,
) -> ApiResult<Json<Page<Invoice>>> {
    let filter = query.filter()?;
    Ok(Json(state.store.list_invoices(&actor, filter, page.page()?).await?))
}

#[utoipa::path(get, path = "/invoices/{id}", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Invoice), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_one(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Invoice>> {
    Ok(Json(state.store.get_invoice(&actor, id).await?))
}

/// Issue a draft invoice on its date. Nothing is earned until it is paid (seed 003).
#[utoipa::path(post, path = "/invoices/{id}/issue", tag = "invoices", params(("id" = i64, Path)), request_body = IssueInput,
    responses((status = 200, body = Invoice), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn issue(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<IssueInput>,
) -> ApiResult<Json<Invoice>> {
    let date = parse_issue(&body.value)?;
    Ok(Json(
        state.store.issue_invoice(&actor, id, date, state.clock.now()).await?,
    ))
}

/// Cancel a draft, or an issued invoice nobody paid; money received is undone by a credit note.
#[utoipa::path(post, path = "/invoices/{id}/cancel", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = Invoice), (status = 409, body = Problem), (status = 404, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn cancel(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Invoice>> {
    Ok(Json(state.store.cancel_invoice(&actor, id, state.clock.now()).await?))
}

/// Record a payment of an issued invoice, up to what is open. The same external id sent again with
/// the same amount and date counts once (the invoice is answered as it stands); with another amount,
/// date or invoice it is refused (409).
#[utoipa::path(post, path = "/invoices/{id}/payments", tag = "invoices", params(("id" = i64, Path)), request_body = PaymentInput,
    responses((status = 200, body = Invoice), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn pay(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<PaymentInput>,
) -> ApiResult<Json<Invoice>> {
    let payment = parse_payment(&body.value)?;
    Ok(Json(
        state
            .store
            .record_payment(&actor, id, payment, state.clock.now())
            .await?,
    ))
}

/// Record a credit note (a refund) against an issued or paid invoice's lines, each at most what the
/// line has left. The same external id counts once, as for payments.
#[utoipa::path(post, path = "/invoices/{id}/credit-notes", tag = "invoices", params(("id" = i64, Path)),
    request_body = CreditNoteInput,
    responses((status = 200, body = Invoice), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn credit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<CreditNoteInput>,
) -> ApiResult<Json<Invoice>> {
    let note = parse_credit_note(&body.value)?;
    Ok(Json(
        state
            .store
            .record_credit_note(&actor, id, note, state.clock.now())
            .await?,
    ))
}
