-- Foundation: tips, their routing and history, reporter messages, staff accounts.
-- Timestamps are UTC. Money (later) is integer fen. Enums are stored as text.

CREATE TABLE installation (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE tips (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number TEXT NOT NULL UNIQUE,
    receipt_hash TEXT NOT NULL UNIQUE,
    sector TEXT NOT NULL,
    street TEXT,
    address TEXT NOT NULL,
    enterprise TEXT,
    description TEXT NOT NULL,
    severity TEXT NOT NULL,
    observed_at TIMESTAMP,
    anonymous BOOLEAN NOT NULL,
    identity_sealed BYTEA,
    wants_reward BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    department TEXT NOT NULL,
    triage BOOLEAN NOT NULL,
    suggested_sector TEXT,
    channel TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (anonymous = (identity_sealed IS NULL))
);
CREATE INDEX tips_status_submitted ON tips (status, submitted_at);
CREATE INDEX tips_department ON tips (department, status);
CREATE INDEX tips_submitted ON tips (submitted_at);

CREATE TABLE tip_units (
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    unit TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (tip_id, unit)
);
CREATE INDEX tip_units_unit ON tip_units (unit, tip_id);

CREATE TABLE tip_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    actor TEXT,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tip_events_tip ON tip_events (tip_id, id);

CREATE TABLE messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    sender TEXT NOT NULL,
    author TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX messages_tip ON messages (tip_id, id);

CREATE TABLE staff_users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
