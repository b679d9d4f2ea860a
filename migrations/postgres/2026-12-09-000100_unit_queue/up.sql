-- An officer's queue at a million tips (issue 14): each unit's tips in queue order (nearest
-- deadline first, tips without one last, then by id) straight from one index, instead of
-- walking every tip in that order and asking `tip_units` whether the unit holds each (about
-- seven rows a match for one of seven departments). Each unit row keeps its tip's sort key,
-- written by triggers in the same transaction as every change of the deadline or of the units.
-- The key is not a figure: writing it (here, for every row, first) need not make the
-- dashboard's figures stale.
DROP TRIGGER figure_version_tip_units ON tip_units;
CREATE TRIGGER figure_version_tip_units AFTER INSERT OR DELETE OR UPDATE OF tip_id, unit, role ON tip_units
    FOR EACH ROW EXECUTE FUNCTION figure_version_children();

ALTER TABLE tip_units ADD COLUMN queue_key DATE NOT NULL DEFAULT '9999-12-31';
UPDATE tip_units u SET queue_key = COALESCE(t.next_deadline, '9999-12-31')
    FROM tips t WHERE t.id = u.tip_id AND t.next_deadline IS NOT NULL;
CREATE INDEX tip_units_queue ON tip_units (unit, queue_key, tip_id);

CREATE FUNCTION unit_queue_key_row() RETURNS trigger AS $$
BEGIN
    NEW.queue_key := COALESCE((SELECT next_deadline FROM tips WHERE id = NEW.tip_id), '9999-12-31');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION unit_queue_key_deadline() RETURNS trigger AS $$
BEGIN
    UPDATE tip_units SET queue_key = COALESCE(NEW.next_deadline, '9999-12-31') WHERE tip_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER unit_queue_key_row BEFORE INSERT OR UPDATE OF tip_id ON tip_units
    FOR EACH ROW EXECUTE FUNCTION unit_queue_key_row();
CREATE TRIGGER unit_queue_key_deadline AFTER UPDATE OF next_deadline ON tips
    FOR EACH ROW WHEN (OLD.next_deadline IS DISTINCT FROM NEW.next_deadline)
    EXECUTE FUNCTION unit_queue_key_deadline();
