DROP INDEX case_files_closed;
ALTER TABLE tips DROP COLUMN content_erased_at;
