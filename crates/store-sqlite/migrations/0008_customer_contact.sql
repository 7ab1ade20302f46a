-- Issue 13, defect 12: the end customer's contact on a registration, as the partner typed it: a name
-- with an e-mail address, a phone number or both; all NULL when the partner gave no contact.
ALTER TABLE registrations ADD COLUMN contact_name TEXT;
ALTER TABLE registrations ADD COLUMN contact_email TEXT;
ALTER TABLE registrations ADD COLUMN contact_phone TEXT;
