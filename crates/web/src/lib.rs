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
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
        (name = "orders", description = "Order entry and pricing against SORs (ORD-1 … ORD-5)"),
        (name = "leads", description = "Leads distributed to partners by rules (PRG-2)"),
        (name = "opportunities", description = "Opportunities and the rules of engagement (ROE-1 … ROE-5)"),
        (name = "invoices", description = "Customer invoices, payments and credit notes: what partners earn commission on when paid (PRG-4)"),
        (name = "program", description = "Partner levels, activation stages, product categories, commission plans and a partner's terms (PRG-1, PRG-3)"),
        (name = "commissions", description = "Commission orders written when invoices are paid, their confirmation, statements and reports (PRG-4 … PRG-6)"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The problems any operation may answer with (RFC 9457 `application/problem+json`).
const PROBLEMS: [(u16, &str); 6] = [
    (400, "A path or query parameter, header or body that cannot be read"),
    (401, "No valid bearer token"),
    (403, "The caller's role may not do this"),
    (404, "No such record, or not the caller's to see"),
    (422, "Invalid input: each bad field is named in `errors`"),
    (503, "The database is unavailable; retry shortly"),
];
/// The further problems of operations that take a body.
const BODY_PROBLEMS: [(u16, &str); 4] = [
    (408, "The body stopped arriving for longer than the server waits"),
    (
        409,
        "The record's state forbids it, a rule refuses it, or a replayed key or PO number carries other content",
    ),
    (413, "The body is larger than the limit"),
    (415, "The body is not of the declared content type"),
];

/// Declares on every operation the problems it can answer with, once here instead of on each
/// handler, and gives every problem its real content type: the document then names every status
/// and body a client can get (checked by schemathesis in CI).
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        let is_problem = |content: &RefOr<utoipa::openapi::Content>| matches!(content, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
        for_each_operation(openapi, |operation, takes_body| {
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    response.content = std::mem::take(&mut response.content)
                        .into_iter()
                        .map(|(kind, content)| match kind.as_str() {
                            "application/json" if is_problem(&content) => ("application/problem+json".into(), content),
                            _ => (kind, content),
                        })
                        .collect();
                }
            }
            let extra = if takes_body { &BODY_PROBLEMS[..] } else { &[] };
            for (status, description) in PROBLEMS.iter().chain(extra) {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(*description)
                            .content("application/problem+json", problem())
                            .into()
                    });
            }
        });
    }
}

/// Record ids are positive: say so on every id in a path (`{id}`, `{attachment_id}`; a 0 or negative
/// id is a 400). (An `Idempotency-Key`'s pattern is declared by `idempotency::IdempotencyKey`.)
struct PositiveIds;

impl Modify for PositiveIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema, path::ParameterIn};
        for_each_operation(openapi, |operation, _| {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(p) = parameter else { continue };
                let Some(RefOr::T(Schema::Object(schema))) = &mut p.schema else {
                    continue;
                };
                if p.parameter_in == ParameterIn::Path && (p.name == "id" || p.name.ends_with("_id")) {
                    schema.minimum = Some(utoipa::Number::Int(1));
                }
            }
        });
    }
}

/// Calls `f` with every operation of the document and whether its method takes a body.
fn for_each_operation(
    openapi: &mut utoipa::openapi::OpenApi,
    mut f: impl FnMut(&mut utoipa::openapi::path::Operation, bool),
) {
    for item in openapi.paths.paths.values_mut() {
        for (operation, takes_body) in [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, false),
        ] {
            if let Some(operation) = operation.as_mut() {
                f(operation, takes_body);
            }
        }
    }
}

