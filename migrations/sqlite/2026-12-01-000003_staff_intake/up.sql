-- Tips taken by staff on behalf of a caller, a letter, a visit or the media: where it came from
-- (the outlet, the letter's number, the hotline ticket), as the clerk wrote it.
ALTER TABLE tips ADD COLUMN source_note TEXT;
