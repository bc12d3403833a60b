-- Issue 14: every attempt to send a message is a row of messages, so that
-- retries are visible while they happen. A delivery's attempts share its
-- id (dlv_…, the client reference providers get); attempts is the attempt
-- number of the row, and the key becomes (id, attempts). next_attempt_at
-- is when the attempt after a failed one is due (0: none).
ALTER TABLE messages DROP CONSTRAINT messages_pkey;
ALTER TABLE messages ADD PRIMARY KEY (id, attempts);
ALTER TABLE messages ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;

-- The providers that refused the message (comma-separated instance
-- names), which the router asks no more.
ALTER TABLE outbox ADD COLUMN skip_providers TEXT NOT NULL DEFAULT '';
