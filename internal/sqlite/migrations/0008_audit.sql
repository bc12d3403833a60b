-- Every console action that changes something: who, what, when, from where.
CREATE TABLE audit_log (
	id          TEXT PRIMARY KEY,
	actor       TEXT NOT NULL, -- "admin" for the admin token
	action      TEXT NOT NULL, -- the route, e.g. "PATCH /v1/projects/{id}"
	target      TEXT NOT NULL, -- the path as called
	status      INTEGER NOT NULL,   -- the HTTP status of the answer
	remote_addr TEXT NOT NULL,
	user_agent  TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;
