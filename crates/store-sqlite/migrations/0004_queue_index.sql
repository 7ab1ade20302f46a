-- An approver's queue (status = 'submitted', routed to them, oldest first) read from an index
-- instead of walking every submitted registration in the program.
CREATE INDEX registrations_queue ON registrations (approver_id, status, id);