/// The OpenAPI document and the API routes it describes.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::registrations::router())
        .merge(routes::directory::router())
        .merge(routes::files::router())
        .merge(routes::orders::router())
        .merge(routes::leads::router())
        .merge(routes::opportunities::router())
        .merge(routes::invoices::router())
        .merge(routes::commissions::router())
        .merge(routes::notifications::router())
        .split_for_parts();
    ProblemResponses.modify(&mut doc);
    PositiveIds.modify(&mut doc);
    (router, doc)
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
        .fallback_service(ui::fallback(&state))
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this route does not accept that method",
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Headers of every answer, pages, API and assets alike, unless it sets its own (issue 12, item 9;
/// decision 40). The policy lets a page load and run only dealreg's own script, stylesheet and
/// requests: no page has an inline script, style or event handler (charts are SVG markup, not
/// images), and `base.html` turns off the style htmx would inject.
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
    // Pages and API answers hold one person's data (and a reset page its token in the URL): no
    // cache keeps them. The assets set their own.
    (header::CACHE_CONTROL, "no-store"),
];

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    /// Whatever its method, every operation documents the problems any request can meet, as
    /// problem+json (a PATCH once did not: schemathesis found its 400 and 401 undocumented).
    #[test]
    fn every_operation_of_every_method_documents_the_common_problems() {
        let (_, doc) = super::api();
        let json = serde_json::to_value(&doc).unwrap();
        let mut seen = 0;
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let Some(responses) = operation["responses"].as_object() else {
                    continue;
                };
                seen += 1;
                for status in ["400", "401", "403", "404", "422", "503"] {
                    let content = &responses[status]["content"];
                    assert!(
                        content["application/problem+json"].is_object(),
                        "{method} {path} does not document {status} as problem+json"
                    );
                }
            }
        }
        assert!(seen > 40, "only {seen} operations");
    }

    /// What the parsers refuse of a path id or an Idempotency-Key, the document says (schemathesis
    /// found `{attachment_id}` documented without its minimum).
    #[test]
    fn every_path_id_is_positive_and_every_idempotency_key_visible_ascii() {
        let (_, doc) = super::api();
        let json = serde_json::to_value(&doc).unwrap();
        let (mut ids, mut keys) = (0, Vec::new());
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for p in operation["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap();
                    if p["in"] == "path" && (name == "id" || name.ends_with("_id")) {
                        assert_eq!(p["schema"]["minimum"], 1, "{method} {path} {name}");
                        ids += 1;
                    } else if p["in"] == "header" && name == "Idempotency-Key" {
                        assert_eq!(p["schema"]["pattern"], "^[!-~]{1,255}$", "{method} {path}");
                        keys.push(format!("{} {path}", method.to_uppercase()));
                    }
                }
            }
        }
        keys.sort();
        assert!(ids > 20, "{ids} path ids");
        // Every handler that takes an `IdempotencyKey` (api::idempotency derives the same list by
        // probing the running server with a malformed key).
        assert_eq!(keys, KEYED_OPERATIONS);
    }

    /// The operations that honour an `Idempotency-Key`, sorted.
    const KEYED_OPERATIONS: [&str; 28] = [
        "POST /commission-plans",
        "POST /commission-plans/{id}/versions",
        "POST /customers",
        "POST /customers/import",
        "POST /invoices",
        "POST /invoices/import",
        "POST /leads",
        "POST /leads/import",
        "POST /major-accounts",
        "POST /opportunities",
        "POST /opportunities/{id}/close-date",
        "POST /opportunities/{id}/co-sell",
        "POST /opportunities/{id}/documents",
        "POST /opportunities/{id}/notes",
        "POST /opportunities/{id}/revenue-share",
        "POST /orders",
        "POST /orders/{id}/invoice",
        "POST /partners",
        "POST /partners/import",
        "POST /product-categories",
        "POST /products",
        "POST /products/import",
        "POST /regions",
        "POST /registrations",
        "POST /registrations/{id}/attachments",
        "POST /registrations/{id}/comments",
        "POST /registrations/{id}/requests",
        "POST /users",
    ];

    #[test]
    fn the_openapi_document_is_3_1_and_every_reference_resolves() {
        let (_, doc) = super::api();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        let schemas = json["components"]["schemas"].as_object().unwrap();
        // Two enums both named `Status` once shared one schema, and opportunities answered values
        // the registrations' enum does not list.
        assert!(
            schemas["Status"]["enum"]
                .as_array()
                .unwrap()
                .contains(&"withdrawn".into())
        );
        assert!(
            schemas["OpportunityStatus"]["enum"]
                .as_array()
                .unwrap()
                .contains(&"lapsed".into())
        );
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

    #[test]
    fn each_list_operation_documents_only_its_own_filters() {
        let (_, doc) = super::api();
        let json = serde_json::to_value(&doc).unwrap();
        let query = |path: &str| -> Vec<String> {
            let mut names: Vec<String> = json["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        };
        let page = ["before", "cursor", "limit"];
        for path in ["/partners", "/customers", "/products", "/users", "/notifications"] {
            assert_eq!(query(path), page, "{path}");
        }
        let registrations = [
            "approver_id",
            "before",
            "close_date_before",
            "cursor",
            "customer_id",
            "expiring_before",
            "limit",
            "partner_id",
            "sort",
            "status",
        ];
        assert_eq!(query("/registrations"), registrations);
        let orders = ["customer_id", "from", "partner_id", "sor_number", "status", "to"];
        assert_eq!(query("/orders/export"), orders);
        let mut paged_orders = [&orders[..], &page[..]].concat();
        paged_orders.sort();
        assert_eq!(query("/orders"), paged_orders);
    }
}
