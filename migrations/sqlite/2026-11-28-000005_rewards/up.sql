-- Rewards: the proposal with the policy's amount and rule, finance's decision, the reporter's
-- claim (payee details sealed like identity), the payout. Keyed hashes (never the values) of an
-- identified reporter's phone and of payee details let finance see repeat patterns.
ALTER TABLE tips ADD COLUMN reporter_key TEXT;
-- What the reporter declared for the reward: works for the business reported (uplift); has
-- safety-supervision duties or is a relative of such staff (excluded).
ALTER TABLE tips ADD COLUMN declared_employee BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tips ADD COLUMN declared_supervision BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_files ADD COLUMN reward_excluded TEXT;

-- Two-step sign-in: the last time step used (a code works once) and a lockout after failures.
ALTER TABLE staff_users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE staff_users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff_users ADD COLUMN totp_locked_until TIMESTAMP;
-- A keyed hash of a staff member's own phone: a reward claimed with it is flagged to finance.
ALTER TABLE staff_users ADD COLUMN phone_key TEXT;

CREATE TABLE rewards (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    basis TEXT NOT NULL,
    fine_fen BIGINT,
    deaths_concealed INTEGER,
    accident_grade TEXT,
    penalty_decision TEXT,
    employee BOOLEAN NOT NULL,
    computed_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    rule TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    signed_off_by TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_note TEXT,
    claim_deadline DATE,
    payee_sealed BLOB,
    payee_account_key TEXT,
    payee_phone_key TEXT,
    claimed_at TIMESTAMP,
    paid_by TEXT,
    paid_at TIMESTAMP,
    paid_reference TEXT,
    reporter_key TEXT,
    month TEXT NOT NULL
);
CREATE INDEX rewards_status ON rewards (status, id);
CREATE INDEX rewards_tip ON rewards (tip_id);

-- The audit log is append-only in the database too (the hash chain detects what gets past this).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
