-- Issue 17: three secondary indexes fewer to write on the hot path.
--
-- users_destination: a right check of a new user inserted an entry at a
-- random place in it, one more leaf page written. The erasure of a
-- destination names its applications, so the primary key (app_id,
-- destination) finds each user; so does the lookup of a destination
-- across applications, now written as one probe per application
-- (ListUsers).
DROP INDEX users_destination;

-- messages_provider: a delivery receipt finds its message by provider
-- and provider message id, and the test inbox sends no receipts, so its
-- messages (a test application's every send) need no entry. ApplyReceipt
-- names the condition literally: SQLite uses a partial index only when
-- the query's WHERE implies the index's, which a bound parameter does not.
DROP INDEX messages_provider;
CREATE INDEX messages_provider ON messages (provider, provider_message_id) WHERE provider <> 'test_inbox';

-- verifications_created: ids are time-ordered (otp.NewID), so the
-- retention sweep walks the primary key up to the id of its cutoff
-- instead. The lists and counts filtered by creation time are of one
-- application and were planned on verifications_app (app_id, id) with it
-- as without it. (PostgreSQL keeps it: its planner does use it there.)
DROP INDEX verifications_created;
