-- The session flow (kod.mobi's): verification sessions, the verify tokens
-- a correct code yields, and each application's browser settings.

-- The sites whose pages may call the session flow, and where the hosted
-- page may send a person back: JSON arrays of strings, '' for none.
ALTER TABLE applications ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN return_urls TEXT NOT NULL DEFAULT '';

CREATE TABLE verification_sessions (
	id              TEXT PRIMARY KEY, -- a ULID
	app_id          TEXT NOT NULL REFERENCES applications (id),
	destination     TEXT NOT NULL,
	-- The destination while the session is open, NULL once it is closed:
	-- the unique index below keeps one open session per destination.
	open_key        TEXT,
	locale          TEXT NOT NULL,
	status          TEXT NOT NULL, -- open, verified or blocked
	verification_id TEXT NOT NULL, -- the current verification, '' before the first send
	last_sent       TEXT NOT NULL, -- JSON: channel -> unix microseconds of its last send
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	closed_at       INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX verification_sessions_open ON verification_sessions (app_id, open_key);
-- The blocks that count against a destination, newest first.
CREATE INDEX verification_sessions_blocked ON verification_sessions (app_id, destination, closed_at)
	WHERE status = 'blocked';
CREATE INDEX verification_sessions_expiry ON verification_sessions (expires_at);

-- A verify token is kept only as its SHA-256, until it is redeemed (and
-- deleted) or expires.
CREATE TABLE verify_tokens (
	token_hash      BLOB PRIMARY KEY,
	app_id          TEXT NOT NULL REFERENCES applications (id),
	session_id      TEXT NOT NULL,
	verification_id TEXT NOT NULL,
	destination     TEXT NOT NULL,
	channel         TEXT NOT NULL,
	verified_at     INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX verify_tokens_expiry ON verify_tokens (expires_at);
