-- The people who verified through an application, kept up to date in the
-- transaction of each successful check, so that listing them never scans
-- the verifications.
CREATE TABLE users (
	app_id           TEXT NOT NULL,
	destination      TEXT NOT NULL,
	first_verified   INTEGER NOT NULL,
	last_verified    INTEGER NOT NULL,
	verified_sms      INTEGER NOT NULL DEFAULT 0,
	verified_voice    INTEGER NOT NULL DEFAULT 0,
	verified_email    INTEGER NOT NULL DEFAULT 0,
	verified_telegram INTEGER NOT NULL DEFAULT 0,
	verified_whatsapp INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, destination)
) STRICT;

CREATE INDEX users_recent ON users (app_id, last_verified, destination);
