-- Retention (issue 18): when the background job erased a closed case's content (description,
-- place, business, photos, messages, sealed identity). The case number, routing, statuses,
-- dates and amounts stay, so figures, lists and evaluations do not change. (A reward's payee
-- details, erased after the finance records' years, need no mark: they are simply gone.)
ALTER TABLE tips ADD COLUMN content_erased_at TIMESTAMP;
-- The job looks for cases closed before a date that still hold their content.
CREATE INDEX case_files_closed ON case_files (closed_at);
