DROP TABLE evaluation_scores;
DROP TABLE listed_supervisions;
ALTER TABLE supervision_findings DROP COLUMN inspector_group;
ALTER TABLE staff_users DROP COLUMN supervision_group;
