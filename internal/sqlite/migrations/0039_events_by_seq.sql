-- Issue 17: events are found by their seq (the rowid), not by their
-- 36-character id. The event log pages by seq (its cursor is an event's
-- seq), so no query looks an event up by id any more: events_id goes,
-- and with it an entry of 37 bytes and more per event, at a place in the
-- index that the random part of concurrent ids scatters.
DROP INDEX events_id;

-- The log of one application, newest first, and its ledger rows at an
-- application's deletion, in seq order. An index of a rowid table carries
-- the rowid after its columns and is ordered by it, so an index of app_id
-- alone is (app_id, seq): WHERE app_id = ? ORDER BY seq DESC walks it
-- backwards with no sort, and each entry is the application's id and an
-- integer instead of two ids.
DROP INDEX events_app;
CREATE INDEX events_app ON events (app_id);
