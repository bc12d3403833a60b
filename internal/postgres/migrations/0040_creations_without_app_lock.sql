-- Issue 17: a creation no longer locks its application's row. The foreign
-- key verifications.app_id -> applications(id) made every INSERT of a
-- verification take a FOR KEY SHARE lock on the application's row; with
-- many creations at once for one application that lock becomes a
-- MultiXact, written to pg_multixact, and the creations contend on it.
--
-- Its guarantee, that no verification outlives its application, is kept
-- another way (sqlstore/application_tombstone.go): a deletion first marks
-- the application deleting and commits; a creation inserts its
-- verification only while the mark is unset, read without a lock; the
-- deletion waits until every statement that could have read the
-- application unmarked has ended, and only then deletes what it owns.
-- SQLite keeps its foreign key: with one writer nothing races there.
ALTER TABLE applications ADD COLUMN deleting BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE verifications DROP CONSTRAINT verifications_app_id_fkey;
