//! Browser sessions kept in dealreg's own database (both backends), so that every server of a
//! cluster knows them and a restart signs no one out. tower-sessions hands us opaque records; we
//! store them under a hash of their id (a copy of the table opens no session) and with their user
//! (so that deactivation and "sign out everywhere" can end them).

use crate::AppState;
use crate::credentials::token_hash;
use std::fmt;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

/// How long a browser session lives without requests.
pub const IDLE_TIMEOUT_HOURS: i64 = 8;

/// The session key under which a signed-in session names its user, for [`DbSessions`] to store.
pub const USER_KEY: &str = "user";

#[derive(Clone)]
pub struct DbSessions(pub AppState);

impl fmt::Debug for DbSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbSessions")
    }
}

fn backend(e: impl fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// What the database keeps of a record: its JSON, its user, its expiry.
fn stored(record: &Record) -> session_store::Result<(String, Option<i64>, jiff::Timestamp)> {
    let text = serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires = jiff::Timestamp::from_nanosecond(record.expiry_date.unix_timestamp_nanos()).map_err(backend)?;
    let user = record.data.get(USER_KEY).and_then(serde_json::Value::as_i64);
    Ok((text, user, expires))
}

#[async_trait::async_trait]
impl SessionStore for DbSessions {
    /// A new session under a fresh id; on the (2^-128) chance that the id is taken, another one.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (text, user, expires) = stored(record)?;
            if self
                .0
                .store
                .create_session(&token_hash(&record.id.to_string()), user, &text, expires)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (text, user, expires) = stored(record)?;
        self.0
            .store
            .save_session(&token_hash(&record.id.to_string()), user, &text, expires)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        // tower-sessions dates a record's expiry by the wall clock, so it is checked by the wall
        // clock too, not by the program's clock (which tests and `--as-of` runs may move).
        let text = self
            .0
            .store
            .load_session(&token_hash(&id.to_string()), jiff::Timestamp::now())
            .await
            .map_err(backend)?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| session_store::Error::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0
            .store
            .delete_session(&token_hash(&id.to_string()))
            .await
            .map_err(backend)
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, expiring after a working day without requests.
/// `secure` when dealreg is served over HTTPS (DEALREG_PUBLIC_URL starting with https).
pub fn layer(state: &AppState) -> SessionManagerLayer<DbSessions> {
    SessionManagerLayer::new(DbSessions(state.clone()))
        .with_name("dealreg_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.public_url.starts_with("https://"))
        .with_expiry(Expiry::OnInactivity(Duration::hours(IDLE_TIMEOUT_HOURS)))
}
