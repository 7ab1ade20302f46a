//! Users and their API tokens: adding, (de)activating, issuing a token.

use crate::AppState;
use crate::credentials;
use crate::ui::access::Viewer;
use crate::ui::all_pages;
use crate::ui::chrome::Chrome;
use crate::ui::directory::{Notice, admin_only};
use crate::ui::error::UiError;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::input::{UserInput, parse_user};
use domain::{FieldError, Role};
use serde::Deserialize;
use store::{Partner, StoreError, User};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/users", users)
        .post("/admin/users", add_user)
        .post("/admin/users/{id}/active", set_active)
        .post("/admin/users/{id}/token", new_token)
        .post("/admin/users/{id}/sessions/end", end_sessions)
}

#[derive(Template)]
#[template(path = "directory/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
    partners: Vec<Partner>,
    roles: Vec<&'static str>,
    problems: Vec<FieldError>,
    token: Option<String>,
    done: Option<String>,
    token_validity_days: [u16; 3],
}

async fn users_page(
    state: &AppState,
    viewer: Viewer,
    problems: Vec<FieldError>,
    token: Option<String>,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let partners = all_pages(|page| state.store.list_partners(&actor, page)).await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UsersPage {
        chrome: viewer.chrome.titled("Users and tokens"),
        users,
        partners,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        problems,
        token,
        done,
        token_validity_days: TOKEN_VALIDITY_DAYS,
    };
    Ok((status, render(&page)?).into_response())
}

async fn users(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    users_page(&state, viewer, Vec::new(), None, n.done).await
}

#[derive(Deserialize)]
struct UserForm {
    email: String,
    display_name: String,
    role: String,
    partner_id: Option<String>,
    password: Option<String>,
}

async fn add_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<UserForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let input = UserInput {
        email: Some(form.email),
        display_name: Some(form.display_name),
        role: Some(form.role),
        partner_id: form.partner_id.as_deref().and_then(|p| p.parse().ok()),
        password: form.password.filter(|p| !p.is_empty()),
    };
    let user = match parse_user(&input) {
        Ok(user) => user,
        Err(e) => return users_page(&state, viewer, e.0, None, None).await,
    };
    let record = credentials::user_record(user).await.map_err(UiError::internal)?;
    match state
        .store
        .create_user(Some(&viewer.actor()), record, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?done=added").into_response()),
        Err(StoreError::Invalid(e)) => users_page(&state, viewer, e.0, None, None).await,
        Err(StoreError::Conflict { message, .. }) => {
            let problem = FieldError {
                field: "email".into(),
                message,
                line: None,
            };
            users_page(&state, viewer, vec![problem], None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let active = form.active == "true";
    state
        .store
        .set_user_active(Some(&viewer.actor()), id, active, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/users?done={}",
        if active { "activated" } else { "deactivated" }
    ))
    .into_response())
}

#[derive(Deserialize)]
struct TokenForm {
    /// Days the token works; empty: until revoked.
    valid_days: Option<String>,
}

/// How long a new token may be made to work, as the form offers it.
const TOKEN_VALIDITY_DAYS: [u16; 3] = [30, 90, 365];

/// A new API token, shown once on the page that answers.
async fn new_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let now = state.clock.now();
    let days = match form.valid_days.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse::<u16>().ok().filter(|d| TOKEN_VALIDITY_DAYS.contains(d)) {
            Some(days) => Some(days),
            None => {
                let problem = FieldError {
                    field: "valid_days".into(),
                    message: "Choose how long the token works from the list.".into(),
                    line: None,
                };
                return users_page(&state, viewer, vec![problem], None, None).await;
            }
        },
    };
    let expires = days
        .map(|d| now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(d))))
        .transpose()
        .map_err(UiError::internal)?;
    let (secret, hash) = credentials::new_token().map_err(UiError::internal)?;
    state
        .store
        .create_token(Some(&viewer.actor()), id, "web", &hash, expires, now)
        .await?;
    users_page(&state, viewer, Vec::new(), Some(secret), None).await
}

/// Ends every browser session of a user (a lost laptop, a suspicion).
async fn end_sessions(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    state.store.end_sessions(&viewer.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to("/admin/users?done=signed+out+everywhere").into_response())
}
