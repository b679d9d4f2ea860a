-- Idempotent submission: a tip sent twice with the same Idempotency-Key (or the report form's
-- submission id), by a reload or a double tap, is stored once and answered with the same receipt
-- for two hours. The key itself is never stored: `lookup` is its keyed hash, and the answer is
-- sealed under a key derived from the submission key, so only its sender can open it. Purged
-- after two hours.
CREATE TABLE submissions (
    lookup TEXT PRIMARY KEY NOT NULL,
    body_hash TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX submissions_created ON submissions (created_at);
