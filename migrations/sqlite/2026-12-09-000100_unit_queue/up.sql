-- An officer's queue at a million tips (issue 14): each unit's tips in queue order (nearest
-- deadline first, tips without one last, then by id) straight from one index, instead of
-- walking every tip in that order and asking `tip_units` whether the unit holds each (about
-- seven rows a match for one of seven departments). Each unit row keeps its tip's sort key,
-- written by triggers in the same transaction as every change of the deadline or of the units.
-- The key is not a figure: writing it (here, for every row, first) need not make the
-- dashboard's figures stale.
DROP TRIGGER figure_version_tip_units_update;
CREATE TRIGGER figure_version_tip_units_update AFTER UPDATE OF tip_id, unit, role ON tip_units BEGIN
    INSERT INTO figure_versions (day, v) SELECT date(submitted_at), 1 FROM tips WHERE id IN (OLD.tip_id, NEW.tip_id)
        ON CONFLICT (day) DO UPDATE SET v = v + 1;
END;

ALTER TABLE tip_units ADD COLUMN queue_key DATE NOT NULL DEFAULT '9999-12-31';
UPDATE tip_units SET queue_key =
    COALESCE((SELECT next_deadline FROM tips WHERE tips.id = tip_units.tip_id), '9999-12-31');
CREATE INDEX tip_units_queue ON tip_units (unit, queue_key, tip_id);

CREATE TRIGGER unit_queue_key_insert AFTER INSERT ON tip_units BEGIN
    UPDATE tip_units SET queue_key =
        COALESCE((SELECT next_deadline FROM tips WHERE id = NEW.tip_id), '9999-12-31')
        WHERE tip_id = NEW.tip_id AND unit = NEW.unit;
END;
CREATE TRIGGER unit_queue_key_move AFTER UPDATE OF tip_id ON tip_units BEGIN
    UPDATE tip_units SET queue_key =
        COALESCE((SELECT next_deadline FROM tips WHERE id = NEW.tip_id), '9999-12-31')
        WHERE tip_id = NEW.tip_id AND unit = NEW.unit;
END;
CREATE TRIGGER unit_queue_key_deadline AFTER UPDATE OF next_deadline ON tips
    WHEN OLD.next_deadline IS NOT NEW.next_deadline BEGIN
    UPDATE tip_units SET queue_key = COALESCE(NEW.next_deadline, '9999-12-31') WHERE tip_id = NEW.id;
END;
