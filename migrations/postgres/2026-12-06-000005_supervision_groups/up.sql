-- Supervision groups (督查组): an inspector's group (a code of the configured list) and the
-- group a finding was recorded by; listed supervision (挂牌督办) of a case or a hazard as a
-- record with its reason, due date and lifting; and the evaluation judgments (成效评估) the
-- coordinator enters per unit and period.

ALTER TABLE staff_users ADD COLUMN supervision_group TEXT;
ALTER TABLE supervision_findings ADD COLUMN inspector_group TEXT;

CREATE TABLE listed_supervisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tip_id BIGINT REFERENCES tips (id),
    hazard_id BIGINT REFERENCES hazards (id),
    reason TEXT NOT NULL,
    due DATE NOT NULL,
    listed_by TEXT NOT NULL,
    listed_at TIMESTAMP NOT NULL,
    lifted_by TEXT,
    lifted_at TIMESTAMP,
    lift_note TEXT
);
CREATE INDEX listed_supervisions_tip ON listed_supervisions (tip_id);
CREATE INDEX listed_supervisions_hazard ON listed_supervisions (hazard_id);

-- Hazards already under 挂牌督办 keep it, as records (no reason was asked for then; the due
-- date is the hazard's deadline).
INSERT INTO listed_supervisions (hazard_id, reason, due, listed_by, listed_at)
SELECT id, '挂牌督办', deadline, created_by, updated_at FROM hazards WHERE supervised;

CREATE TABLE evaluation_scores (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    leadership INTEGER NOT NULL,
    leadership_note TEXT,
    screening INTEGER NOT NULL,
    screening_note TEXT,
    rectification INTEGER NOT NULL,
    rectification_note TEXT,
    prevention INTEGER NOT NULL,
    prevention_note TEXT,
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    UNIQUE (unit, period_from, period_to)
);
