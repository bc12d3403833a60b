-- Issue 17: a narrower index of messages by verification, as on SQLite: a
-- verification has a few messages, read, deleted and swept by
-- verification and sorted when read.
DROP INDEX messages_verification;
CREATE INDEX messages_verification ON messages (verification_id);

-- PostgreSQL tables are heaps, and a lookup by id is one index descent and
-- one heap fetch already; what it can save is the index writes of an
-- update. A check rewrites the verification's row (attempts, updated_at,
-- and for the last one status); an update that changes no indexed column
-- is a HOT update, a new row version on the same heap page with no index
-- entry, when the page has room. Rows are appended in id order and pages
-- filled, so without free space every wrong check wrote a new entry into
-- each of the table's eight indexes. A fillfactor of 80 leaves room for
-- about one new version per row on each page filled from now on (pages
-- already full are not rewritten).
ALTER TABLE verifications SET (fillfactor = 80);
