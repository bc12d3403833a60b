-- Issue 17: a narrower index of messages by verification. A verification
-- has a few messages; they are read, deleted and swept by verification,
-- and sorted when read (ListMessages), so the entry needs only the
-- verification: created_at and the 37-byte id in each entry were bytes
-- on every send and page splits sooner.
--
-- Tried and left out, measured over 100,000 verifications in random
-- order (BenchmarkWritePages): verifications and messages as WITHOUT
-- ROWID tables, which write as many pages per create and per check and
-- make a verification 12% larger, since every secondary index then
-- carries the TEXT key instead of a rowid and interior pages hold whole
-- rows; and verifications_destination without its id, after which a
-- list filtered by destination is planned on verifications_app and reads
-- every verification of the application.
DROP INDEX messages_verification;
CREATE INDEX messages_verification ON messages (verification_id);
