-- Hardening after a security review (issue 12).

-- Secrets in the outbox (a password reset link) are kept apart from the body, erased once the
-- message is delivered, and such messages are never listed in-app.
ALTER TABLE outbox ADD COLUMN secret TEXT;
ALTER TABLE outbox ADD COLUMN in_app INTEGER NOT NULL DEFAULT 1;
-- Reset e-mails queued before this carry their link in the body: withdrawn, and their links ended.
UPDATE outbox SET in_app = 0, body = '(a password reset link, removed)',
    delivered_us = COALESCE(delivered_us, created_us),
    last_error = CASE WHEN delivered_us IS NULL THEN 'withdrawn when reset links moved out of the body' END
    WHERE kind = 'password_reset';
UPDATE password_resets SET used_us = created_us WHERE used_us IS NULL;

-- Sessions are stored under a hash of their id (a copy of the table opens no browser session) with
-- their user, so that deactivation and "sign out everywhere" end them. Sessions of the earlier
-- shape are keyed by the id itself: they go, and their users sign in once more.
DROP TABLE web_sessions;
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id),
    record     TEXT NOT NULL,
    expires_us INTEGER NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_us);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
-- A session holds the version it was signed in with; a changed password, a reset, a deactivation
-- or "sign out everywhere" moves the version on and ends every session of the older one.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;

-- Addresses without an account are throttled like accounts, so that the lock-out tells nothing.
CREATE TABLE sign_in_throttle (
    email           TEXT PRIMARY KEY,
    failed_sign_ins INTEGER NOT NULL,
    locked_until_us INTEGER,
    last_failure_us INTEGER NOT NULL
);

-- API tokens may expire.
ALTER TABLE api_tokens ADD COLUMN expires_us INTEGER;
