DROP TABLE photo_drafts;
