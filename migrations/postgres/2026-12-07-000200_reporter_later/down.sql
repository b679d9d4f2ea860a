ALTER TABLE case_files DROP COLUMN finding;
ALTER TABLE attachments DROP COLUMN added_later;
