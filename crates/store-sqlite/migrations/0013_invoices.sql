-- Issue 15, item 3: customer invoices, what partners earn commission on when they are paid (seed 003).
-- Amounts in the invoice's currency's minor units; the running sums on `invoices` and `invoice_lines`
-- are kept in the write that records a payment or credit note, and the checks hold them in bounds.
CREATE TABLE invoices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The ERP's number.
    number          TEXT NOT NULL UNIQUE,
    -- draft, issued, paid, credited, cancelled (domain InvoiceStatus).
    status          TEXT NOT NULL,
    partner_id      INTEGER NOT NULL REFERENCES partners (id),
    opportunity_id  INTEGER REFERENCES opportunities (id),
    order_id        INTEGER REFERENCES orders (id),
    customer_id     INTEGER REFERENCES customers (id),
    currency        TEXT NOT NULL,
    issued_on       TEXT,
    total_minor     INTEGER NOT NULL CHECK (total_minor >= 0),
    credited_minor  INTEGER NOT NULL CHECK (credited_minor BETWEEN 0 AND total_minor),
    paid_minor      INTEGER NOT NULL CHECK (paid_minor BETWEEN 0 AND total_minor),
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_us      INTEGER NOT NULL,
    CHECK ((status = 'draft') = (issued_on IS NULL) OR status = 'cancelled')
);
CREATE INDEX invoices_by_partner ON invoices (partner_id, id);
CREATE INDEX invoices_by_status ON invoices (status, id);
CREATE INDEX invoices_by_order ON invoices (order_id);

CREATE TABLE invoice_lines (
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    line_no         INTEGER NOT NULL,
    sku             TEXT NOT NULL,
    product_id      INTEGER REFERENCES products (id),
    description     TEXT,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    cost_minor      INTEGER NOT NULL CHECK (cost_minor >= 0),
    credited_minor  INTEGER NOT NULL CHECK (credited_minor BETWEEN 0 AND amount_minor),
    PRIMARY KEY (invoice_id, line_no)
);

-- The external id makes a payment sent twice count once: the database refuses the second row.
CREATE TABLE invoice_payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    external_id     TEXT NOT NULL UNIQUE,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    paid_on         TEXT NOT NULL,
    recorded_by     INTEGER NOT NULL REFERENCES users (id),
    created_us      INTEGER NOT NULL
);
CREATE INDEX invoice_payments_by_invoice ON invoice_payments (invoice_id, id);

CREATE TABLE credit_notes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    external_id     TEXT NOT NULL UNIQUE,
    credited_on     TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    recorded_by     INTEGER NOT NULL REFERENCES users (id),
    created_us      INTEGER NOT NULL
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (invoice_id, id);

CREATE TABLE credit_note_lines (
    credit_note_id  INTEGER NOT NULL REFERENCES credit_notes (id),
    invoice_id      INTEGER NOT NULL,
    line_no         INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (credit_note_id, line_no),
    FOREIGN KEY (invoice_id, line_no) REFERENCES invoice_lines (invoice_id, line_no)
);
