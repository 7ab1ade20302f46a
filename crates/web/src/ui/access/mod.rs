//! Signing in and out with e-mail and password (axum-login over our sessions), CSRF protection of
//! every form, throttling of failed sign-ins, and password reset links sent through the outbox.

pub mod session;

use crate::AppState;
use crate::credentials::{hash_password, hex, token_hash};
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::url_encode;
use crate::ui::{Pages, render};
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use askama::Template;
use axum::extract::{Form, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_login::{AuthUser, AuthnBackend, UserId};
use domain::access::input::MIN_PASSWORD_CHARS;
use domain::{Actor, Role};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use store::{StoreError, User};
use tower_sessions::Session;

/// Largest form body the CSRF check reads (form posts are small; files go through the API).
const MAX_FORM_BYTES: usize = 1024 * 1024;
const CSRF_KEY: &str = "csrf";
/// How long a password reset link works.
const RESET_VALIDITY: SignedDuration = SignedDuration::from_hours(1);

pub fn routes() -> Pages {
    Pages::default()
        .get("/login", sign_in_page)
        .post("/login", sign_in)
        .post("/logout", sign_out)
        .get("/password/forgot", forgot_page)
        .post("/password/forgot", forgot)
        .get("/password/reset/{token}", reset_page)
        .post("/password/reset/{token}", reset)
}

/// The signed-in person as the session keeps them.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    /// The password hash: a changed password ends every other session of the user.
    auth_hash: Vec<u8>,
}

impl WebUser {
    fn from_user(user: User) -> Option<WebUser> {
        let hash = user.password_hash.filter(|_| user.active)?;
        Some(WebUser {
            id: user.id,
            email: user.email,
            name: user.display_name,
            role: user.role,
            partner_id: user.partner_id,
            auth_hash: hash.into_bytes(),
        })
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            email: self.email.clone(),
            role: self.role,
            partner_id: self.partner_id,
        }
    }
}

impl AuthUser for WebUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.auth_hash
    }
}

#[derive(Clone)]
pub struct Backend(pub AppState);

#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug)]
pub enum SignInError {
    /// Too many failures: refused without looking at the password until then.
    Locked(Timestamp),
    Store(StoreError),
}

impl std::fmt::Display for SignInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignInError::Locked(until) => write!(f, "sign-in is locked until {until}"),
            SignInError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SignInError {}

impl From<StoreError> for SignInError {
    fn from(e: StoreError) -> Self {
        SignInError::Store(e)
    }
}

/// A fixed hash to verify against when the e-mail is unknown, so that the answer takes as long as
/// for a known one and does not tell which addresses have accounts.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ym9lC1hZ8p1T5XwqvKrlZQ9sDx3h3VbY0d2tQvB6nE";

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

impl AuthnBackend for Backend {
    type User = WebUser;
    type Credentials = Credentials;
    type Error = SignInError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<WebUser>, SignInError> {
        let now = self.0.clock.now();
        let Some(user) = self.0.store.find_user_by_email(&creds.email).await? else {
            password_matches(DUMMY_HASH, &creds.password);
            return Ok(None);
        };
        if let Some(until) = user.locked_until.filter(|until| *until > now) {
            return Err(SignInError::Locked(until));
        }
        let hash = user
            .password_hash
            .as_deref()
            .filter(|_| user.active)
            .unwrap_or(DUMMY_HASH);
        let ok = password_matches(hash, &creds.password) && user.active && user.password_hash.is_some();
        let user = self.0.store.record_sign_in(user.id, ok, now).await?;
        Ok(if ok { WebUser::from_user(user) } else { None })
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<WebUser>, SignInError> {
        Ok(self.0.store.find_user(*id).await?.and_then(WebUser::from_user))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, UiError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await.map_err(UiError::session)? {
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| UiError::internal(format!("no randomness: {e}")))?;
    let token = hex(&bytes);
    session.insert(CSRF_KEY, &token).await.map_err(UiError::session)?;
    Ok(token)
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every state-changing request of the pages must carry the session's CSRF token, in the form field
/// `csrf` or (htmx) the `X-CSRF-Token` header. Synchronizer tokens plus SameSite=Lax cookies.
pub async fn csrf_guard(session: Session, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = match session.get::<String>(CSRF_KEY).await {
        Ok(Some(token)) => token,
        _ => return UiError::csrf().into_response(),
    };
    let from_header = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) if crate::extract::body_timed_out(&e) => {
            return UiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "The form did not arrive in time: send it again.",
            )
            .into_response();
        }
        Err(_) => return UiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response(),
    };
    let sent = from_header.or_else(|| {
        form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_KEY)
            .map(|(_, v)| v.into_owned())
    });
    if !sent.is_some_and(|s| same(s.as_bytes(), expected.as_bytes())) {
        return UiError::csrf().into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The signed-in person, for pages that need one: anyone else is sent to the sign-in page.
pub struct Viewer {
    pub user: WebUser,
    pub chrome: Chrome,
}

impl Viewer {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let auth = AuthSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(user) = auth.user.clone() else {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target = format!("/login?next={}", url_encode(next));
            return Err(Redirect::to(&target).into_response());
        };
        let csrf = csrf_token(&auth.session).await.map_err(IntoResponse::into_response)?;
        let chrome = Chrome::signed_in(&user, csrf, parts.uri.path());
        Ok(Viewer { user, chrome })
    }
}

