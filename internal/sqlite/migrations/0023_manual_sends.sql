-- kod.mobi's manual flow: numbered sends whose code the caller checks,
-- and per-send callbacks in the webhook queue.

-- Each application numbers its manual sends 1, 2, …: message_seq is the
-- last number taken, message_number a send's (0 for other verifications).
ALTER TABLE applications ADD COLUMN message_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE verifications ADD COLUMN message_number INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX verifications_message_number ON verifications (app_id, message_number)
	WHERE message_number > 0;

-- A per-send callback is a webhook delivery without an endpoint
-- (webhook_id ''): its url is on the row, with the verification it
-- reports, which has one callback at most.
ALTER TABLE webhook_deliveries ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN verification_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX webhook_deliveries_callback ON webhook_deliveries (verification_id)
	WHERE verification_id <> '';
