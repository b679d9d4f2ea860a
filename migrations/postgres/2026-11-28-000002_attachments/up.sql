-- Photos sent with a tip, metadata already stripped. Kept in the database so that several
-- instances on one PostgreSQL need no shared disk.
CREATE TABLE attachments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_tip ON attachments (tip_id, id);
