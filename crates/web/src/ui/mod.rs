//! The pages (PLT-5): server-rendered HTML (askama) with htmx for the small interactive parts, over
//! the same store services as the JSON API, so a page can show nothing the API would not answer to
//! the same person. Signed in with e-mail and password; every form carries a CSRF token. All
//! assets are served by dealreg itself: no external requests.
//!
//! One module per feature family, named as in the API and the domain; each gives its routes as
//! [`Pages`], which records them, so that [`route_table`] lists every page.

mod access;
mod charts;
mod chrome;
mod commissions;
mod csv_import;
mod dashboard;
mod directory;
mod error;
mod format;
mod forms;
mod invoices;
mod leads;
mod notifications;
mod opportunities;
mod orders;
mod pager;
mod products;
mod registrations;
mod reports;
mod upload;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder};
use error::UiError;
use store::{Page, PageRequest, StoreError};

const HTMX: &[u8] = include_bytes!("../../assets/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../../assets/app.css");
const FAVICON: &[u8] = include_bytes!("../../assets/favicon.svg");
/// The largest form that sends a file: the largest attachment and the rest of its form.
pub(crate) const MAX_UPLOAD_BYTES: usize = domain::registrations::discussion::MAX_ATTACHMENT_BYTES + 64 * 1024;

/// Page routes, each recorded in a table as it is added to the router: axum cannot list a
/// router's routes, and a second, hand-kept list would drift.
#[derive(Default)]
pub(crate) struct Pages {
    router: Router<AppState>,
    table: Vec<(&'static str, &'static str)>,
}

impl Pages {
    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Pages {
        self.add("GET", path, get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Pages {
        self.add("POST", path, post(handler))
    }

    /// A form that sends a file (multipart), allowed [`MAX_UPLOAD_BYTES`].
    pub fn post_upload<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Pages {
        self.add(
            "POST",
            path,
            post(handler).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
    }

    pub fn merge(mut self, other: Pages) -> Pages {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    fn add(mut self, method: &'static str, path: &'static str, route: MethodRouter<AppState>) -> Pages {
        self.router = self.router.route(path, route);
        self.table.push((method, path));
        self
    }
}

/// The pages behind sign-in and the CSRF check.
fn pages() -> Pages {
    Pages::default()
        .merge(access::routes())
        .merge(dashboard::routes())
        .merge(registrations::routes())
        .merge(orders::routes())
        .merge(leads::routes())
        .merge(invoices::routes())
        .merge(commissions::routes())
        .merge(opportunities::routes())
        .merge(products::routes())
        .merge(notifications::routes())
        .merge(reports::routes())
        .merge(directory::routes())
}

fn assets() -> Pages {
    Pages::default()
        .get("/assets/htmx.min.js", || async {
            asset(HTMX, "text/javascript; charset=utf-8")
        })
        .get("/assets/app.css", || async { asset(CSS, "text/css; charset=utf-8") })
        .get("/assets/favicon.svg", || async { asset(FAVICON, "image/svg+xml") })
        // Browsers ask for /favicon.ico whatever the page says.
        .get("/favicon.ico", || async { asset(FAVICON, "image/svg+xml") })
}

fn asset(body: &'static [u8], content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

fn auth_layer(state: &AppState) -> AuthManagerLayer<access::Backend, access::session::DbSessions> {
    AuthManagerLayerBuilder::new(access::Backend(state.clone()), access::session::layer(state)).build()
}

/// Pages and their assets; sessions and sign-in wrap them, the CSRF check guards every form.
pub fn router(state: &AppState) -> Router<AppState> {
    pages()
        .router
        .layer(axum::middleware::from_fn(access::csrf_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::with_navigation,
        ))
        .layer(auth_layer(state))
        .merge(assets().router)
}

/// What answers a path that is no route: `not_found` for the API's paths, the "not found" page,
/// inside the signed-in person's navigation, for every other.
pub fn fallback(state: &AppState) -> Router {
    Router::new()
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api/") {
                crate::error::ApiError::not_found("route").into_response()
            } else {
                not_found().await
            }
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::with_navigation,
        ))
        .layer(auth_layer(state))
        .with_state(state.clone())
}

/// (method, path) of every route of the pages and their assets, as [`router`] serves them: for
/// tests that must reach every page.
pub fn route_table() -> Vec<(&'static str, &'static str)> {
    let mut table = pages().table;
    table.extend(assets().table);
    table
}

/// HTML answer for paths that are no page.
pub async fn not_found() -> Response {
    UiError::not_found().into_response()
}

pub fn render(page: &impl Template) -> Result<Response, UiError> {
    page.render()
        .map(|html| Html(html).into_response())
        .map_err(UiError::internal)
}

/// Every page of a list, up to the export bound.
async fn all_pages<T, F, Fut>(fetch: F) -> Result<Vec<T>, UiError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    store::every_page(fetch).await?.ok_or_else(|| {
        UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("More than {} rows: filter the list first.", store::MAX_GATHERED),
        )
    })
}
