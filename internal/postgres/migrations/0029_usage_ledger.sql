-- The usage ledger: one row per message a provider accepted (an otp.sent
-- event), kept per owner ('' for the operator's projects). Rows are
-- written by the event consumer, or by an application's deletion for its
-- events not yet consumed, and deleted by nothing: the plan's monthly
-- limit and the credits charged are counted from them. app_id and
-- project_id are plain text, not references: they outlive what they name.
CREATE TABLE usage_ledger (
	event_id      TEXT COLLATE "C" PRIMARY KEY, -- each message once
	owner_id      TEXT COLLATE "C" NOT NULL,
	project_id    TEXT COLLATE "C" NOT NULL,
	app_id        TEXT COLLATE "C" NOT NULL,
	environment   TEXT NOT NULL,
	channel       TEXT NOT NULL,
	country       TEXT NOT NULL,
	cost_micros   BIGINT NOT NULL,
	cost_currency TEXT NOT NULL,
	created_at    BIGINT NOT NULL  -- when the message was accepted
);

CREATE INDEX usage_ledger_owner ON usage_ledger (owner_id, created_at);

-- The messages already consumed (and charged) that retention kept.
INSERT INTO usage_ledger (event_id, owner_id, project_id, app_id, environment, channel, country, cost_micros, cost_currency, created_at)
SELECT e.id, COALESCE(p.owner_id, ''), a.project_id, e.app_id, a.environment, e.channel, e.country, e.cost_micros, e.cost_currency, e.created_at
FROM events e JOIN applications a ON a.id = e.app_id JOIN projects p ON p.id = a.project_id
WHERE e.type = 'otp.sent' AND e.dispatched = 1;
