-- Signing in with a browser (PLT-5).

-- Sessions live in the database: every server of a cluster knows them, and a restart signs no one out.
CREATE TABLE web_sessions (
    id         TEXT PRIMARY KEY,
    record     TEXT NOT NULL,
    expires_us INTEGER NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_us);

-- Sign-in throttling: failures since the last success, and until when the account refuses attempts.
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until_us INTEGER;

-- Password reset links: only the token's hash is kept; a link works once and for a limited time.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL,
    used_us    INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id);
