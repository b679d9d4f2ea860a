-- Supervision groups' findings (督查: spot checks, unannounced visits, case reviews) against a
-- unit, optionally about one case or hazard; and accountability records (问责) against a unit or
-- an enterprise, linked to the cases they answer.

CREATE TABLE supervision_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    tip_id BIGINT REFERENCES tips (id),
    hazard_id BIGINT REFERENCES hazards (id),
    finding TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX supervision_findings_unit ON supervision_findings (unit, recorded_at);

CREATE TABLE accountability (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    unit TEXT,
    enterprise_id BIGINT REFERENCES enterprises (id),
    decided_on DATE NOT NULL,
    summary TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX accountability_unit ON accountability (unit, decided_on);
CREATE INDEX accountability_enterprise ON accountability (enterprise_id);

CREATE TABLE accountability_cases (
    accountability_id BIGINT NOT NULL REFERENCES accountability (id) ON DELETE CASCADE,
    tip_id BIGINT NOT NULL REFERENCES tips (id),
    PRIMARY KEY (accountability_id, tip_id)
);
