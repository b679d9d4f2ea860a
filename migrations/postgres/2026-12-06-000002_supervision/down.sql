DROP TABLE accountability_cases;
DROP TABLE accountability;
DROP TABLE supervision_findings;
