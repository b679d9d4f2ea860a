-- crypto_suite (issue 18, point 2): the algorithms of a database are chosen when it is created
-- and recorded in `installation` at the first start (`db::check_keys`). A database that was
-- used before (it holds key fingerprints, staff, tips or audit entries) sealed and hashed with
-- the standard suite; a fresh one gets its record from the settings at its first start.
INSERT INTO installation (name, value)
SELECT 'crypto_suite', 'standard'
WHERE NOT EXISTS (SELECT 1 FROM installation WHERE name = 'crypto_suite')
  AND (EXISTS (SELECT 1 FROM installation WHERE name LIKE 'fingerprint:%')
    OR EXISTS (SELECT 1 FROM staff_users)
    OR EXISTS (SELECT 1 FROM tips)
    OR EXISTS (SELECT 1 FROM audit_log));
