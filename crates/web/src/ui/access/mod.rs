//! Signing in and out with e-mail and password (axum-login over our sessions), CSRF protection of
//! every form, throttling of failed sign-ins, password reset links sent through the outbox, and
//! signing out everywhere.

pub mod session;

use crate::AppState;
use crate::credentials::{check_password, hash_new_password, hex, token_hash};
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::url_encode;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Form, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_login::{AuthUser, AuthnBackend, UserId};
use domain::access::input::MIN_PASSWORD_CHARS;
use domain::{Actor, Role};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use store::{SignInClaim, StoreError, User};
use tower_sessions::Session;

/// Largest form body the CSRF check reads (form posts are small; files go through the API).
const MAX_FORM_BYTES: usize = 1024 * 1024;
const CSRF_KEY: &str = "csrf";
/// The cookie that carries the CSRF token of a browser without a session: the sign-in and
/// password pages write no session row for a visitor (issue 12), and a form posted from another
/// site cannot send the cookie's value.
const PRESESSION_COOKIE: &str = "dealreg_csrf";
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
        .post("/account/sign-out-everywhere", sign_out_everywhere)
}

/// The signed-in person as the session keeps them.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub partner_id: Option<i64>,
    /// The user's session version: when it moves on (a new password, deactivation, "sign out
    /// everywhere"), every session signed in under the older one ends.
    auth_hash: [u8; 8],
}

