-- Issue 13: a registration's discussion — comments between the partner and the channel team, and
-- the files they attach. Files are kept in the database, with their SHA-256, so that a backup holds
-- them and an attachment commits with its audit entry or not at all (DECISIONS 45).
CREATE TABLE registration_comments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    author_id       INTEGER NOT NULL REFERENCES users (id),
    body            TEXT NOT NULL,
    created_us      INTEGER NOT NULL
);
CREATE INDEX registration_comments_by_registration ON registration_comments (registration_id, id);

CREATE TABLE registration_attachments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    uploaded_by     INTEGER NOT NULL REFERENCES users (id),
    file_name       TEXT NOT NULL,
    -- pdf, png, jpeg, text, word or excel: recognised from the content (domain `FileKind`).
    kind            TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256          TEXT NOT NULL,
    content         BLOB NOT NULL,
    created_us      INTEGER NOT NULL
);
CREATE INDEX registration_attachments_by_registration ON registration_attachments (registration_id, id);
