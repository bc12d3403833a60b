-- The people who verified through an application, kept up to date in the
-- transaction of each successful check, so that listing them never scans
-- the verifications.
CREATE TABLE users (
	app_id           TEXT NOT NULL,
	destination      TEXT NOT NULL,
	first_verified   BIGINT NOT NULL,
	last_verified    BIGINT NOT NULL,
	verified_sms      BIGINT NOT NULL DEFAULT 0,
	verified_voice    BIGINT NOT NULL DEFAULT 0,
	verified_email    BIGINT NOT NULL DEFAULT 0,
	verified_telegram BIGINT NOT NULL DEFAULT 0,
	verified_whatsapp BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, destination)
);

CREATE INDEX users_recent ON users (app_id, last_verified, destination);
