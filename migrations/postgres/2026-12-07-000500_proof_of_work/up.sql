-- Proofs of work answered: a challenge is signed (HMAC) by whichever instance issued it, so
-- any instance can check it; its random id is recorded here when it is answered, so it is used
-- once across every instance. Purged once it has expired.
CREATE TABLE spent_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX spent_challenges_expires ON spent_challenges (expires_at);
