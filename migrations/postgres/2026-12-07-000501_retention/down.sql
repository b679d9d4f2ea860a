ALTER TABLE tips DROP COLUMN content_erased_at;
