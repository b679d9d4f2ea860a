-- Public exposure list (公开曝光): a substantiated major hazard the coordinator chose to publish,
-- in words written for the public at that moment (never the reporter's own text).
CREATE TABLE exposures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tip_id BIGINT NOT NULL UNIQUE REFERENCES tips (id) ON DELETE CASCADE,
    enterprise TEXT NOT NULL,
    location TEXT NOT NULL,
    finding TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at TIMESTAMP,
    withdraw_reason TEXT
);
CREATE INDEX exposures_published ON exposures (withdrawn_at, published_at);
