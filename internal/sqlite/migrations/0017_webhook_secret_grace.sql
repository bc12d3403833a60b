-- A rotated webhook secret may keep signing deliveries beside the new one
-- for a grace period, so that receivers can be switched without downtime.
-- It is sealed with the server key like webhook_secret_sealed.
ALTER TABLE applications ADD COLUMN prev_webhook_secret_sealed BLOB;
ALTER TABLE applications ADD COLUMN prev_webhook_secret_until INTEGER NOT NULL DEFAULT 0;
