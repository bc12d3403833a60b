-- The initial schema. Times are unix microseconds (0 = not set), written
-- by otpd's clock, never by SQL. IDs are time-ordered text, so ordering by
-- id is ordering by creation; they use the "C" collation so that the
-- order is bytewise whatever the database's locale.

CREATE TABLE projects (
	id          TEXT COLLATE "C" PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	policy      TEXT NOT NULL, -- JSON, durations in microseconds
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
);

CREATE TABLE applications (
	id                    TEXT COLLATE "C" PRIMARY KEY,
	project_id            TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
	name                  TEXT NOT NULL,
	environment           TEXT NOT NULL,
	status                TEXT NOT NULL,
	client_id             TEXT NOT NULL UNIQUE,
	public_key            TEXT NOT NULL UNIQUE,
	api_key_hash          BYTEA NOT NULL UNIQUE,
	api_key_preview       TEXT NOT NULL,
	client_secret_hash    BYTEA,
	client_secret_preview TEXT NOT NULL,
	webhook_secret_sealed BYTEA,
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL
);

CREATE INDEX applications_project ON applications (project_id, id);

CREATE TABLE verifications (
	id              TEXT COLLATE "C" PRIMARY KEY,
	app_id          TEXT COLLATE "C" NOT NULL REFERENCES applications (id),
	destination     TEXT NOT NULL,
	channel         TEXT NOT NULL,
	purpose         TEXT NOT NULL,
	locale          TEXT NOT NULL,
	status          TEXT NOT NULL,
	delivery_status TEXT NOT NULL,
	code_hash       BYTEA NOT NULL,
	code_sealed     BYTEA, -- NULL once the verification is final
	attempts        INTEGER NOT NULL,
	max_attempts    INTEGER NOT NULL,
	resends         INTEGER NOT NULL,
	max_resends     INTEGER NOT NULL,
	metadata        TEXT, -- JSON object or NULL
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	last_sent_at    BIGINT NOT NULL,
	resend_at       BIGINT NOT NULL,
	sent_at         BIGINT NOT NULL,
	verified_at     BIGINT NOT NULL,
	last_error      TEXT NOT NULL
);

-- Listing an application's verifications, newest first, page by page.
CREATE INDEX verifications_app ON verifications (app_id, id);
-- The newest pending verification of a destination, and lists filtered by it.
CREATE INDEX verifications_destination ON verifications (app_id, destination, status, id);
-- The sweep of pending verifications past their expiry.
CREATE INDEX verifications_expiry ON verifications (status, expires_at);

-- The delivery outbox: one row per message waiting for a provider.
CREATE TABLE outbox (
	id              TEXT COLLATE "C" PRIMARY KEY,
	app_id          TEXT COLLATE "C" NOT NULL,
	verification_id TEXT COLLATE "C" NOT NULL,
	channel         TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	claimed_until   BIGINT NOT NULL, -- a worker's lease; 0 when unclaimed
	last_error      TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);

CREATE INDEX outbox_due ON outbox (next_attempt_at, claimed_until);
CREATE INDEX outbox_app ON outbox (app_id);

CREATE TABLE events (
	id              TEXT COLLATE "C" PRIMARY KEY,
	type            TEXT NOT NULL,
	app_id          TEXT COLLATE "C" NOT NULL,
	verification_id TEXT COLLATE "C" NOT NULL,
	created_at      BIGINT NOT NULL
);

CREATE INDEX events_app ON events (app_id, id);

CREATE TABLE messages (
	id                  TEXT COLLATE "C" PRIMARY KEY,
	app_id              TEXT COLLATE "C" NOT NULL,
	verification_id     TEXT COLLATE "C" NOT NULL,
	channel             TEXT NOT NULL,
	provider            TEXT NOT NULL,
	provider_message_id TEXT NOT NULL,
	status              TEXT NOT NULL,
	attempts            INTEGER NOT NULL,
	error               TEXT NOT NULL,
	created_at          BIGINT NOT NULL,
	sent_at             BIGINT NOT NULL
);

CREATE INDEX messages_verification ON messages (app_id, verification_id);
-- Delivery receipts name the provider's message id.
CREATE INDEX messages_provider ON messages (provider, provider_message_id);

-- The inbox of test applications: the one place a code is stored readable.
CREATE TABLE test_messages (
	id              TEXT COLLATE "C" PRIMARY KEY,
	app_id          TEXT COLLATE "C" NOT NULL,
	verification_id TEXT COLLATE "C" NOT NULL,
	destination     TEXT NOT NULL,
	channel         TEXT NOT NULL,
	body            TEXT NOT NULL,
	code            TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);

CREATE INDEX test_messages_inbox ON test_messages (app_id, destination, created_at);
CREATE INDEX test_messages_app ON test_messages (app_id, created_at);

CREATE TABLE idempotency (
	app_id          TEXT COLLATE "C" NOT NULL,
	idem_key        TEXT NOT NULL,
	request_hash    BYTEA,
	verification_id TEXT COLLATE "C" NOT NULL,
	created_at      BIGINT NOT NULL,
	PRIMARY KEY (app_id, idem_key)
);

CREATE INDEX idempotency_created ON idempotency (created_at);
