-- Events and messages are looked up by their verification: on the
-- console's verification page (with or without the application), and by
-- the retention sweep, which deletes them for a list of verification ids
-- and, with the application leading these indexes, scanned both tables.
DROP INDEX events_verification;
CREATE INDEX events_verification ON events (verification_id, id);
DROP INDEX messages_verification;
CREATE INDEX messages_verification ON messages (verification_id, created_at, id);

-- The outbox holds only messages on their way (seconds each), so deleting
-- an application's rows can scan it; the index cost a page write in every
-- group commit that queued or finished a message.
DROP INDEX outbox_app;
