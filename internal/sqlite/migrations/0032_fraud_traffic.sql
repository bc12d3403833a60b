-- The pumping detector's history (issue 16): per project, per phone
-- prefix ("+" and the number's first 6 digits) and per 5-minute bucket,
-- the messages sent and the verifications verified. The event consumer
-- adds to it, off the send path; the detector sums it by shorter
-- prefixes. Email has no prefix and no row. The retention sweep deletes
-- buckets older than 8 days (the detector reads 7).
CREATE TABLE fraud_traffic (
	project_id TEXT NOT NULL,
	prefix     TEXT NOT NULL,
	country    TEXT NOT NULL,
	bucket     INTEGER NOT NULL, -- the bucket's start, microseconds since 1970
	sends      INTEGER NOT NULL,
	verified   INTEGER NOT NULL,
	PRIMARY KEY (project_id, prefix, bucket, country)
) STRICT;

-- The detector's and the sweep's scans by time.
CREATE INDEX fraud_traffic_bucket ON fraud_traffic (bucket, project_id);

-- Events about a project rather than a verification (fraud.blocked,
-- fraud.released) have verification_id '' and their subject, as JSON, in
-- detail. Written once per application of the project, so each
-- application's webhooks and log see them. Retention deletes them by age.
ALTER TABLE events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
CREATE INDEX events_without_verification ON events (created_at) WHERE verification_id = '';
