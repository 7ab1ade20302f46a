-- Issue 15 (PRG-1, PRG-3…6): levels and activation stages as data, product categories with parents,
-- commission plans with versions, and the commission orders and lines a payment or credit note writes
-- in its own transaction (DECISIONS 61–64, 66).

-- Product categories as a tree; a product names its category as before (products.category), and a
-- rule for a category covers its subcategories.
CREATE TABLE product_categories (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    parent_id       INTEGER REFERENCES product_categories (id),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
INSERT INTO product_categories (name) SELECT DISTINCT category FROM products WHERE category <> '' ORDER BY category;

CREATE TABLE commission_plans (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    -- close, invoice or payment (domain DecidingDate).
    deciding_date   TEXT NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    created_us      INTEGER NOT NULL
);

-- A version's rules are the domain's validated Rule list, as JSON; a version is never edited once a
-- commission line names it (a change is a new version).
CREATE TABLE commission_plan_versions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id         INTEGER NOT NULL REFERENCES commission_plans (id),
    number          INTEGER NOT NULL,
    effective_from  TEXT NOT NULL,
    effective_until TEXT,
    rules           TEXT NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    created_us      INTEGER NOT NULL,
    UNIQUE (plan_id, number),
    CHECK (effective_until IS NULL OR effective_until >= effective_from)
);

-- Today's level codes (partners.level) with their names, ranks and default plans.
CREATE TABLE partner_levels (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL UNIQUE,
    rank            INTEGER NOT NULL UNIQUE CHECK (rank > 0),
    default_plan_id INTEGER REFERENCES commission_plans (id)
);
INSERT INTO partner_levels (code, name, rank) VALUES
    ('bronze', 'Bronze', 1), ('silver', 'Silver', 2), ('gold', 'Gold', 3), ('platinum', 'Platinum', 4);

CREATE TABLE activation_stages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL UNIQUE,
    position        INTEGER NOT NULL UNIQUE CHECK (position > 0)
);
INSERT INTO activation_stages (code, name, position) VALUES
    ('first_contact', 'First contact', 1), ('ramp_up', 'Ramp-up', 2), ('fully_operational', 'Fully operational', 3);

-- The partner's own plan (overrides its level's), its own payout schedule (else the program's), and
-- its reviews.
ALTER TABLE partners ADD COLUMN commission_plan_id INTEGER REFERENCES commission_plans (id);
ALTER TABLE partners ADD COLUMN payout_period TEXT;
ALTER TABLE partners ADD COLUMN automatic_confirmation INTEGER;
ALTER TABLE partners ADD COLUMN latest_review_on TEXT;
ALTER TABLE partners ADD COLUMN next_review_on TEXT;

CREATE TABLE partner_level_history (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id      INTEGER NOT NULL REFERENCES partners (id),
    level           TEXT NOT NULL,
    activation_stage TEXT NOT NULL,
    effective_on    TEXT NOT NULL,
    changed_by      INTEGER REFERENCES users (id),
    created_us      INTEGER NOT NULL
);
CREATE INDEX partner_level_history_by_partner ON partner_level_history (partner_id, effective_on, id);
INSERT INTO partner_level_history (partner_id, level, activation_stage, effective_on, created_us)
    SELECT id, level, activation_stage, date(created_us / 1000000, 'unixepoch'), created_us FROM partners;

-- The terms an invoice line earns under, fixed at its first payment so its refunds mirror them,
-- with the program's partial-payment policy of that moment.
CREATE TABLE commission_line_terms (
    invoice_id      INTEGER NOT NULL,
    line_no         INTEGER NOT NULL,
    version_id      INTEGER NOT NULL REFERENCES commission_plan_versions (id),
    rule_id         INTEGER NOT NULL,
    -- The tier period the line's volume counts in (volume tiers only).
    tier_period_start TEXT,
    partial_payment TEXT NOT NULL,
    PRIMARY KEY (invoice_id, line_no),
    FOREIGN KEY (invoice_id, line_no) REFERENCES invoice_lines (invoice_id, line_no)
);

-- A partner's paid volume under one tier rule in one tier period and currency (DECISIONS 63).
CREATE TABLE commission_volumes (
    partner_id      INTEGER NOT NULL REFERENCES partners (id),
    version_id      INTEGER NOT NULL REFERENCES commission_plan_versions (id),
    rule_id         INTEGER NOT NULL,
    period_start    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    volume_minor    INTEGER NOT NULL,
    PRIMARY KEY (partner_id, version_id, rule_id, period_start, currency)
);

-- One order per partner, payout period and currency (DECISIONS 64); a confirmed one is never changed.
CREATE TABLE commission_orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id      INTEGER NOT NULL REFERENCES partners (id),
    period_kind     TEXT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    currency        TEXT NOT NULL,
    -- draft, confirmed (domain PoState).
    state           TEXT NOT NULL,
    total_minor     INTEGER NOT NULL,
    -- Set at confirmation: the balance carried in, what is paid, what carries on.
    carried_in_minor  INTEGER,
    payout_minor      INTEGER,
    carried_out_minor INTEGER,
    confirmed_by    INTEGER REFERENCES users (id),
    confirmed_us    INTEGER,
    created_us      INTEGER NOT NULL,
    UNIQUE (partner_id, period_kind, period_start, currency),
    CHECK ((state = 'confirmed') = (confirmed_us IS NOT NULL))
);
CREATE INDEX commission_orders_by_state ON commission_orders (state, period_end, id);
CREATE INDEX commission_orders_by_partner ON commission_orders (partner_id, period_start, id);

-- A commission line: positive earns, negative claws back. The event (a payment or a credit note)
-- writes each invoice line's at most once: the unique index refuses a second.
CREATE TABLE commission_lines (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        INTEGER NOT NULL REFERENCES commission_orders (id),
    partner_id      INTEGER NOT NULL REFERENCES partners (id),
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    line_no         INTEGER NOT NULL,
    -- payment, credit_note.
    event_kind      TEXT NOT NULL,
    event_external_id TEXT NOT NULL,
    event_on        TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor <> 0),
    currency        TEXT NOT NULL,
    plan_id         INTEGER NOT NULL REFERENCES commission_plans (id),
    version_id      INTEGER NOT NULL REFERENCES commission_plan_versions (id),
    rule_id         INTEGER NOT NULL,
    -- The domain Explanation: plan, version, rule, base, rate and share, before and after.
    explanation     TEXT NOT NULL,
    created_us      INTEGER NOT NULL,
    UNIQUE (event_kind, event_external_id, invoice_id, line_no)
);
CREATE INDEX commission_lines_by_order ON commission_lines (order_id, id);
CREATE INDEX commission_lines_by_partner ON commission_lines (partner_id, event_on, id);
CREATE INDEX commission_lines_by_invoice ON commission_lines (invoice_id, line_no);
