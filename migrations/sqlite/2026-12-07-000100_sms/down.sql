ALTER TABLE staff_users DROP COLUMN sms_phone_sealed;
DROP TABLE sms_sent;
DROP INDEX outbox_recipient_key;
ALTER TABLE outbox DROP COLUMN recipient_key;
ALTER TABLE outbox DROP COLUMN params;
ALTER TABLE outbox DROP COLUMN channel;
