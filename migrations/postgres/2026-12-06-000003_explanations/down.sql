ALTER TABLE case_files ADD COLUMN delay_explanation TEXT;
UPDATE case_files SET delay_explanation = (
    SELECT x.body FROM explanations x
    WHERE x.tip_id = case_files.tip_id AND x.time_limit = 'rectification'
    ORDER BY x.id DESC LIMIT 1
);
DROP TABLE explanations;
