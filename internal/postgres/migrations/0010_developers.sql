-- Developer accounts of the console, their sessions, and project owners.
CREATE TABLE developers (
	id                  TEXT PRIMARY KEY,
	email               TEXT NOT NULL UNIQUE, -- lower-cased
	name                TEXT NOT NULL,
	company             TEXT NOT NULL,
	password_hash       TEXT NOT NULL,        -- argon2id, PHC string format
	max_projects        BIGINT NOT NULL,
	max_apps_per_project BIGINT NOT NULL,
	created_at          BIGINT NOT NULL,
	updated_at          BIGINT NOT NULL
);

CREATE TABLE sessions (
	token_hash   BYTEA PRIMARY KEY, -- SHA-256 of the session token
	developer_id TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL
);

CREATE INDEX sessions_developer ON sessions (developer_id);

-- The developer who owns a project; '' for projects of the operator.
ALTER TABLE projects ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
CREATE INDEX projects_owner ON projects (owner_id, id);
