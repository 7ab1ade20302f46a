//! A page that could not be shown, shown as a page with its status.

use crate::AppState;
use crate::ui::access::{AuthSession, csrf_token};
use crate::ui::chrome::Chrome;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
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
    message: String,
    next_step: &'static str,
}

/// A page that failed, as its answer carries it so that [`with_navigation`] can show it again
/// inside the signed-in person's navigation.
#[derive(Clone)]
struct Failed {
    status: StatusCode,
    message: String,
}

impl Failed {
    /// The page's title and what the person can do next, by kind of failure.
    fn words(&self) -> (&'static str, &'static str) {
        match self.status {
            StatusCode::NOT_FOUND => ("Not found", "Check the address, or start again from the dashboard."),
            StatusCode::FORBIDDEN => (
                "Not allowed",
                "If you think you should be allowed, ask your dealreg administrator.",
            ),
            StatusCode::CONFLICT => (
                "Changed meanwhile",
                "Go back and reload the page to see where things stand now.",
            ),
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => (
                "Please check what you entered",
                "Go back, correct it and send it again.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ("Too large", "Send a smaller file or form."),
            StatusCode::SERVICE_UNAVAILABLE => (
                "Try again in a moment",
                "dealreg is busy or its database is unreachable.",
            ),
            _ => (
                "Something went wrong",
                "Try again; if it keeps happening, tell your administrator.",
            ),
        }
    }

    fn page(&self, chrome: Chrome) -> Response {
        let (title, next_step) = self.words();
        let page = ErrorPage {
            chrome: chrome.titled(title),
            message: self.message.clone(),
            next_step,
        };
        let mut response = match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, page.message).into_response(),
        };
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let failed = Failed {
            status: self.status,
            message: self.message,
        };
        failed.page(Chrome::anonymous(String::new(), ""))
    }
}

/// A failed page of a signed-in person keeps their navigation: it does not look signed out.
pub async fn with_navigation(
    State(state): State<AppState>,
    auth: AuthSession,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let (Some(failed), Some(user)) = (response.extensions().get::<Failed>().cloned(), auth.user) else {
        return response;
    };
    // A page that failed for want of the database still shows its navigation, without the count.
    let unread = state.store.count_unread_notifications(&user.actor()).await.unwrap_or(0);
    match csrf_token(&auth.session).await {
        Ok(csrf) => failed.page(Chrome::signed_in(&user, csrf, &path, unread)),
        Err(_) => response,
    }
}