#[derive(Template)]
#[template(path = "access/login.html")]
struct SignInPage {
    chrome: Chrome,
    email: String,
    next: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// Only local paths: never redirect a signed-in user to another site.
/// Where to go after signing in: a path on this site as a browser will read it, else home. Browsers
/// drop tabs and line breaks from a URL and treat `\\` as `/`, so `/\t/evil.example` would be
/// `//evil.example`, another site: only visible ASCII is followed, never `//` or a backslash.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic())
}

async fn sign_in_page(auth: AuthSession, Query(q): Query<NextParam>) -> Result<Response, UiError> {
    if auth.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let chrome = Chrome::anonymous(csrf_token(&auth.session).await?, "Sign in");
    render(&SignInPage {
        chrome,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        problem: None,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn sign_in(
    mut auth: AuthSession,
    State(state): State<AppState>,
    Form(form): Form<SignInForm>,
) -> Result<Response, UiError> {
    let next = safe_next(form.next.as_deref());
    let creds = Credentials {
        email: form.email.clone(),
        password: form.password,
    };
    let problem = match auth.authenticate(creds).await {
        Ok(Some(user)) => {
            auth.login(&user).await.map_err(|e| UiError::internal(e.to_string()))?;
            return Ok(Redirect::to(&next).into_response());
        }
        Ok(None) => "The e-mail address or the password is not right.".to_owned(),
        Err(axum_login::Error::Backend(SignInError::Locked(until))) => {
            let zone = state.store.settings().await?.zone();
            format!(
                "Too many failed attempts: try again after {}.",
                until.to_zoned(zone).strftime("%H:%M %Z")
            )
        }
        Err(e) => return Err(UiError::internal(e.to_string())),
    };
    let chrome = Chrome::anonymous(csrf_token(&auth.session).await?, "Sign in");
    let page = SignInPage {
        chrome,
        email: form.email,
        next,
        problem: Some(problem),
    };
    Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
}

async fn sign_out(mut auth: AuthSession) -> Result<Response, UiError> {
    auth.logout().await.map_err(|e| UiError::internal(e.to_string()))?;
    auth.session.flush().await.map_err(UiError::session)?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template)]
#[template(path = "access/password_forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    sent: bool,
}

async fn forgot_page(session: Session) -> Result<Response, UiError> {
    let chrome = Chrome::anonymous(csrf_token(&session).await?, "Reset your password");
    render(&ForgotPage { chrome, sent: false })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Always the same answer, whether the address has an account or not.
async fn forgot(
    session: Session,
    State(state): State<AppState>,
    Form(form): Form<ForgotForm>,
) -> Result<Response, UiError> {
    let now = state.clock.now();
    if let Some(user) = state.store.find_user_by_email(&form.email).await?.filter(|u| u.active) {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| UiError::internal(format!("no randomness: {e}")))?;
        let token = hex(&bytes);
        let link = format!("{}/password/reset/{token}", state.public_url.trim_end_matches('/'));
        let expires = now
            .checked_add(RESET_VALIDITY)
            .map_err(|e| UiError::internal(e.to_string()))?;
        state
            .store
            .create_password_reset(user.id, &token_hash(&token), &link, expires, now)
            .await?;
    }
    let chrome = Chrome::anonymous(csrf_token(&session).await?, "Reset your password");
    render(&ForgotPage { chrome, sent: true })
}

#[derive(Template)]
#[template(path = "access/password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    problem: Option<String>,
}

async fn reset_page(session: Session) -> Result<Response, UiError> {
    let chrome = Chrome::anonymous(csrf_token(&session).await?, "Choose a new password");
    render(&ResetPage { chrome, problem: None })
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

async fn reset(
    session: Session,
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, UiError> {
    let problem = if form.password.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."))
    } else if form.password != form.confirm {
        Some("The two passwords differ.".to_owned())
    } else {
        let hash = hash_password(&form.password).map_err(UiError::internal)?;
        match state
            .store
            .reset_password(&token_hash(&token), &hash, state.clock.now())
            .await
        {
            Ok(_) => return Ok(Redirect::to("/login").into_response()),
            Err(StoreError::Invalid(e)) => Some(e.0.first().map(|e| e.message.clone()).unwrap_or_default()),
            Err(e) => return Err(e.into()),
        }
    };
    let chrome = Chrome::anonymous(csrf_token(&session).await?, "Choose a new password");
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&ResetPage { chrome, problem })?,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/registrations/4")), "/registrations/4");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        // What browsers strip or fold: tab, line breaks, leading space.
        for sneaky in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            " //evil.example",
        ] {
            assert_eq!(safe_next(Some(sneaky)), "/", "{sneaky:?}");
        }
        assert_eq!(safe_next(Some("/orders?status=refused")), "/orders?status=refused");
    }

    #[test]
    fn tokens_compare_in_full() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_addresses_cost_a_full_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!password_matches(DUMMY_HASH, "anything"));
    }
}
