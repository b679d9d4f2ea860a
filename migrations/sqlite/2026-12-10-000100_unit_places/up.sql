-- The duplicate suggestions of a case page at a million tips (issue 14): an officer's are the
-- newest open tips of the same sub-district or enterprise among their own unit's, read along
-- one index of the unit's rows, instead of walking every tip of the place (about seven a match
-- for one of seven departments) and asking `tip_units` whether the unit holds each. Each unit
-- row keeps its tip's sub-district, enterprise and submission time beside the queue's sort key,
-- written by triggers in the same transaction as every change of them or of the units. None
-- of them is a figure (the figure trigger on `tip_units` fires on its own columns only).
ALTER TABLE tip_units ADD COLUMN street TEXT;
ALTER TABLE tip_units ADD COLUMN enterprise TEXT;
ALTER TABLE tip_units ADD COLUMN submitted_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE tip_units SET (street, enterprise, submitted_at) =
    (SELECT street, enterprise, submitted_at FROM tips WHERE tips.id = tip_units.tip_id);
CREATE INDEX tip_units_street ON tip_units (unit, street, submitted_at, tip_id);
CREATE INDEX tip_units_enterprise ON tip_units (unit, enterprise, submitted_at, tip_id);

-- One statement copies all of the tip's values to a new or moved unit row.
DROP TRIGGER unit_queue_key_insert;
DROP TRIGGER unit_queue_key_move;
CREATE TRIGGER unit_copy_insert AFTER INSERT ON tip_units BEGIN
    UPDATE tip_units SET (queue_key, street, enterprise, submitted_at) =
        (SELECT COALESCE(next_deadline, '9999-12-31'), street, enterprise, submitted_at
         FROM tips WHERE id = NEW.tip_id)
        WHERE tip_id = NEW.tip_id AND unit = NEW.unit;
END;
CREATE TRIGGER unit_copy_move AFTER UPDATE OF tip_id ON tip_units BEGIN
    UPDATE tip_units SET (queue_key, street, enterprise, submitted_at) =
        (SELECT COALESCE(next_deadline, '9999-12-31'), street, enterprise, submitted_at
         FROM tips WHERE id = NEW.tip_id)
        WHERE tip_id = NEW.tip_id AND unit = NEW.unit;
END;
CREATE TRIGGER unit_copy_place AFTER UPDATE OF street, enterprise ON tips
    WHEN OLD.street IS NOT NEW.street OR OLD.enterprise IS NOT NEW.enterprise BEGIN
    UPDATE tip_units SET street = NEW.street, enterprise = NEW.enterprise WHERE tip_id = NEW.id;
END;
