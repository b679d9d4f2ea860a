-- The reporter's side of issue 16: photos a reporter adds later from /track are marked as such
-- (staff see them apart from those sent with the tip), and the finding staff write for the
-- reporter with a verification result (substantiate / unsubstantiate), which /track shows as
-- the outcome. The history note of those steps stays internal.

ALTER TABLE attachments ADD COLUMN added_later BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE case_files ADD COLUMN finding TEXT;
