-- Entries of version 2 no longer verify once their version is gone.
ALTER TABLE audit_log DROP COLUMN hash_version;
