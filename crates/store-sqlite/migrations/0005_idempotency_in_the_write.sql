-- Idempotency keys are now written only with their answer, in the transaction of the write they
-- guard. Rows with status 0 were reservations of the earlier scheme, whose request may or may not
-- have committed; they say nothing reliable, so they go.
DELETE FROM idempotency_keys WHERE status = 0;
