-- The operator's control of tenants: a developer's status (active or
-- suspended), the time before which their sessions and ID tokens are
-- revoked (0: never), the operator's hold on an application (beside the
-- owner's status), and single-use password-reset links.
ALTER TABLE developers ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE developers ADD COLUMN sessions_valid_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN operator_disabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE password_resets (
	token_hash   BLOB PRIMARY KEY, -- SHA-256 of the reset token
	developer_id TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	used_at      INTEGER NOT NULL  -- 0 until used
) STRICT;

CREATE INDEX password_resets_developer ON password_resets (developer_id);
