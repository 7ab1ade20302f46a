-- dealreg schema, SQLite. Instants are INTEGER microseconds since the Unix epoch (UTC); business
-- dates are TEXT 'YYYY-MM-DD' in the company's zone; money is INTEGER minor units + currency code.
CREATE TABLE program_settings (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);

CREATE TABLE regions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    manager_user_id INTEGER REFERENCES users (id),
    created_us      INTEGER NOT NULL
);

CREATE TABLE partners (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL UNIQUE,
    level            TEXT NOT NULL,
    activation_stage TEXT NOT NULL,
    region_id        INTEGER NOT NULL REFERENCES regions (id),
    created_us       INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    partner_id    INTEGER REFERENCES partners (id),
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_us    INTEGER NOT NULL,
    CHECK ((role IN ('partner_admin', 'partner_user')) = (partner_id IS NOT NULL))
);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    label      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_us INTEGER NOT NULL,
    revoked_us INTEGER
);

CREATE TABLE products (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    sku                     TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    category                TEXT NOT NULL,
    is_accessory            INTEGER NOT NULL,
    list_price_minor        INTEGER NOT NULL,
    partner_price_minor     INTEGER NOT NULL,
    msrp_minor              INTEGER NOT NULL,
    rrsp_minor              INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    maintenance_term_months INTEGER,
    created_us              INTEGER NOT NULL
);

-- End customers. One row per organisation: exact keys (tax id, domain, normalised name in a city)
-- resolve a newly typed customer to an existing row, so the claims below can be unique per row.
CREATE TABLE customers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    name_norm   TEXT NOT NULL,
    domain      TEXT,
    tax_id      TEXT,
    city        TEXT,
    city_norm   TEXT NOT NULL,
    postal_code TEXT,
    postal_norm TEXT,
    country     TEXT NOT NULL,
    segment     TEXT NOT NULL,
    created_us  INTEGER NOT NULL
);
CREATE UNIQUE INDEX customers_tax_id ON customers (tax_id) WHERE tax_id IS NOT NULL;
CREATE UNIQUE INDEX customers_domain ON customers (domain) WHERE domain IS NOT NULL;
CREATE UNIQUE INDEX customers_name ON customers (name_norm, country, city_norm)
    WHERE tax_id IS NULL AND domain IS NULL;
CREATE INDEX customers_name_lookup ON customers (name_norm, country);

-- Name index keys (see domain::matching::name_index_keys): candidate lookup is an index probe.
CREATE TABLE customer_keys (
    key         TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    PRIMARY KEY (key, customer_id)
) WITHOUT ROWID;

-- How many customers share each key, so a conflict check probes the rarest keys first.
CREATE TABLE customer_key_counts (
    key       TEXT PRIMARY KEY,
    customers INTEGER NOT NULL
);

CREATE TABLE registrations (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id          INTEGER NOT NULL REFERENCES partners (id),
    customer_id         INTEGER NOT NULL REFERENCES customers (id),
    -- The customer as this registration's partner described it (shown to that partner).
    customer_name       TEXT NOT NULL,
    customer_domain     TEXT,
    customer_tax_id     TEXT,
    customer_city       TEXT,
    customer_postal_code TEXT,
    customer_country    TEXT NOT NULL,
    customer_segment    TEXT NOT NULL,
    status              TEXT NOT NULL,
    est_value_minor     INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    expected_close      TEXT NOT NULL,
    description         TEXT,
    approver_id         INTEGER REFERENCES users (id),
    submitted_by        INTEGER NOT NULL REFERENCES users (id),
    submitted_us        INTEGER NOT NULL,
    sor_number          TEXT UNIQUE,
    valid_through       TEXT,
    reminded_for        TEXT,
    decided_by          INTEGER REFERENCES users (id),
    decided_us          INTEGER,
    decision_reason     TEXT,
    closed_us           INTEGER,
    possible_conflict   INTEGER NOT NULL,
    conflicts           TEXT NOT NULL,
    CHECK (status NOT IN ('approved', 'expired', 'won', 'lost') OR sor_number IS NOT NULL),
    CHECK (status NOT IN ('submitted', 'declined') OR sor_number IS NULL)
);
CREATE INDEX registrations_partner ON registrations (partner_id, id);
CREATE INDEX registrations_customer ON registrations (customer_id, status);
CREATE INDEX registrations_validity ON registrations (status, valid_through);
CREATE INDEX registrations_status ON registrations (status, id);

CREATE TABLE registration_lines (
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    product_id      INTEGER NOT NULL REFERENCES products (id),
    sku             TEXT NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (registration_id, product_id)
);

-- REG-6 in the database: at most one approved registration per customer and product, whoever
-- approves it and however many servers race. Rows exist exactly while the registration is approved.
CREATE TABLE claims (
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    product_id      INTEGER NOT NULL REFERENCES products (id),
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    partner_id      INTEGER NOT NULL REFERENCES partners (id),
    PRIMARY KEY (customer_id, product_id)
);
CREATE INDEX claims_registration ON claims (registration_id);

CREATE TABLE sor_counters (
    year     INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE change_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    kind            TEXT NOT NULL,
    change          TEXT NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT,
    requested_by    INTEGER NOT NULL REFERENCES users (id),
    requested_us    INTEGER NOT NULL,
    decided_by      INTEGER REFERENCES users (id),
    decided_us      INTEGER,
    decision_reason TEXT
);
CREATE UNIQUE INDEX change_requests_one_pending ON change_requests (registration_id) WHERE status = 'pending';

-- Append-only, hash-chained (domain::audit). Ids are assigned by the writer as head + 1.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at_us         INTEGER NOT NULL,
    actor_user_id INTEGER,
    action        TEXT NOT NULL,
    entity_type   TEXT NOT NULL,
    entity_id     INTEGER NOT NULL,
    before        TEXT,
    after         TEXT,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Transactional outbox (PLT-3): written in the same transaction as the change it announces.
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key        TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    recipient_user_id INTEGER NOT NULL REFERENCES users (id),
    recipient_email   TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    entity_type       TEXT NOT NULL,
    entity_id         INTEGER NOT NULL,
    created_us        INTEGER NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_us   INTEGER NOT NULL,
    lease_until_us    INTEGER,
    delivered_us      INTEGER,
    last_error        TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_us) WHERE delivered_us IS NULL;
CREATE INDEX outbox_recipient ON outbox (recipient_user_id, id);

CREATE TABLE idempotency_keys (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
