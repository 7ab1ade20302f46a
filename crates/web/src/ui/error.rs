//! A page that could not be shown, shown as a page with its status.

use crate::ui::chrome::Chrome;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use store::StoreError;

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
