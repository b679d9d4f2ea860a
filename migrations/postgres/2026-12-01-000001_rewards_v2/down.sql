ALTER TABLE rewards DROP COLUMN policy;
ALTER TABLE rewards DROP COLUMN second_decided_by;
ALTER TABLE rewards DROP COLUMN signoff_note;
