-- When someone of a unit last opened a case (the queue's unread reporter messages are those
-- written after it). The unit is a department or sub-district code, or `district` for the
-- coordinator and inspectors, who work every case.
CREATE TABLE case_reads (
    tip_id BIGINT NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    unit TEXT NOT NULL,
    read_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tip_id, unit)
);

-- The audit log filters by person and by action (the page lists the actions recorded).
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
