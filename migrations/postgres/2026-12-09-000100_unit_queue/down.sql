DROP TRIGGER figure_version_tip_units ON tip_units;
CREATE TRIGGER figure_version_tip_units AFTER INSERT OR UPDATE OR DELETE ON tip_units
    FOR EACH ROW EXECUTE FUNCTION figure_version_children();
DROP TRIGGER unit_queue_key_deadline ON tips;
DROP TRIGGER unit_queue_key_row ON tip_units;
DROP FUNCTION unit_queue_key_deadline();
DROP FUNCTION unit_queue_key_row();
DROP INDEX tip_units_queue;
ALTER TABLE tip_units DROP COLUMN queue_key;
