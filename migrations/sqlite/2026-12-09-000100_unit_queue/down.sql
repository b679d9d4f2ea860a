DROP TRIGGER figure_version_tip_units_update;
CREATE TRIGGER figure_version_tip_units_update AFTER UPDATE ON tip_units BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id IN (OLD.tip_id, NEW.tip_id)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;
DROP TRIGGER unit_queue_key_deadline;
DROP TRIGGER unit_queue_key_move;
DROP TRIGGER unit_queue_key_insert;
DROP INDEX tip_units_queue;
ALTER TABLE tip_units DROP COLUMN queue_key;
