-- Written explanations (书面说明) of a missed time limit, of a case (acceptance, verification,
-- feedback, rectification) or of a hazard (its rectification deadline): kept as a list, never
-- overwritten, each accepted or returned by 区安委办 (a returned one asks for a new one).
-- The single `case_files.delay_explanation` and the hazards' `explain_delay` history rows move
-- here (their history rows stay, as history).

CREATE TABLE explanations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tip_id BIGINT REFERENCES tips (id),
    hazard_id BIGINT REFERENCES hazards (id),
    time_limit TEXT NOT NULL,
    body TEXT NOT NULL,
    new_date DATE,
    -- None only for an explanation moved here whose author the history does not name.
    by_staff BIGINT REFERENCES staff_users (id),
    at TIMESTAMP NOT NULL,
    decision TEXT,
    decided_by BIGINT REFERENCES staff_users (id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    CHECK ((tip_id IS NULL) <> (hazard_id IS NULL))
);
CREATE INDEX explanations_tip ON explanations (tip_id, id);
CREATE INDEX explanations_hazard ON explanations (hazard_id, id);

-- A case's one explanation was of its rectification, written by the last `explain_delay`.
INSERT INTO explanations (tip_id, time_limit, body, by_staff, at)
SELECT f.tip_id, 'rectification', f.delay_explanation,
    (SELECT s.id FROM tip_events e JOIN staff_users s ON s.username = e.actor
        WHERE e.tip_id = f.tip_id AND e.action = 'explain_delay' ORDER BY e.id DESC LIMIT 1),
    COALESCE((SELECT e.created_at FROM tip_events e
        WHERE e.tip_id = f.tip_id AND e.action = 'explain_delay' ORDER BY e.id DESC LIMIT 1),
        t.updated_at)
FROM case_files f JOIN tips t ON t.id = f.tip_id
WHERE f.delay_explanation IS NOT NULL
ORDER BY f.tip_id;

-- A hazard's explanations were history rows (the text as the note, the new date as the date).
INSERT INTO explanations (hazard_id, time_limit, body, new_date, by_staff, at)
SELECT e.hazard_id, 'rectification', COALESCE(e.note, ''), e.on_date,
    (SELECT s.id FROM staff_users s WHERE s.username = e.actor), e.at
FROM hazard_events e
WHERE e.kind = 'explain_delay'
ORDER BY e.id;

ALTER TABLE case_files DROP COLUMN delay_explanation;
