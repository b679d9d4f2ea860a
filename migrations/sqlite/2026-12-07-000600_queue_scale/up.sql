-- The staff queue at a million tips (issue 14): indexes on the queue's sort key (nearest
-- deadline first, tips without one last, then by id) alone and after each filter, so a page is
-- read in index order instead of sorting the table; and exact counts of tips per unit and status
-- kept by triggers in the same transaction as every change, so the queue's total is not a
-- COUNT(*) over the table. Unit '*' counts every tip (the district's coordinator).
CREATE INDEX tips_queue ON tips (COALESCE(next_deadline, '9999-12-31'), id);
CREATE INDEX tips_queue_status ON tips (status, COALESCE(next_deadline, '9999-12-31'), id);
CREATE INDEX tips_queue_sector ON tips (sector, COALESCE(next_deadline, '9999-12-31'), id);
CREATE INDEX tips_queue_street ON tips (street, COALESCE(next_deadline, '9999-12-31'), id);
CREATE INDEX tips_queue_channel ON tips (channel, COALESCE(next_deadline, '9999-12-31'), id);
CREATE INDEX tips_queue_overdue ON tips (overdue, COALESCE(next_deadline, '9999-12-31'), id);

CREATE TABLE queue_counts (
    unit TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit, status)
);
INSERT INTO queue_counts (unit, status, n) SELECT '*', status, COUNT(*) FROM tips GROUP BY status;
INSERT INTO queue_counts (unit, status, n)
    SELECT u.unit, t.status, COUNT(*) FROM tip_units u JOIN tips t ON t.id = u.tip_id GROUP BY u.unit, t.status;

CREATE TRIGGER queue_count_tip_insert AFTER INSERT ON tips BEGIN
    INSERT INTO queue_counts (unit, status, n) VALUES ('*', NEW.status, 1)
        ON CONFLICT (unit, status) DO UPDATE SET n = n + 1;
END;
-- Before the row goes: its units' rows still exist (a cascade removes them afterwards, and
-- their own trigger then finds no tip and counts nothing).
CREATE TRIGGER queue_count_tip_delete BEFORE DELETE ON tips BEGIN
    UPDATE queue_counts SET n = n - 1 WHERE status = OLD.status
        AND (unit = '*' OR unit IN (SELECT unit FROM tip_units WHERE tip_id = OLD.id));
END;
CREATE TRIGGER queue_count_tip_status AFTER UPDATE OF status ON tips WHEN OLD.status <> NEW.status BEGIN
    UPDATE queue_counts SET n = n - 1 WHERE status = OLD.status
        AND (unit = '*' OR unit IN (SELECT unit FROM tip_units WHERE tip_id = NEW.id));
    INSERT INTO queue_counts (unit, status, n)
        SELECT '*', NEW.status, 1 WHERE TRUE
        ON CONFLICT (unit, status) DO UPDATE SET n = n + 1;
    INSERT INTO queue_counts (unit, status, n)
        SELECT unit, NEW.status, 1 FROM tip_units WHERE tip_id = NEW.id
        ON CONFLICT (unit, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER queue_count_unit_insert AFTER INSERT ON tip_units BEGIN
    INSERT INTO queue_counts (unit, status, n)
        SELECT NEW.unit, status, 1 FROM tips WHERE id = NEW.tip_id
        ON CONFLICT (unit, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER queue_count_unit_delete AFTER DELETE ON tip_units BEGIN
    UPDATE queue_counts SET n = n - 1
        WHERE unit = OLD.unit AND status = (SELECT status FROM tips WHERE id = OLD.tip_id);
END;
CREATE TRIGGER queue_count_unit_update AFTER UPDATE OF unit, tip_id ON tip_units BEGIN
    UPDATE queue_counts SET n = n - 1
        WHERE unit = OLD.unit AND status = (SELECT status FROM tips WHERE id = OLD.tip_id);
    INSERT INTO queue_counts (unit, status, n)
        SELECT NEW.unit, status, 1 FROM tips WHERE id = NEW.tip_id
        ON CONFLICT (unit, status) DO UPDATE SET n = n + 1;
END;

-- A case page lists the cases marked as duplicates of it, and supervision findings name cases.
CREATE INDEX case_files_duplicate_of ON case_files (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX supervision_findings_tip ON supervision_findings (tip_id) WHERE tip_id IS NOT NULL;
-- The "may be a duplicate" suggestions read the newest open tips of the same enterprise and of
-- the same sub-district.
CREATE INDEX tips_enterprise_submitted ON tips (enterprise, submitted_at) WHERE enterprise IS NOT NULL;
CREATE INDEX tips_street_submitted ON tips (street, submitted_at);
