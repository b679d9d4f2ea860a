DROP TRIGGER unit_copy_place;
DROP TRIGGER unit_copy_move;
DROP TRIGGER unit_copy_insert;
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
DROP INDEX tip_units_enterprise;
DROP INDEX tip_units_street;
ALTER TABLE tip_units DROP COLUMN submitted_at;
ALTER TABLE tip_units DROP COLUMN enterprise;
ALTER TABLE tip_units DROP COLUMN street;
