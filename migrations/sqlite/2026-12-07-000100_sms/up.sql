-- Text messages (SMS) through the outbox that carries mail: each row says its channel; a text
-- keeps the notice's kind (in subject), its template parameters (JSON, in order) and a keyed
-- hash of the number, so that texts to one number can be counted without reading it. The count
-- of texts sent per number and local day holds the limit against SMS bombing for every instance
-- together. Staff who opt in to texts of overdue escalations keep their number sealed.

ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'mail';
ALTER TABLE outbox ADD COLUMN params TEXT;
ALTER TABLE outbox ADD COLUMN recipient_key TEXT;
CREATE INDEX outbox_recipient_key ON outbox (recipient_key);

CREATE TABLE sms_sent (
    recipient_key TEXT NOT NULL,
    day DATE NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (recipient_key, day)
);

ALTER TABLE staff_users ADD COLUMN sms_phone_sealed BLOB;
