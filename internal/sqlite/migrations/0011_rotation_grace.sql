-- A rotated API key or client secret may keep working for a grace period,
-- so that clients can be switched to the new one without downtime.
ALTER TABLE applications ADD COLUMN prev_api_key_hash BLOB;
ALTER TABLE applications ADD COLUMN prev_api_key_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN prev_client_secret_hash BLOB;
ALTER TABLE applications ADD COLUMN prev_client_secret_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX applications_prev_api_key ON applications (prev_api_key_hash);
