-- An application's API keys besides its own (applications.api_key_hash):
-- each with a scope (full, or read for GET requests only) and an optional
-- allow-list of addresses and CIDR blocks it may be used from. Keys are
-- held as SHA-256 hashes, looked up by hash on every API call.
CREATE TABLE api_keys (
	id          TEXT COLLATE "C" PRIMARY KEY,
	app_id      TEXT COLLATE "C" NOT NULL REFERENCES applications (id),
	name        TEXT NOT NULL,
	scope       TEXT NOT NULL,      -- full or read
	allowed_ips TEXT NOT NULL,      -- comma-separated canonical prefixes; empty for any address
	key_hash    BYTEA NOT NULL UNIQUE,
	preview     TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);

CREATE INDEX api_keys_app ON api_keys (app_id, id);
