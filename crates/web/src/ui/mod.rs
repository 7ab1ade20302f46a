//! The pages (PLT-5): server-rendered HTML (askama) with htmx for the small interactive parts, over
//! the same store services as the JSON API, so a page can show nothing the API would not answer to
//! the same person. Signed in with e-mail and password; every form carries a CSRF token. All
//! assets are served by dealreg itself: no external requests.

mod access;
mod charts;
mod directory;
mod registrations;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_login::AuthManagerLayerBuilder;
use domain::Role;
use store::StoreError;

pub use access::WebUser;

const HTMX: &[u8] = include_bytes!("../../assets/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../../assets/app.css");

/// What every page shows around its content: title, navigation for the viewer's role, and the
/// CSRF token its forms (and htmx, by header) send back.
pub struct Chrome {
    pub title: String,
    pub csrf: String,
    pub user_name: Option<String>,
    pub role: String,
    pub nav: Vec<NavLink>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Chrome {
    pub fn anonymous(csrf: String, title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            csrf,
            user_name: None,
            role: String::new(),
            nav: Vec::new(),
        }
    }

    pub fn signed_in(user: &WebUser, csrf: String, path: &str) -> Chrome {
        let links: &[(&str, &str)] = match user.role {
            Role::PartnerAdmin | Role::PartnerUser => &[
                ("/", "Dashboard"),
                ("/registrations/new", "Register a deal"),
                ("/registrations", "Registrations"),
                ("/orders", "Orders"),
                ("/products", "Price list"),
                ("/reports", "Charts"),
                ("/notifications", "Notifications"),
            ],
            Role::ChannelManager => &[
                ("/", "Dashboard"),
                ("/queue", "Approval queue"),
                ("/registrations", "Registrations"),
                ("/products", "Price list"),
                ("/reports", "Charts"),
                ("/notifications", "Notifications"),
            ],
            Role::OrderEntry => &[
                ("/", "Dashboard"),
                ("/orders/new", "Enter a PO"),
                ("/orders", "Orders"),
                ("/products", "Price list"),
                ("/notifications", "Notifications"),
            ],
            Role::Admin => &[
                ("/", "Dashboard"),
                ("/queue", "Approval queue"),
                ("/registrations", "Registrations"),
                ("/orders/new", "Enter a PO"),
                ("/orders", "Orders"),
                ("/products", "Price list"),
                ("/reports", "Charts"),
                ("/admin/partners", "Admin"),
                ("/notifications", "Notifications"),
            ],
            Role::Sales | Role::Finance => &[
                ("/", "Dashboard"),
                ("/registrations", "Registrations"),
                ("/products", "Price list"),
                ("/reports", "Charts"),
                ("/notifications", "Notifications"),
            ],
        };
        let matches = |href: &str| match href {
            "/" => path == "/",
            _ => path == href || path.starts_with(&format!("{href}/")),
        };
        let current = links
            .iter()
            .map(|(href, _)| *href)
            .filter(|h| matches(h))
            .max_by_key(|h| h.len());
        Chrome {
            title: String::new(),
            csrf,
            user_name: Some(user.name.clone()),
            role: user.role.as_str().replace('_', " "),
            nav: links
                .iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: Some(*href) == current,
                })
                .collect(),
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Chrome {
        self.title = title.into();
        self
    }
}

/// A page that could not be shown, as a page.
#[derive(Debug)]
pub struct UiError {
    status: StatusCode,
    message: String,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> UiError {
        UiError {
            status,
            message: message.into(),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> UiError {
        tracing::error!(%detail, "page failed");
        UiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side; it has been logged.",
        )
    }

    pub fn session(e: tower_sessions::session::Error) -> UiError {
        UiError::internal(format!("session: {e}"))
    }

    pub fn csrf() -> UiError {
        UiError::new(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from dealreg. Go back, reload the page and try again.",
        )
    }

    pub fn not_found() -> UiError {
        UiError::new(
            StatusCode::NOT_FOUND,
            "There is no such page, or it is not yours to see.",
        )
    }
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => UiError::not_found(),
            StoreError::Forbidden(m) => UiError::new(StatusCode::FORBIDDEN, m),
            StoreError::Invalid(errors) => UiError::new(StatusCode::UNPROCESSABLE_ENTITY, errors.to_string()),
            StoreError::Transition(t) => UiError::new(StatusCode::CONFLICT, t.to_string()),
            StoreError::Conflict { message, .. } => UiError::new(StatusCode::CONFLICT, message),
            StoreError::Unavailable(m) => UiError::new(StatusCode::SERVICE_UNAVAILABLE, m),
            other => UiError::internal(other),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            chrome: Chrome::anonymous(String::new(), self.status.canonical_reason().unwrap_or("Error")),
            status: self.status.as_u16(),
            message: self.message,
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, page.message).into_response(),
        }
    }
}

pub fn render(page: &impl Template) -> Result<Response, UiError> {
    page.render()
        .map(|html| Html(html).into_response())
        .map_err(UiError::internal)
}

/// Percent-encodes a query value.
pub fn url_encode(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

fn asset(body: &'static [u8], content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

/// Pages and their assets; sessions and sign-in wrap them, the CSRF check guards every form.
pub fn router(state: &AppState) -> Router<AppState> {
    let auth = AuthManagerLayerBuilder::new(access::Backend(state.clone()), access::session::layer(state)).build();
    Router::new()
        .route("/login", get(access::sign_in_page).post(access::sign_in))
        .route("/logout", post(access::sign_out))
        .route("/password/forgot", get(access::forgot_page).post(access::forgot))
        .route("/password/reset/{token}", get(access::reset_page).post(access::reset))
        .merge(registrations::router())
        .merge(directory::router())
        .layer(axum::middleware::from_fn(access::csrf_guard))
        .layer(auth)
        .route(
            "/assets/htmx.min.js",
            get(|| async { asset(HTMX, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset(CSS, "text/css; charset=utf-8") }),
        )
}

/// HTML answer for paths that are no page.
pub async fn not_found() -> Response {
    UiError::not_found().into_response()
}
