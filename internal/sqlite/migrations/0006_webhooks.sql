-- Webhook endpoints of applications, their delivery queue and its log.
CREATE TABLE webhooks (
	id              TEXT PRIMARY KEY,
	app_id          TEXT NOT NULL,
	url             TEXT NOT NULL,
	events          TEXT NOT NULL, -- comma-separated event types; empty for all
	signing         TEXT NOT NULL,
	status          TEXT NOT NULL,
	disabled_reason TEXT NOT NULL,
	failing_since   INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX webhooks_app ON webhooks (app_id, id);

-- One row per event and endpoint, until it is delivered or given up.
CREATE TABLE webhook_deliveries (
	id               TEXT PRIMARY KEY, -- also the webhook-id header: stable across retries
	webhook_id       TEXT NOT NULL,
	app_id           TEXT NOT NULL,
	event_id         TEXT NOT NULL,
	event_type       TEXT NOT NULL,
	payload          BLOB NOT NULL,
	status           TEXT NOT NULL, -- pending, delivered, dead
	attempts         INTEGER NOT NULL,
	next_attempt_at  INTEGER NOT NULL,
	claimed_until    INTEGER NOT NULL,
	last_status_code INTEGER NOT NULL,
	last_error       TEXT NOT NULL,
	last_latency_us  INTEGER NOT NULL,
	response_excerpt TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	UNIQUE (webhook_id, event_id)
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);

-- Every attempt of a delivery, for the endpoint's delivery log.
CREATE TABLE webhook_attempts (
	delivery_id      TEXT NOT NULL,
	attempt          INTEGER NOT NULL,
	at               INTEGER NOT NULL,
	status_code      INTEGER NOT NULL,
	latency_us       INTEGER NOT NULL,
	response_excerpt TEXT NOT NULL,
	error            TEXT NOT NULL,
	PRIMARY KEY (delivery_id, attempt)
) STRICT;

-- Events not yet fanned out to webhook endpoints. Existing events count as
-- fanned out (no endpoint existed); new ones are written with 0.
ALTER TABLE events ADD COLUMN dispatched INTEGER NOT NULL DEFAULT 1;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched = 0;
