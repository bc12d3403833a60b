-- Invitations to create a developer account while sign-up is closed.
CREATE TABLE invitations (
	token_hash  BYTEA PRIMARY KEY, -- SHA-256 of the invitation token
	email       TEXT NOT NULL,   -- lower-cased; the account must use it
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	used_at     BIGINT NOT NULL      -- 0 until used
);

CREATE INDEX sessions_expiry ON sessions (expires_at);
