//! Users and their API tokens: the list with adding a user; one user's page with editing,
//! (de)activating, their tokens (issuing and revoking) and ending their sessions.

use crate::AppState;
use crate::credentials;
use crate::ui::access::Viewer;
use crate::ui::all_pages;
use crate::ui::chrome::Chrome;
use crate::ui::directory::{Notice, admin_only};
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::forms::{Choice, FormErrors, blank_to_none, choices};
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::input::{UserInput, UserUpdateInput, parse_user, parse_user_update};
use domain::{FieldErrors, Role};
use serde::Deserialize;
use store::{ApiToken, Partner, StoreError, User};

pub fn routes() -> Pages {
    Pages::default()
        .get("/admin/users", users)
        .post("/admin/users", add_user)
        .get("/admin/users/{id}", user)
        .post("/admin/users/{id}", edit_user)
        .post("/admin/users/{id}/active", set_active)
        .post("/admin/users/{id}/token", new_token)
        .post("/admin/users/{id}/tokens/revoke", revoke_token)
        .post("/admin/users/{id}/sessions/end", end_sessions)
}

/// A user as the list shows them: the role's label and the partner's name.
struct UserRow {
    user: User,
    role: String,
    partner: String,
}

/// The add form as typed (never the password: it is not shown again).
#[derive(Default, Deserialize)]
#[serde(default)]
struct UserForm {
    email: String,
    display_name: String,
    role: String,
    partner_id: String,
    password: String,
}

#[derive(Template)]
#[template(path = "directory/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    form: UserForm,
    errors: FormErrors,
    roles: Vec<Choice>,
    partners: Vec<Choice>,
    done: Option<String>,
}

fn role_choices(chosen: &str) -> Vec<Choice> {
    choices(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().into_owned())),
        chosen,
    )
}

fn partner_choices(partners: &[Partner], chosen: &str) -> Vec<Choice> {
    choices(partners.iter().map(|p| (p.id.to_string(), p.name.clone())), chosen)
}

async fn all_partners(state: &AppState, viewer: &Viewer) -> Result<Vec<Partner>, UiError> {
    let actor = viewer.actor();
    let mut partners = all_pages(|page| state.store.list_partners(&actor, page)).await?;
    partners.sort_by_key(|p| p.name.to_lowercase());
    Ok(partners)
}

fn status_of(errors: &FormErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

async fn users_page(
    state: &AppState,
    viewer: Viewer,
    form: UserForm,
    errors: FormErrors,
    done: Option<String>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let users = all_pages(|page| state.store.list_users(&actor, page)).await?;
    let partners = all_partners(state, &viewer).await?;
    let users = users
        .into_iter()
        .map(|user| UserRow {
            role: user.role.label().into_owned(),
            partner: user
                .partner_id
                .and_then(|id| partners.iter().find(|p| p.id == id))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            user,
        })
        .collect();
    let page = UsersPage {
        chrome: viewer.chrome.titled("Users and tokens"),
        users,
        roles: role_choices(&form.role),
        partners: partner_choices(&partners, &form.partner_id),
        form,
        done,
        errors,
    };
    Ok((status_of(&page.errors), render(&page)?).into_response())
}

async fn users(State(state): State<AppState>, viewer: Viewer, Query(n): Query<Notice>) -> Result<Response, UiError> {
    users_page(&state, viewer, UserForm::default(), FormErrors::default(), n.done).await
}

/// A partner id as the form sends it: blank for none.
fn partner_id(raw: &str, errors: &mut FieldErrors) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse()
        .map_err(|_| errors.add("partner_id", "Choose a partner from the list."))
        .ok()
}

/// A store refusal shown beside its field: a taken address beside the e-mail address.
fn refusal(e: StoreError) -> Result<FieldErrors, UiError> {
    match e {
        StoreError::Invalid(errors) => Ok(errors),
        StoreError::Conflict { .. } => Ok(FieldErrors::single(
            "email",
            "Someone already has an account with this e-mail address.",
        )),
        other => Err(other.into()),
    }
}

