-- Issue 13, defect 6: a PO line whose SKU no product has is refused on its own line (with the reason
-- "no product with SKU …") instead of refusing the whole PO, so such a line names no product.
-- SQLite cannot drop NOT NULL in place: the table is rebuilt as it was, product_id nullable.
CREATE TABLE order_lines_new (
    order_id            INTEGER NOT NULL REFERENCES orders (id),
    line_no             INTEGER NOT NULL,
    -- NULL when no product had the line's SKU (the line is refused).
    product_id          INTEGER REFERENCES products (id),
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
    CHECK (basis IS NOT NULL OR amount_minor = 0),
    CHECK (product_id IS NOT NULL OR basis IS NULL)
);
INSERT INTO order_lines_new SELECT order_id, line_no, product_id, sku, quantity, basis, unit_price_minor,
    amount_minor, sor_registration_id, sor_number, reason, warning FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;
CREATE INDEX order_lines_sor ON order_lines (sor_registration_id) WHERE sor_registration_id IS NOT NULL;
