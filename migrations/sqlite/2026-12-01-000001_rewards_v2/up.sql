-- Rewards, version 2: a sign-off that can return a proposal with a note, a second finance
-- approval above the configured amount, and the policy period each reward used. (The rewards
-- table is at diesel's 32-column limit: what more a reward needs goes in a table of its own.)
ALTER TABLE rewards ADD COLUMN signoff_note TEXT;
ALTER TABLE rewards ADD COLUMN second_decided_by TEXT;
ALTER TABLE rewards ADD COLUMN policy TEXT;
