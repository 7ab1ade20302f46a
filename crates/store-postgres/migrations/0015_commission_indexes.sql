-- Issue 15 item 10 (DECISIONS 67): the commission report of a period reads its orders by period
-- start and their lines through commission_lines_by_order, instead of scanning every line; a plan's
-- page counts the lines of each version by version instead of scanning them all.
CREATE INDEX commission_orders_by_period ON commission_orders (period_start, id);
CREATE INDEX commission_lines_by_version ON commission_lines (version_id);
