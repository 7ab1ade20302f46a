-- Order entry and pricing (ORD-1 … ORD-5).

-- Effective-dated prices: every version of a product's prices is kept; the one in force on an
-- order's date prices it, and the order copies what it charged, so no later version changes it.
CREATE TABLE product_prices (
    product_id          INTEGER NOT NULL REFERENCES products (id),
    effective_from      TEXT NOT NULL,
    list_price_minor    INTEGER NOT NULL CHECK (list_price_minor >= 0),
    partner_price_minor INTEGER NOT NULL CHECK (partner_price_minor >= 0),
    msrp_minor          INTEGER NOT NULL CHECK (msrp_minor >= 0),
    rrsp_minor          INTEGER NOT NULL CHECK (rrsp_minor >= 0),
    currency            TEXT NOT NULL,
    created_us          INTEGER NOT NULL,
    PRIMARY KEY (product_id, effective_from)
);
-- Prices entered before versions existed have applied since before any order.
INSERT INTO product_prices (product_id, effective_from, list_price_minor, partner_price_minor, msrp_minor, rrsp_minor, currency, created_us)
    SELECT id, '1970-01-01', list_price_minor, partner_price_minor, msrp_minor, rrsp_minor, currency, created_us FROM products;
ALTER TABLE products DROP COLUMN list_price_minor;
ALTER TABLE products DROP COLUMN partner_price_minor;
ALTER TABLE products DROP COLUMN msrp_minor;
ALTER TABLE products DROP COLUMN rrsp_minor;
ALTER TABLE products DROP COLUMN currency;

-- ORD-4 needs "the most recently approved SOR for that customer": when each SOR was approved.
ALTER TABLE registrations ADD COLUMN approved_us INTEGER;
UPDATE registrations SET approved_us = decided_us WHERE sor_number IS NOT NULL;
CREATE INDEX registrations_latest_sor ON registrations (partner_id, customer_id, approved_us)
    WHERE approved_us IS NOT NULL;

-- ORD-5: what orders have drawn on each SOR line so far.
ALTER TABLE registration_lines ADD COLUMN ordered_quantity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registration_lines ADD COLUMN ordered_minor INTEGER NOT NULL DEFAULT 0;

-- One row per partner PO, whatever was decided: the same PO sent twice is the same order.
CREATE TABLE orders (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id    INTEGER NOT NULL REFERENCES partners (id),
    po_number     TEXT NOT NULL,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    -- The customer as the PO names it.
    customer_name TEXT NOT NULL,
    -- The customer's segment the prices were chosen by.
    segment       TEXT NOT NULL,
    -- The SOR number the PO cites, as parsed.
    sor_number    TEXT,
    order_date    TEXT NOT NULL,
    status        TEXT NOT NULL,
    total_minor   INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    -- Fingerprint of the PO's content: a resend must match it.
    request_hash  TEXT NOT NULL,
    entered_by    INTEGER NOT NULL REFERENCES users (id),
    entered_us    INTEGER NOT NULL,
    UNIQUE (partner_id, po_number)
);
CREATE INDEX orders_partner ON orders (partner_id, id);
CREATE INDEX orders_customer ON orders (customer_id, id);
CREATE INDEX orders_date ON orders (order_date, id);
CREATE INDEX orders_status ON orders (status, id);

CREATE TABLE order_lines (
    order_id            INTEGER NOT NULL REFERENCES orders (id),
    line_no             INTEGER NOT NULL,
    product_id          INTEGER NOT NULL REFERENCES products (id),
    sku                 TEXT NOT NULL,
    quantity            INTEGER NOT NULL CHECK (quantity > 0),
    -- partner_price, commercial_msrp or gov_ed_rrsp; NULL when the line was refused.
    basis               TEXT,
    unit_price_minor    INTEGER,
    amount_minor        INTEGER NOT NULL,
    -- The SOR the line was priced under (the cited one, or for accessories the latest).
    sor_registration_id INTEGER REFERENCES registrations (id),
    sor_number          TEXT,
    reason              TEXT NOT NULL,
    warning             TEXT,
    PRIMARY KEY (order_id, line_no),
    CHECK ((basis IS NULL) = (unit_price_minor IS NULL)),
    CHECK (basis IS NOT NULL OR amount_minor = 0)
);
CREATE INDEX order_lines_sor ON order_lines (sor_registration_id) WHERE sor_registration_id IS NOT NULL;
