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
INSERT INTO figure_versions (day, v) SELECT submitted_at::date, 1 FROM tips GROUP BY submitted_at::date;

CREATE FUNCTION figure_version_bump(at TIMESTAMP) RETURNS void AS $$
    INSERT INTO figure_versions (day, v) VALUES (at::date, 1)
        ON CONFLICT (day) DO UPDATE SET v = figure_versions.v + 1;
$$ LANGUAGE sql;

CREATE FUNCTION figure_version_tips() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM figure_version_bump(NEW.submitted_at);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.submitted_at::date <> NEW.submitted_at::date) THEN
        PERFORM figure_version_bump(OLD.submitted_at);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Rows of a tip's case file, units, staff messages and explanations.
CREATE FUNCTION figure_version_children() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM figure_version_bump(submitted_at) FROM tips WHERE id = NEW.tip_id;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.tip_id IS DISTINCT FROM NEW.tip_id) THEN
        PERFORM figure_version_bump(submitted_at) FROM tips WHERE id = OLD.tip_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER figure_version_tips AFTER INSERT OR UPDATE OR DELETE ON tips
    FOR EACH ROW EXECUTE FUNCTION figure_version_tips();
CREATE TRIGGER figure_version_case_files AFTER INSERT OR UPDATE OR DELETE ON case_files
    FOR EACH ROW EXECUTE FUNCTION figure_version_children();
CREATE TRIGGER figure_version_tip_units AFTER INSERT OR UPDATE OR DELETE ON tip_units
    FOR EACH ROW EXECUTE FUNCTION figure_version_children();
CREATE TRIGGER figure_version_explanations AFTER INSERT OR UPDATE OR DELETE ON explanations
    FOR EACH ROW EXECUTE FUNCTION figure_version_children();
-- A reporter's message does not change the figures; a staff message may (the feedback limit).
CREATE TRIGGER figure_version_messages_insert AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.sender = 'staff') EXECUTE FUNCTION figure_version_children();
CREATE TRIGGER figure_version_messages AFTER UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION figure_version_children();

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
CREATE FUNCTION overdue_noticed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tips SET overdue_noticed = NEW.due WHERE id = NEW.tip_id;
        RETURN NULL;
    END IF;
    UPDATE tips SET overdue_noticed = NULL WHERE id = OLD.tip_id AND overdue_noticed = OLD.due;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER overdue_noticed_insert AFTER INSERT ON deadline_notices
    FOR EACH ROW WHEN (NEW.kind LIKE 'overdue:%') EXECUTE FUNCTION overdue_noticed();
CREATE TRIGGER overdue_noticed_delete AFTER DELETE ON deadline_notices
    FOR EACH ROW WHEN (OLD.kind LIKE 'overdue:%') EXECUTE FUNCTION overdue_noticed();
