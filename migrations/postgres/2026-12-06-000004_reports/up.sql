-- Progress reports that are signed and sent (工作报告): a unit's report (or, with no unit, the
-- district's summary) for a period, its figures frozen as JSON as of the period's end, the three
-- narrative sections, who prepared (编制), reviewed (审核) and signed it (签发, with the signer's
-- capacity: 分管领导 for a unit, 主要领导 for the summary), and its submission to 区安委办.

CREATE TABLE reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit TEXT,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    round TEXT,
    figures TEXT NOT NULL,
    progress TEXT NOT NULL,
    problems TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    status TEXT NOT NULL,
    prepared_by TEXT NOT NULL,
    prepared_at TIMESTAMP NOT NULL,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    signed_by TEXT,
    signed_at TIMESTAMP,
    signer_role TEXT,
    submitted_by TEXT,
    submitted_at TIMESTAMP
);
CREATE INDEX reports_period ON reports (period_from, period_to);
CREATE INDEX reports_unit ON reports (unit, period_to);
