-- Issue 13, defect 10: a notification is read or unread for its recipient (each outbox row has one),
-- and the navigation counts the unread ones on every page: the partial index keeps that count to the
-- recipient's unread rows.
ALTER TABLE outbox ADD COLUMN read_us INTEGER;
CREATE INDEX outbox_unread ON outbox (recipient_user_id) WHERE read_us IS NULL;
