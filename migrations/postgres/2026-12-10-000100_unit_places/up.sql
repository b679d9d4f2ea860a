-- The duplicate suggestions of a case page at a million tips (issue 14): an officer's are the
-- newest open tips of the same sub-district or enterprise among their own unit's, read along
-- one index of the unit's rows, instead of walking every tip of the place (about seven a match
-- for one of seven departments) and asking `tip_units` whether the unit holds each. Each unit
-- row keeps its tip's sub-district, enterprise and submission time beside the queue's sort key,
-- written by triggers in the same transaction as every change of them or of the units. None
-- of them is a figure (the figure trigger on `tip_units` fires on its own columns only).
ALTER TABLE tip_units ADD COLUMN street TEXT, ADD COLUMN enterprise TEXT,
    ADD COLUMN submitted_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE tip_units u SET street = t.street, enterprise = t.enterprise, submitted_at = t.submitted_at
    FROM tips t WHERE t.id = u.tip_id;
CREATE INDEX tip_units_street ON tip_units (unit, street, submitted_at, tip_id);
CREATE INDEX tip_units_enterprise ON tip_units (unit, enterprise, submitted_at, tip_id);

-- A new or moved unit row takes all of its tip's values at once.
CREATE OR REPLACE FUNCTION unit_queue_key_row() RETURNS trigger AS $$
BEGIN
    SELECT COALESCE(next_deadline, '9999-12-31'), street, enterprise, submitted_at
        INTO NEW.queue_key, NEW.street, NEW.enterprise, NEW.submitted_at
        FROM tips WHERE id = NEW.tip_id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION unit_copy_place() RETURNS trigger AS $$
BEGIN
    UPDATE tip_units SET street = NEW.street, enterprise = NEW.enterprise WHERE tip_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER unit_copy_place AFTER UPDATE OF street, enterprise ON tips
    FOR EACH ROW WHEN (OLD.street IS DISTINCT FROM NEW.street OR OLD.enterprise IS DISTINCT FROM NEW.enterprise)
    EXECUTE FUNCTION unit_copy_place();
