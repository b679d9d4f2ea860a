DROP TRIGGER unit_copy_place ON tips;
DROP FUNCTION unit_copy_place();
CREATE OR REPLACE FUNCTION unit_queue_key_row() RETURNS trigger AS $$
BEGIN
    NEW.queue_key := COALESCE((SELECT next_deadline FROM tips WHERE id = NEW.tip_id), '9999-12-31');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP INDEX tip_units_enterprise;
DROP INDEX tip_units_street;
ALTER TABLE tip_units DROP COLUMN submitted_at, DROP COLUMN enterprise, DROP COLUMN street;
