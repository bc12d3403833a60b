-- Issue 17: events are found by their seq, not by their 36-character id,
-- as on SQLite (see its 0039). The event log pages by seq (its cursor is
-- an event's seq), so no query looks an event up by id any more.
--
-- The primary key moves from id to seq: a table keeps a key (logical
-- replication identifies deleted rows by it), and an index of seq serves
-- the log across every application, newest first, as the rowid does on
-- SQLite (events_consumer is (tx, seq) and cannot). seq comes from a
-- sequence, so its entries are appended at the right edge of the index
-- (one leaf page for a whole commit's events) instead of at a random
-- place, and are 8 bytes instead of 37.
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (seq);

-- The log of one application, newest first, in seq order, and its ledger
-- rows at an application's deletion.
DROP INDEX events_app;
CREATE INDEX events_app ON events (app_id, seq);
