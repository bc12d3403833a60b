-- The initial schema. Times are unix microseconds (0 = not set), written
-- by otpd's clock, never by SQL. IDs are time-ordered text, so ordering by
-- id is ordering by creation. STRICT makes SQLite refuse a value of the
-- wrong type instead of storing it.

CREATE TABLE projects (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	policy      TEXT NOT NULL, -- JSON, durations in microseconds
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE applications (
	id                    TEXT PRIMARY KEY,
	project_id            TEXT NOT NULL REFERENCES projects (id),
	name                  TEXT NOT NULL,
	environment           TEXT NOT NULL,
	status                TEXT NOT NULL,
	client_id             TEXT NOT NULL UNIQUE,
	public_key            TEXT NOT NULL UNIQUE,
	api_key_hash          BLOB NOT NULL UNIQUE,
	api_key_preview       TEXT NOT NULL,
	client_secret_hash    BLOB,
	client_secret_preview TEXT NOT NULL,
	webhook_secret_sealed BLOB,
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL
) STRICT;

CREATE INDEX applications_project ON applications (project_id, id);

CREATE TABLE verifications (
	id              TEXT PRIMARY KEY,
	app_id          TEXT NOT NULL REFERENCES applications (id),
	destination     TEXT NOT NULL,
	channel         TEXT NOT NULL,
	purpose         TEXT NOT NULL,
	locale          TEXT NOT NULL,
	status          TEXT NOT NULL,
	delivery_status TEXT NOT NULL,
	code_hash       BLOB NOT NULL,
	code_sealed     BLOB, -- NULL once the verification is final
	attempts        INTEGER NOT NULL,
	max_attempts    INTEGER NOT NULL,
	resends         INTEGER NOT NULL,
	max_resends     INTEGER NOT NULL,
	metadata        TEXT, -- JSON object or NULL
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	last_sent_at    INTEGER NOT NULL,
	resend_at       INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL,
	verified_at     INTEGER NOT NULL,
	last_error      TEXT NOT NULL
) STRICT;

-- Listing an application's verifications, newest first, page by page.
CREATE INDEX verifications_app ON verifications (app_id, id);
-- The newest pending verification of a destination, and lists filtered by it.
CREATE INDEX verifications_destination ON verifications (app_id, destination, status, id);
-- The sweep of pending verifications past their expiry.
CREATE INDEX verifications_expiry ON verifications (status, expires_at);

-- The delivery outbox: one row per message waiting for a provider.
CREATE TABLE outbox (
	id              TEXT PRIMARY KEY,
	app_id          TEXT NOT NULL,
	verification_id TEXT NOT NULL,
	channel         TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	claimed_until   INTEGER NOT NULL, -- a worker's lease; 0 when unclaimed
	last_error      TEXT NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at, claimed_until);
CREATE INDEX outbox_app ON outbox (app_id);

CREATE TABLE events (
	id              TEXT PRIMARY KEY,
	type            TEXT NOT NULL,
	app_id          TEXT NOT NULL,
	verification_id TEXT NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX events_app ON events (app_id, id);

CREATE TABLE messages (
	id                  TEXT PRIMARY KEY,
	app_id              TEXT NOT NULL,
	verification_id     TEXT NOT NULL,
	channel             TEXT NOT NULL,
	provider            TEXT NOT NULL,
	provider_message_id TEXT NOT NULL,
	status              TEXT NOT NULL,
	attempts            INTEGER NOT NULL,
	error               TEXT NOT NULL,
	created_at          INTEGER NOT NULL,
	sent_at             INTEGER NOT NULL
) STRICT;

CREATE INDEX messages_verification ON messages (app_id, verification_id);
-- Delivery receipts name the provider's message id.
CREATE INDEX messages_provider ON messages (provider, provider_message_id);

-- The inbox of test applications: the one place a code is stored readable.
CREATE TABLE test_messages (
	id              TEXT PRIMARY KEY,
	app_id          TEXT NOT NULL,
	verification_id TEXT NOT NULL,
	destination     TEXT NOT NULL,
	channel         TEXT NOT NULL,
	body            TEXT NOT NULL,
	code            TEXT NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX test_messages_inbox ON test_messages (app_id, destination, created_at);
CREATE INDEX test_messages_app ON test_messages (app_id, created_at);

CREATE TABLE idempotency (
	app_id          TEXT NOT NULL,
	idem_key        TEXT NOT NULL,
	request_hash    BLOB,
	verification_id TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (app_id, idem_key)
) STRICT;

CREATE INDEX idempotency_created ON idempotency (created_at);
