-- Cobinar console conformance: the virtual phone number the operator
-- gives a developer (read-only on the developer's profile), a webhook
-- endpoint's opt-in to full destinations (masked otherwise), and the
-- indexes of the users lists and look-ups across applications.
ALTER TABLE developers ADD COLUMN virtual_phone_number TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN include_destination BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_all_recent ON users (last_verified, destination, app_id);
CREATE INDEX users_destination ON users (destination);
