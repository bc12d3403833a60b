-- Events are consumed by a cursor instead of being rewritten (issue 17).
-- Each event gets a sequence number, seq, and the number of the
-- transaction that wrote it, tx; the consumer keeps its place, a (tx, seq)
-- pair, in one row (event_cursor). An event is inserted once, on the
-- request path, and consuming a batch updates one row instead of every
-- event and its entry in the partial index of unconsumed events.
--
-- Transactions commit in any order, so a seq taken by one that commits
-- after another's higher seq would be passed by a cursor of seq alone.
-- The consumer takes events in (tx, seq) order and only those of
-- transactions older than every transaction still running
-- (pg_snapshot_xmin of its snapshot): no transaction that can still commit
-- an event has a lower tx (sqlstore/event_consumer.go). Both columns are
-- filled by their defaults, so the shared INSERTs name neither.
--
-- Existing events are numbered consumed ones first, then the unconsumed
-- ones, each in id order, with tx 0 (before every new event), and the
-- cursor is put after the consumed ones.
ALTER TABLE events ADD COLUMN seq BIGINT;
UPDATE events SET seq = n.seq
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY dispatched DESC, id) AS seq FROM events) AS n
WHERE n.id = events.id;
CREATE SEQUENCE events_seq OWNED BY events.seq;
SELECT setval('events_seq', COALESCE(MAX(seq), 0) + 1, false) FROM events;
ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq'), ALTER COLUMN seq SET NOT NULL;

ALTER TABLE events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint;

CREATE TABLE event_cursor (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	tx  BIGINT NOT NULL,
	seq BIGINT NOT NULL
);
INSERT INTO event_cursor (id, tx, seq) VALUES (1, 0, (SELECT COUNT(*) FROM events WHERE dispatched = 1));

-- The consumer's order; the partial index of unconsumed events goes with
-- the column it filtered on. The index by verification drops id (few
-- events per verification, sorted when read).
CREATE INDEX events_consumer ON events (tx, seq);
ALTER TABLE events DROP COLUMN dispatched;
DROP INDEX events_verification;
CREATE INDEX events_verification ON events (verification_id);