impl WebUser {
    fn from_user(user: User) -> Option<WebUser> {
        user.password_hash.as_ref().filter(|_| user.active)?;
        Some(WebUser {
            id: user.id,
            email: user.email,
            name: user.display_name,
            role: user.role,
            partner_id: user.partner_id,
            auth_hash: user.session_version.to_be_bytes(),
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

impl AuthnBackend for Backend {
    type User = WebUser;
    type Credentials = Credentials;
    type Error = SignInError;

    /// The attempt is counted before the password is checked, so that a burst of guesses meets
    /// the lock as guesses one by one would; an address without an account costs the same check
    /// and is locked the same way, so neither the answer nor its time tells which addresses exist.
    async fn authenticate(&self, creds: Credentials) -> Result<Option<WebUser>, SignInError> {
        let now = self.0.clock.now();
        let user = match self.0.store.claim_sign_in(&creds.email, now).await? {
            SignInClaim::Locked(until) => return Err(SignInError::Locked(until)),
            SignInClaim::Check(user) => user.filter(|u| u.active && u.password_hash.is_some()),
        };
        let hash = user
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_owned());
        if !check_password(hash, creds.password).await {
            return Ok(None);
        }
        let Some(user) = user else { return Ok(None) };
        let user = self.0.store.clear_sign_in_failures(user.id, now).await?;
        Ok(WebUser::from_user(user))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<WebUser>, SignInError> {
        Ok(self.0.store.find_user(*id).await?.and_then(WebUser::from_user))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

fn random_token() -> Result<String, UiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| UiError::internal(format!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, UiError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await.map_err(UiError::session)? {
        return Ok(token);
    }
    let token = random_token()?;
    session.insert(CSRF_KEY, &token).await.map_err(UiError::session)?;
    Ok(token)
}

fn presession_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == PRESESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The CSRF token of a page anyone may open (signing in, a forgotten password): the session's when
/// the browser has one, otherwise a cookie's, so that a visitor costs no session row.
pub struct VisitorCsrf {
    pub token: String,
    set_cookie: Option<HeaderValue>,
}

impl VisitorCsrf {
    /// The page's answer, setting the cookie when the browser did not have it yet.
    fn answer(self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        if let Some(cookie) = self.set_cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

impl FromRequestParts<AppState> for VisitorCsrf {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let in_session = session
            .get::<String>(CSRF_KEY)
            .await
            .map_err(|e| UiError::session(e).into_response())?;
        if let Some(token) = in_session.or_else(|| presession_token(&parts.headers)) {
            return Ok(VisitorCsrf {
                token,
                set_cookie: None,
            });
        }
        let token = random_token().map_err(IntoResponse::into_response)?;
        let secure = if state.public_url.starts_with("https://") {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!("{PRESESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}");
        let set_cookie =
            HeaderValue::from_str(&cookie).map_err(|e| UiError::internal(e.to_string()).into_response())?;
        Ok(VisitorCsrf {
            token,
            set_cookie: Some(set_cookie),
        })
    }
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every state-changing request of the pages must carry the CSRF token, in the form field `csrf`
/// or (htmx) the `X-CSRF-Token` header: the session's (synchronizer token), or for a browser
/// without one the pre-session cookie's (double submit). SameSite cookies besides.
pub async fn csrf_guard(session: Session, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = match session.get::<String>(CSRF_KEY).await {
        Ok(Some(token)) => token,
        Ok(None) => match presession_token(request.headers()) {
            Some(token) => token,
            None => return UiError::csrf().into_response(),
        },
        Err(_) => return UiError::csrf().into_response(),
    };
    let from_header = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = request.into_parts();
    let limit = if is_multipart(&parts.headers) {
        crate::ui::MAX_UPLOAD_BYTES
    } else {
        MAX_FORM_BYTES
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
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
    let sent = match from_header {
        Some(token) => Some(token),
        // A file upload (the price list) carries the token as a field of its multipart body.
        None if is_multipart(&parts.headers) => multipart_field(&parts.headers, &bytes, CSRF_KEY).await,
        None => form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_KEY)
            .map(|(_, v)| v.into_owned()),
    };
    if !sent.is_some_and(|s| same(s.as_bytes(), expected.as_bytes())) {
        return UiError::csrf().into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The text of the field `name` of a buffered multipart body, if it has one.
async fn multipart_field(headers: &HeaderMap, body: &axum::body::Bytes, name: &str) -> Option<String> {
    use axum::extract::FromRequest;
    let mut request = Request::new(axum::body::Body::from(body.clone()));
    *request.headers_mut() = headers.clone();
    let mut multipart = axum::extract::Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
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
        let unread = state
            .store
            .count_unread_notifications(&user.actor())
            .await
            .map_err(|e| UiError::from(e).into_response())?;
        let chrome = Chrome::signed_in(&user, csrf, parts.uri.path(), unread);
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

async fn sign_in_page(auth: AuthSession, csrf: VisitorCsrf, Query(q): Query<NextParam>) -> Result<Response, UiError> {
    if auth.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let page = SignInPage {
        chrome: Chrome::anonymous(csrf.token.clone(), "Sign in"),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        problem: None,
    };
    Ok(csrf.answer(render(&page)?))
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn sign_in(
    mut auth: AuthSession,
    csrf: VisitorCsrf,
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
            // A new session gets a new CSRF token: one seen before signing in is worth nothing after.
            let session = &auth.session;
            session.remove::<String>(CSRF_KEY).await.map_err(UiError::session)?;
            session
                .insert(session::USER_KEY, user.id)
                .await
                .map_err(UiError::session)?;
            csrf_token(session).await?;
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
    let page = SignInPage {
        chrome: Chrome::anonymous(csrf.token.clone(), "Sign in"),
        email: form.email,
        next,
        problem: Some(problem),
    };
    Ok(csrf.answer((StatusCode::UNAUTHORIZED, render(&page)?)))
}

async fn sign_out(mut auth: AuthSession) -> Result<Response, UiError> {
    auth.logout().await.map_err(|e| UiError::internal(e.to_string()))?;
    auth.session.flush().await.map_err(UiError::session)?;
    Ok(Redirect::to("/login").into_response())
}

/// Ends every browser session of the signed-in user, on every device, this one included.
async fn sign_out_everywhere(
    State(state): State<AppState>,
    viewer: Viewer,
    session: Session,
) -> Result<Response, UiError> {
    state
        .store
        .end_sessions(&viewer.actor(), viewer.user.id, state.clock.now())
        .await?;
    session.flush().await.map_err(UiError::session)?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template)]
#[template(path = "access/password_forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    sent: bool,
}

async fn forgot_page(csrf: VisitorCsrf) -> Result<Response, UiError> {
    let chrome = Chrome::anonymous(csrf.token.clone(), "Reset your password");
    Ok(csrf.answer(render(&ForgotPage { chrome, sent: false })?))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// The same answer, at once, whether the address has an account or not: the link is made and
/// queued after the answer, so that its time tells nothing either.
async fn forgot(
    csrf: VisitorCsrf,
    State(state): State<AppState>,
    Form(form): Form<ForgotForm>,
) -> Result<Response, UiError> {
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&state, &form.email).await {
            tracing::error!(error = ?e, "a password reset link was not queued");
        }
    });
    let chrome = Chrome::anonymous(csrf.token.clone(), "Reset your password");
    Ok(csrf.answer(render(&ForgotPage { chrome, sent: true })?))
}

/// Queues a reset link for an active account with this address; anything else is silently done.
async fn send_reset_link(state: &AppState, email: &str) -> Result<(), UiError> {
    let now = state.clock.now();
    let Some(user) = state.store.find_user_by_email(email).await?.filter(|u| u.active) else {
        return Ok(());
    };
    let token = random_token()?;
    let link = format!("{}/password/reset/{token}", state.public_url.trim_end_matches('/'));
    let expires = now
        .checked_add(RESET_VALIDITY)
        .map_err(|e| UiError::internal(e.to_string()))?;
    state
        .store
        .create_password_reset(user.id, &token_hash(&token), &link, expires, now)
        .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "access/password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    problem: Option<String>,
}

async fn reset_page(csrf: VisitorCsrf) -> Result<Response, UiError> {
    let chrome = Chrome::anonymous(csrf.token.clone(), "Choose a new password");
    Ok(csrf.answer(render(&ResetPage { chrome, problem: None })?))
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

async fn reset(
    csrf: VisitorCsrf,
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, UiError> {
    let problem = if form.password.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."))
    } else if form.password != form.confirm {
        Some("The two passwords differ.".to_owned())
    } else {
        let hash = hash_new_password(form.password).await.map_err(UiError::internal)?;
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
    let chrome = Chrome::anonymous(csrf.token.clone(), "Choose a new password");
    Ok(csrf.answer((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&ResetPage { chrome, problem })?,
    )))
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
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!crate::credentials::password_matches(DUMMY_HASH, "anything"));
    }

    #[test]
    fn only_a_well_formed_pre_session_cookie_counts() {
        let token = "ab".repeat(32);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; {PRESESSION_COOKIE}={token}")).unwrap(),
        );
        assert_eq!(presession_token(&headers), Some(token));
        headers.insert(header::COOKIE, HeaderValue::from_static("dealreg_csrf=short"));
        assert_eq!(presession_token(&headers), None);
        assert_eq!(presession_token(&HeaderMap::new()), None);
    }
}
