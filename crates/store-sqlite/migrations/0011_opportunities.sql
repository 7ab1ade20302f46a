-- Issue 14: opportunities and the rules of engagement (seed 001, ROE-1 … ROE-5). An opportunity has
-- exactly one Opportunity Manager at any moment (an internal user or a partner: the CHECK below and
-- the unique current row of its history); its rights last through `rights_through` (ROE-3).
CREATE TABLE opportunity_counters (
    year     INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE opportunities (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    number             TEXT NOT NULL UNIQUE,
    customer_id        INTEGER NOT NULL REFERENCES customers (id),
    name               TEXT NOT NULL,
    source             TEXT NOT NULL,
    stage              TEXT NOT NULL,
    status             TEXT NOT NULL,
    outcome_reason     TEXT,
    forecast_minor     INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    close_date         TEXT NOT NULL,
    rights_through     TEXT NOT NULL,
    reminded_for       TEXT,
    plan               TEXT,
    manager_user_id    INTEGER REFERENCES users (id),
    manager_partner_id INTEGER REFERENCES partners (id),
    region_id          INTEGER REFERENCES regions (id),
    renewal_of         INTEGER REFERENCES opportunities (id),
    created_by         INTEGER REFERENCES users (id),
    created_us         INTEGER NOT NULL,
    closed_us          INTEGER,
    CHECK ((manager_user_id IS NULL) <> (manager_partner_id IS NULL))
);
CREATE INDEX opportunities_partner ON opportunities (manager_partner_id, id);
CREATE INDEX opportunities_customer ON opportunities (customer_id, status);
CREATE INDEX opportunities_status ON opportunities (status, id);
CREATE INDEX opportunities_rights ON opportunities (status, rights_through);
CREATE INDEX opportunities_renewal ON opportunities (renewal_of);

-- The forecasted products: the manager's rights cover these (ROE-2).
CREATE TABLE opportunity_lines (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    product_id     INTEGER NOT NULL REFERENCES products (id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (opportunity_id, product_id)
);

-- Every manager the opportunity had, and why (ROE-5); the one without `to_us` is the current one.
CREATE TABLE opportunity_managers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    party_kind     TEXT NOT NULL,
    party_id       INTEGER NOT NULL,
    from_us        INTEGER NOT NULL,
    to_us          INTEGER,
    reason         TEXT NOT NULL,
    assigned_by    INTEGER REFERENCES users (id)
);
CREATE UNIQUE INDEX opportunity_managers_current ON opportunity_managers (opportunity_id) WHERE to_us IS NULL;
CREATE INDEX opportunity_managers_by_opportunity ON opportunity_managers (opportunity_id, id);

-- Parties taking part without managing: co-sell partners, revenue-share members, the turned-over manager.
CREATE TABLE opportunity_members (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    party_kind     TEXT NOT NULL,
    party_id       INTEGER NOT NULL,
    role           TEXT NOT NULL,
    share_bp       INTEGER CHECK (share_bp IS NULL OR (share_bp > 0 AND share_bp <= 10000)),
    added_us       INTEGER NOT NULL,
    PRIMARY KEY (opportunity_id, party_kind, party_id, role)
);
CREATE INDEX opportunity_members_party ON opportunity_members (party_kind, party_id, opportunity_id);

-- ROE-2, ROE-5: an account elevated to Major Account, with its Major Account Manager and plan.
CREATE TABLE major_accounts (
    customer_id    INTEGER PRIMARY KEY REFERENCES customers (id),
    mam_user_id    INTEGER REFERENCES users (id),
    mam_partner_id INTEGER REFERENCES partners (id),
    plan           TEXT NOT NULL,
    since_us       INTEGER NOT NULL,
    CHECK ((mam_user_id IS NULL) <> (mam_partner_id IS NULL))
);

-- What waits for someone else's decision: a later forecast close date (sales management, ROE-3) or a
-- revenue-share team (the MAM's consent, ROE-2). One pending request of each kind per opportunity.
CREATE TABLE opportunity_requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    kind           TEXT NOT NULL,
    requested_by   INTEGER NOT NULL REFERENCES users (id),
    body           TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_us     INTEGER NOT NULL,
    decided_by     INTEGER REFERENCES users (id),
    decided_us     INTEGER,
    note           TEXT
);
CREATE UNIQUE INDEX opportunity_requests_pending ON opportunity_requests (opportunity_id, kind) WHERE status = 'pending';

-- The shared timeline of the manager's selling activities (ROE-4: co-sell partners take part).
CREATE TABLE opportunity_notes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    author_id      INTEGER NOT NULL REFERENCES users (id),
    body           TEXT NOT NULL,
    created_us     INTEGER NOT NULL
);
CREATE INDEX opportunity_notes_by_opportunity ON opportunity_notes (opportunity_id, id);

-- Registrations belong to opportunities: an approved one makes its partner the manager.
ALTER TABLE registrations ADD COLUMN opportunity_id INTEGER REFERENCES opportunities (id);
CREATE INDEX registrations_opportunity ON registrations (opportunity_id);
