-- Events are consumed by a cursor instead of being rewritten (issue 17).
-- Each event gets a sequence number, seq, and the consumer keeps its place
-- in one row (event_cursor): an event is inserted once, on the request
-- path, and consuming a batch updates one row instead of every event and
-- its entry in the partial index of unconsumed events.
--
-- seq is the rowid, AUTOINCREMENT so that a number is never given twice:
-- without it, deleting the newest events (an application's deletion, the
-- erasure of a user) would let the next event take a number at or behind
-- the cursor, and the consumer would never see it. SQLite's one writer
-- commits events in seq order, so everything up to the newest committed
-- number is final and the cursor needs no watermark; tx is PostgreSQL's
-- and is 0 here.
--
-- The table is rebuilt: existing events are numbered consumed ones first,
-- then the unconsumed ones, each in id order, and the cursor is put after
-- the consumed ones. The index by verification drops id (few events per
-- verification, sorted when read), and the unique index on id replaces the
-- autoindex of the old TEXT primary key: the event log pages by id.
CREATE TABLE events_seq (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	id              TEXT NOT NULL,
	type            TEXT NOT NULL,
	app_id          TEXT NOT NULL,
	verification_id TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	channel         TEXT NOT NULL DEFAULT '',
	country         TEXT NOT NULL DEFAULT '',
	cost_micros     INTEGER NOT NULL DEFAULT 0,
	cost_currency   TEXT NOT NULL DEFAULT '',
	detail          TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO events_seq (seq, id, type, app_id, verification_id, created_at, channel, country, cost_micros, cost_currency, detail, reason)
SELECT ROW_NUMBER() OVER (ORDER BY dispatched DESC, id), id, type, app_id, verification_id, created_at,
	channel, country, cost_micros, cost_currency, detail, reason
FROM events;

CREATE TABLE event_cursor (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	tx  INTEGER NOT NULL,
	seq INTEGER NOT NULL
) STRICT;

INSERT INTO event_cursor (id, tx, seq) VALUES (1, 0, (SELECT COUNT(*) FROM events WHERE dispatched = 1));

DROP TABLE events;
ALTER TABLE events_seq RENAME TO events;

CREATE UNIQUE INDEX events_id ON events (id);
CREATE INDEX events_app ON events (app_id, id);
CREATE INDEX events_verification ON events (verification_id);
CREATE INDEX events_without_verification ON events (created_at) WHERE verification_id = '';
