-- Issue 17: the test inbox is derived from the rows a send writes anyway
-- instead of being a copy of each message (body and code in clear, three
-- indexes, one on the random key (app_id, destination, created_at)): a
-- message of the inbox is a message sent through the provider test_inbox,
-- its text is rendered when the inbox is read, and its code is the
-- verification's, which a test application's verification keeps sealed in
-- inbox_code for the inbox after code_sealed is erased, until the inbox's
-- retention. A live application's inbox_code is always NULL.
ALTER TABLE verifications ADD COLUMN inbox_code BLOB;

-- The inbox of messages written before: a verification whose sealed code
-- is still there (pending) keeps its messages in the inbox; those of a
-- finished one, whose code only test_messages held, in clear, are lost
-- (SQL cannot seal it).
UPDATE verifications SET inbox_code = code_sealed
WHERE code_sealed IS NOT NULL AND id IN (SELECT verification_id FROM test_messages);

DROP TABLE test_messages;

-- An application's inbox, newest first: only test-inbox messages, in the
-- order they are sent (a sequential key).
CREATE INDEX messages_test_inbox ON messages (app_id, sent_at) WHERE provider = 'test_inbox';
-- The inbox of one destination finds a message to its verification's
-- destination (stored as '') through the verification; a fallback step to
-- another destination (rare: the index is all but empty) through this.
CREATE INDEX messages_test_inbox_to ON messages (app_id, destination, sent_at) WHERE provider = 'test_inbox' AND destination <> '';
-- The retention sweep erases the inbox codes of verifications expired
-- for longer than the retention: every message is sent before expiry.
CREATE INDEX verifications_inbox_code ON verifications (expires_at) WHERE inbox_code IS NOT NULL;