async fn add_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(mut form): Form<UserForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let mut errors = FieldErrors::default();
    let input = UserInput {
        email: blank_to_none(&form.email),
        display_name: blank_to_none(&form.display_name),
        role: blank_to_none(&form.role),
        partner_id: partner_id(&form.partner_id, &mut errors),
        password: Some(std::mem::take(&mut form.password)).filter(|p| !p.is_empty()),
    };
    let result = match parse_user(&input) {
        Ok(user) if errors.is_empty() => {
            let record = credentials::user_record(user).await.map_err(UiError::internal)?;
            state
                .store
                .create_user(Some(&viewer.actor()), record, state.clock.now())
                .await
                .map(drop)
        }
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/users?done=added").into_response()),
        Err(e) => {
            errors.0.extend(refusal(e)?.0);
            users_page(&state, viewer, form, FormErrors::from_fields(errors), None).await
        }
    }
}

/// One user's edit form as typed.
#[derive(Default, Deserialize)]
#[serde(default)]
struct EditForm {
    email: String,
    display_name: String,
    role: String,
    partner_id: String,
}

impl EditForm {
    fn of(user: &User) -> EditForm {
        EditForm {
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role.as_str().to_owned(),
            partner_id: user.partner_id.map(|p| p.to_string()).unwrap_or_default(),
        }
    }
}

/// A token as its user's page lists it.
struct TokenRow {
    id: i64,
    label: String,
    created: String,
    expires: String,
    /// "Works", "Revoked 2026-11-22 10:00", "Expired …".
    state: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "directory/user.html")]
struct UserPage {
    chrome: Chrome,
    user: User,
    role: String,
    partner: String,
    form: EditForm,
    errors: FormErrors,
    roles: Vec<Choice>,
    partners: Vec<Choice>,
    tokens: Vec<TokenRow>,
    /// A token just issued, shown once.
    token: Option<String>,
    done: Option<String>,
    token_validity_days: [u16; 3],
    /// Why the viewer may not deactivate this user (their own account), if so.
    keeps_active: Option<&'static str>,
}

struct UserPageParts {
    form: Option<EditForm>,
    errors: FieldErrors,
    token: Option<String>,
    done: Option<String>,
}

impl UserPageParts {
    fn done(done: Option<String>) -> UserPageParts {
        UserPageParts {
            form: None,
            errors: FieldErrors::default(),
            token: None,
            done,
        }
    }
}

async fn user_page(state: &AppState, viewer: Viewer, id: i64, parts: UserPageParts) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let user = state.store.find_user(id).await?.ok_or(StoreError::NotFound("user"))?;
    let partners = all_partners(state, &viewer).await?;
    let zone = state.store.settings().await?.zone();
    let now = state.clock.now();
    let tokens = state
        .store
        .list_tokens(&actor, id)
        .await?
        .into_iter()
        .map(|t: ApiToken| {
            let (state, live) = match (t.revoked_at, t.expires_at) {
                (Some(r), _) => (format!("Revoked {}", when(r, &zone)), false),
                (None, Some(e)) if e <= now => (format!("Expired {}", when(e, &zone)), false),
                (None, _) => ("Works".to_owned(), true),
            };
            TokenRow {
                id: t.id,
                label: t.label,
                created: when(t.created_at, &zone),
                expires: t
                    .expires_at
                    .map_or_else(|| "Until revoked".to_owned(), |e| when(e, &zone)),
                state,
                live,
            }
        })
        .collect();
    let keeps_active = domain::access::may_deactivate(&actor, user.id).err();
    let form = parts.form.unwrap_or_else(|| EditForm::of(&user));
    let errors = FormErrors::from_fields(parts.errors);
    let page = UserPage {
        chrome: viewer.chrome.titled(user.display_name.clone()),
        keeps_active,
        role: user.role.label().into_owned(),
        partner: user
            .partner_id
            .and_then(|id| partners.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        roles: role_choices(&form.role),
        partners: partner_choices(&partners, &form.partner_id),
        user,
        form,
        errors,
        tokens,
        token: parts.token,
        done: parts.done,
        token_validity_days: TOKEN_VALIDITY_DAYS,
    };
    Ok((status_of(&page.errors), render(&page)?).into_response())
}

