-- Issue 14, item 7 (PRG-2): leads, distributed to partners by rules. Partners gain what distribution
-- looks at: a country, coordinates (millionths of a degree) and their own capacity of open leads.
ALTER TABLE partners ADD COLUMN country TEXT;
ALTER TABLE partners ADD COLUMN latitude_e6 INTEGER;
ALTER TABLE partners ADD COLUMN longitude_e6 INTEGER;
ALTER TABLE partners ADD COLUMN lead_capacity INTEGER;

CREATE TABLE leads (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    source           TEXT NOT NULL,
    company_name     TEXT NOT NULL,
    company_domain   TEXT,
    country          TEXT,
    city             TEXT,
    segment          TEXT,
    contact_name     TEXT,
    contact_email    TEXT,
    region_id        INTEGER REFERENCES regions (id),
    latitude_e6      INTEGER,
    longitude_e6     INTEGER,
    description      TEXT,
    est_value_minor  INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    -- unassigned, offered, accepted, no_partner (domain LeadStatus).
    status           TEXT NOT NULL,
    -- The partner the lead is offered to or accepted by; why it was chosen, or why nobody was.
    partner_id       INTEGER REFERENCES partners (id),
    reason           TEXT NOT NULL,
    -- The opportunity the lead became when accepted, and its customer.
    opportunity_id   INTEGER REFERENCES opportunities (id),
    customer_id      INTEGER REFERENCES customers (id),
    created_by       INTEGER REFERENCES users (id),
    created_us       INTEGER NOT NULL,
    updated_us       INTEGER NOT NULL,
    CHECK ((status IN ('offered', 'accepted')) = (partner_id IS NOT NULL)),
    CHECK ((status = 'accepted') = (customer_id IS NOT NULL)),
    CHECK ((status = 'accepted') = (opportunity_id IS NOT NULL))
);
CREATE INDEX leads_by_partner ON leads (partner_id, status, id);
CREATE INDEX leads_by_status ON leads (status, id);

CREATE TABLE lead_products (
    lead_id    INTEGER NOT NULL REFERENCES leads (id),
    product_id INTEGER NOT NULL REFERENCES products (id),
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (lead_id, product_id)
);

-- A partner who declined a lead is never offered it again: the key says so, not only the code.
CREATE TABLE lead_declines (
    lead_id     INTEGER NOT NULL REFERENCES leads (id),
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    reason      TEXT NOT NULL,
    declined_by INTEGER NOT NULL REFERENCES users (id),
    declined_us INTEGER NOT NULL,
    PRIMARY KEY (lead_id, partner_id)
);
