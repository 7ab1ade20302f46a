//! dealreg's HTTP surface: the JSON API under `/api/v1`, described by an OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Handlers parse input with the `domain` crate, call one [`store::Store`]
//! method — a domain service that runs as one transaction — and render its result or its problem.

pub mod credentials;
pub mod error;
pub mod extract;
mod idempotency;
mod routes;
pub mod ui;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use std::sync::{Arc, Mutex};
use store::Store;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Where "now" comes from: the system clock in production, a hand-set one in tests and in
/// `dealreg jobs run --as-of`.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved.
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Where people reach dealreg (e.g. `https://deals.example.com`): the base of links in e-mails.
    pub public_url: String,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "dealreg API", description = "Deal registration, SOR numbers, channel conflicts and order entry. Money is integer minor units with an ISO 4217 currency code; dates are YYYY-MM-DD in the company's time zone; instants are UTC."),
    modifiers(&BearerAuth),
    tags((name = "registrations", description = "REG-1 … REG-7"), (name = "requests", description = "Updates and extensions (REG-5)"),
        (name = "orders", description = "Order entry and pricing against SORs (ORD-1 … ORD-5)"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The OpenAPI document and the API routes it describes.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::registrations::router())
        .merge(routes::directory::router())
        .merge(routes::files::router())
        .merge(routes::orders::router())
        .split_for_parts()
}

pub fn app(state: AppState) -> Router {
    let (api, mut doc) = api();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let doc = Arc::new(doc);
    let api = api.route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    );
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(|| async { "ok" }))
        .merge(ui::router(&state))
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api/") {
                error::ApiError::not_found("route").into_response()
            } else {
                ui::not_found().await
            }
        })
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this route does not accept that method",
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_is_3_1_and_every_reference_resolves() {
        let (_, doc) = super::api();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let schemas = json["components"]["schemas"].as_object().unwrap();
        let text = json.to_string();
        let prefix = "\"#/components/schemas/";
        let mut rest = text.as_str();
        let mut checked = 0;
        while let Some(start) = rest.find(prefix) {
            let after = &rest[start + prefix.len()..];
            let name = &after[..after.find('"').unwrap()];
            assert!(schemas.contains_key(name), "dangling reference to {name}");
            checked += 1;
            rest = after;
        }
        assert!(checked > 20, "only {checked} references");
        assert!(json["components"]["securitySchemes"]["bearer"].is_object());
    }
}
