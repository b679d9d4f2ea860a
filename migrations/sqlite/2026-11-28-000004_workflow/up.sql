-- The staff side: the case file (deadlines and what staff decided), staff sessions, the
-- append-only audit log with its hash chain, the mail outbox, and the record of deadline notices
-- (whose primary key makes "notify once" hold across several instances).

ALTER TABLE tips ADD COLUMN next_deadline DATE;
ALTER TABLE tips ADD COLUMN overdue BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX tips_next_deadline ON tips (next_deadline, id);

CREATE TABLE case_files (
    tip_id BIGINT PRIMARY KEY NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    acceptance_due DATE,
    accepted_at TIMESTAMP,
    verification_due DATE,
    verification_extended BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at TIMESTAMP,
    feedback_due DATE,
    rectification_due DATE,
    responsible_party TEXT,
    measures TEXT,
    suspend_operations BOOLEAN NOT NULL DEFAULT FALSE,
    delay_explanation TEXT,
    rectified_at TIMESTAMP,
    closed_at TIMESTAMP,
    duplicate_of TEXT,
    reject_reason TEXT
);
INSERT INTO case_files (tip_id, acceptance_due) SELECT id, date(submitted_at, '+7 days') FROM tips;
UPDATE tips SET next_deadline = (SELECT acceptance_due FROM case_files WHERE tip_id = tips.id);

ALTER TABLE staff_users ADD COLUMN totp_secret_sealed BLOB;
ALTER TABLE staff_users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE staff_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    second_factor_ok BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_number TEXT,
    reason TEXT,
    detail TEXT,
    address TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_case ON audit_log (case_number, seq);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    recipient_sealed BLOB NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

CREATE TABLE deadline_notices (
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    due DATE NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tip_id, kind, due)
);
