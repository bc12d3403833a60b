-- Analytics: each event carries what the counters are kept by, and the
-- event consumer adds it to a daily rollup, so that reports read a few
-- rows per day whatever the number of verifications.
ALTER TABLE events ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN cost_micros BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN cost_currency TEXT NOT NULL DEFAULT '';

CREATE TABLE daily_stats (
	app_id        TEXT NOT NULL,
	day           BIGINT NOT NULL, -- days since 1970-01-01, UTC
	channel       TEXT NOT NULL,
	country       TEXT NOT NULL, -- '' for email
	created       BIGINT NOT NULL,
	sent          BIGINT NOT NULL,
	verified      BIGINT NOT NULL,
	failed        BIGINT NOT NULL,
	cost_micros   BIGINT NOT NULL,
	cost_currency TEXT NOT NULL,
	PRIMARY KEY (app_id, day, channel, country)
);

CREATE INDEX daily_stats_day ON daily_stats (day);
