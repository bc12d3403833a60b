-- Invitations to create a developer account while sign-up is closed.
CREATE TABLE invitations (
	token_hash  BLOB PRIMARY KEY, -- SHA-256 of the invitation token
	email       TEXT NOT NULL,   -- lower-cased; the account must use it
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	used_at     INTEGER NOT NULL      -- 0 until used
) STRICT;

CREATE INDEX sessions_expiry ON sessions (expires_at);