async fn user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, UiError> {
    user_page(&state, viewer, id, UserPageParts::done(n.done)).await
}

async fn edit_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let mut errors = FieldErrors::default();
    let input = UserUpdateInput {
        email: Some(form.email.clone()),
        display_name: Some(form.display_name.clone()),
        role: blank_to_none(&form.role),
        partner_id: Some(partner_id(&form.partner_id, &mut errors)),
    };
    let result = match parse_user_update(&input) {
        Ok(update) if errors.is_empty() => state
            .store
            .update_user(&viewer.actor(), id, update, state.clock.now())
            .await
            .map(drop),
        Ok(_) => Err(StoreError::Invalid(FieldErrors::default())),
        Err(more) => Err(StoreError::Invalid(more)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response()),
        Err(e) => {
            errors.0.extend(refusal(e)?.0);
            let parts = UserPageParts {
                form: Some(form),
                errors,
                token: None,
                done: None,
            };
            user_page(&state, viewer, id, parts).await
        }
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
        "/admin/users/{id}?done={}",
        if active { "activated" } else { "deactivated" }
    ))
    .into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TokenForm {
    /// What the token is for; blank: "web".
    label: String,
    /// Days the token works; empty: until revoked.
    valid_days: String,
}

/// How long a new token may be made to work, as the form offers it.
const TOKEN_VALIDITY_DAYS: [u16; 3] = [30, 90, 365];

/// Longest label of a token.
const MAX_TOKEN_LABEL_CHARS: usize = 100;

/// A new API token, shown once on the page that answers.
async fn new_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();
    let days = match form.valid_days.trim() {
        "" => None,
        d => d
            .parse::<u16>()
            .ok()
            .filter(|d| TOKEN_VALIDITY_DAYS.contains(d))
            .or_else(|| {
                errors.add("valid_days", "Choose how long the token works from the list.");
                None
            }),
    };
    let label = blank_to_none(&form.label).unwrap_or_else(|| "web".to_owned());
    if label.chars().count() > MAX_TOKEN_LABEL_CHARS || label.chars().any(char::is_control) {
        errors.add(
            "label",
            format!("Keep the label to one line of at most {MAX_TOKEN_LABEL_CHARS} characters."),
        );
    }
    if !errors.is_empty() {
        return user_page(
            &state,
            viewer,
            id,
            UserPageParts {
                errors,
                ..UserPageParts::done(None)
            },
        )
        .await;
    }
    let expires = days
        .map(|d| now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(d))))
        .transpose()
        .map_err(UiError::internal)?;
    let (secret, hash) = credentials::new_token().map_err(UiError::internal)?;
    state
        .store
        .create_token(Some(&viewer.actor()), id, &label, &hash, expires, now)
        .await?;
    let parts = UserPageParts {
        token: Some(secret),
        ..UserPageParts::done(None)
    };
    user_page(&state, viewer, id, parts).await
}

#[derive(Deserialize)]
struct RevokeForm {
    token_id: i64,
}

/// Revokes one of this user's tokens; a token of anyone else is not found here.
async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    let actor = viewer.actor();
    let tokens = state.store.list_tokens(&actor, id).await?;
    if !tokens.iter().any(|t| t.id == form.token_id) {
        return Err(StoreError::NotFound("token").into());
    }
    state
        .store
        .revoke_token(Some(&actor), form.token_id, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=token+revoked")).into_response())
}

/// Ends every browser session of a user (a lost laptop, a suspicion).
async fn end_sessions(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    admin_only(&viewer)?;
    state.store.end_sessions(&viewer.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=signed+out+everywhere")).into_response())
}
