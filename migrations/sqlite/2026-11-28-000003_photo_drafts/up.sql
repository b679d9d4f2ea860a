-- Photos of a report form that was refused (a mistake in another field, a rate limit), kept for
-- a short while under a random token carried by the re-shown form, so the reporter does not
-- have to choose them again. Already stripped of metadata; purged after two hours.
CREATE TABLE photo_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL,
    position INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX photo_drafts_token ON photo_drafts (token_hash, position);
CREATE INDEX photo_drafts_created ON photo_drafts (created_at);
