DROP TABLE blacklist;
DROP TABLE hazard_events;
DROP TABLE hazards;
DROP TABLE hazard_counters;
DROP TABLE inspection_enterprises;
DROP TABLE inspections;
DROP INDEX tips_enterprise;
ALTER TABLE tips DROP COLUMN enterprise_id;
DROP TABLE enterprises;
