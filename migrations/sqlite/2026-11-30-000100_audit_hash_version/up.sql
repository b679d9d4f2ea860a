-- Each audit entry says how its hash was made: 1 = SHA-256 over key and content (every entry
-- written before this migration, hence the default), 2 = HMAC-SHA-256 under an HKDF sub-key.
-- Adding a column with a constant default rewrites no row, so the append-only triggers do not
-- fire and the old entries keep verifying; the application sets the version on every insert.
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
