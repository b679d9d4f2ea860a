-- The staff dashboard, the evaluation and the supervision page at a million tips (issue 14).
-- Their figures are a pure function of the period's tips (with case files, units, staff
-- messages and written explanations) and of the day they are judged on. Each UTC day of
-- submission keeps a change counter, raised by triggers in the same transaction as every
-- insert, update or delete of a row those figures read; the services keep the figures they
-- worked out with the counters of the period's days and use them again only while those
-- counters (and the day) are unchanged, so what they show stays exact. The counters only grow.
CREATE TABLE figure_versions (
    day DATE PRIMARY KEY NOT NULL,
    v BIGINT NOT NULL
);
INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips GROUP BY date(submitted_at);

CREATE TRIGGER figure_version_tip_insert AFTER INSERT ON tips BEGIN
    INSERT INTO figure_versions (day, v) VALUES (date(NEW.submitted_at), 1)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_tip_update AFTER UPDATE ON tips BEGIN
    INSERT INTO figure_versions (day, v) VALUES (date(NEW.submitted_at), 1)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
    INSERT INTO figure_versions (day, v)
        SELECT date(OLD.submitted_at), 1 WHERE date(OLD.submitted_at) <> date(NEW.submitted_at)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_tip_delete AFTER DELETE ON tips BEGIN
    INSERT INTO figure_versions (day, v) VALUES (date(OLD.submitted_at), 1)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_case_files_insert AFTER INSERT ON case_files BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = NEW.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_case_files_update AFTER UPDATE ON case_files BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id IN (OLD.tip_id, NEW.tip_id)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_case_files_delete AFTER DELETE ON case_files BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = OLD.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_tip_units_insert AFTER INSERT ON tip_units BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = NEW.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_tip_units_update AFTER UPDATE ON tip_units BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id IN (OLD.tip_id, NEW.tip_id)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_tip_units_delete AFTER DELETE ON tip_units BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = OLD.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_messages_insert AFTER INSERT ON messages WHEN NEW.sender = 'staff' BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = NEW.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_messages_update AFTER UPDATE ON messages BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id IN (OLD.tip_id, NEW.tip_id)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_messages_delete AFTER DELETE ON messages BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = OLD.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_explanations_insert AFTER INSERT ON explanations BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = NEW.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_explanations_update AFTER UPDATE ON explanations BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id IN (OLD.tip_id, NEW.tip_id)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
CREATE TRIGGER figure_version_explanations_delete AFTER DELETE ON explanations BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id = OLD.tip_id
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;

-- The deadline job asks every minute for the tips past their current deadline that were not
-- notified of it. Most tips past their deadline were notified long ago; each tip keeps the due
-- date of its last overdue notice (a trigger writes it with the notice), and the job walks only
-- the tips whose current deadline is another one (a partial index), checking the notices as
-- before.
ALTER TABLE tips ADD COLUMN overdue_noticed DATE;
UPDATE tips SET overdue_noticed = next_deadline WHERE next_deadline IS NOT NULL AND EXISTS (
    SELECT 1 FROM deadline_notices n
    WHERE n.tip_id = tips.id AND n.due = tips.next_deadline AND n.kind LIKE 'overdue:%');
CREATE INDEX tips_overdue_unnoticed ON tips (next_deadline)
    WHERE overdue_noticed IS NULL OR overdue_noticed <> next_deadline;
CREATE TRIGGER overdue_noticed_insert AFTER INSERT ON deadline_notices
    WHEN NEW.kind LIKE 'overdue:%' BEGIN
    UPDATE tips SET overdue_noticed = NEW.due WHERE id = NEW.tip_id;
END;
CREATE TRIGGER overdue_noticed_delete AFTER DELETE ON deadline_notices
    WHEN OLD.kind LIKE 'overdue:%' BEGIN
    UPDATE tips SET overdue_noticed = NULL WHERE id = OLD.tip_id AND overdue_noticed = OLD.due;
END;
