-- Issue 17: fewer secondary indexes to write on the hot path, as on
-- SQLite (see its 0038), except verifications_created (below).
--
-- users_destination: a right check of a new user inserted an entry at a
-- random place in it. The erasure of a destination names its
-- applications, so the primary key (app_id, destination) finds each
-- user; so does the lookup of a destination across applications, one
-- probe per application (ListUsers), once users.app_id compares as the
-- applications' id does: it was the only app_id column without COLLATE
-- "C", and a comparison of two collations cannot use either's index, so
-- the planner read the whole table. The change rebuilds the table's
-- indexes (their order of app_id is now bytewise), not its rows.
DROP INDEX users_destination;
ALTER TABLE users ALTER COLUMN app_id TYPE TEXT COLLATE "C";

-- messages_provider: only delivery receipts look a message up by its
-- provider's id, and the test inbox sends none; ApplyReceipt names the
-- condition literally so that the planner can prove the index applies.
DROP INDEX messages_provider;
CREATE INDEX messages_provider ON messages (provider, provider_message_id) WHERE provider <> 'test_inbox';

-- verifications_created stays on PostgreSQL. The retention sweep no
-- longer needs it (it walks the primary key up to the id of its cutoff),
-- but here the lists and counts of one application filtered by creation
-- time are planned on it (an old week of an application: a range of it,
-- against every newer row of the application through verifications_app
-- without it). Ids carry the wall clock's time and created_at the
-- service's clock, so an id bound cannot stand in for it exactly.
