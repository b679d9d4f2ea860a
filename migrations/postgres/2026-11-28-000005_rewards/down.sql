DROP TRIGGER audit_log_no_change ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE rewards;
ALTER TABLE case_files DROP COLUMN reward_excluded;
ALTER TABLE tips DROP COLUMN reporter_key;
ALTER TABLE staff_users DROP COLUMN totp_locked_until;
ALTER TABLE staff_users DROP COLUMN totp_failures;
ALTER TABLE staff_users DROP COLUMN totp_last_step;
