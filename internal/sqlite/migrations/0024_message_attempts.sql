-- Issue 14: every attempt to send a message is a row of messages, so that
-- retries are visible while they happen. A delivery's attempts share its
-- id (dlv_…, the client reference providers get); attempts is the attempt
-- number of the row, and the key becomes (id, attempts). next_attempt_at
-- is when the attempt after a failed one is due (0: none).
CREATE TABLE messages_by_attempt (
	id                  TEXT NOT NULL,
	attempts            INTEGER NOT NULL,
	app_id              TEXT NOT NULL,
	verification_id     TEXT NOT NULL,
	channel             TEXT NOT NULL,
	destination         TEXT NOT NULL DEFAULT '',
	provider            TEXT NOT NULL,
	provider_message_id TEXT NOT NULL,
	status              TEXT NOT NULL,
	error               TEXT NOT NULL,
	cost_micros         INTEGER NOT NULL DEFAULT 0,
	cost_currency       TEXT NOT NULL DEFAULT '',
	created_at          INTEGER NOT NULL,
	sent_at             INTEGER NOT NULL,
	delivered_at        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (id, attempts)
) STRICT;

INSERT INTO messages_by_attempt (id, attempts, app_id, verification_id, channel, destination, provider,
	provider_message_id, status, error, cost_micros, cost_currency, created_at, sent_at, delivered_at)
SELECT id, attempts, app_id, verification_id, channel, destination, provider,
	provider_message_id, status, error, cost_micros, cost_currency, created_at, sent_at, delivered_at
FROM messages;

DROP TABLE messages;
ALTER TABLE messages_by_attempt RENAME TO messages;
CREATE INDEX messages_verification ON messages (verification_id, created_at, id);
-- Delivery receipts name the provider's message id.
CREATE INDEX messages_provider ON messages (provider, provider_message_id);

-- The providers that refused the message (comma-separated instance
-- names), which the router asks no more.
ALTER TABLE outbox ADD COLUMN skip_providers TEXT NOT NULL DEFAULT '';
