ALTER TABLE tips DROP COLUMN source_note;
