-- One live code per destination (issue 16): a new verification to a
-- destination supersedes the older pending ones of its application, in
-- the transaction that creates it. This index is what that UPDATE finds
-- them by, and being unique it also makes two racing creations to one
-- destination conflict instead of both staying pending: the loser's
-- store retries, and its retry supersedes the winner.
--
-- Verifications already pending beside a newer one for their destination
-- are canceled first (without an otp.canceled event: they predate the
-- rule), or the index could not be built.
UPDATE verifications SET status = 'canceled', code_sealed = NULL, next_step_at = 0
WHERE status = 'pending' AND EXISTS (
	SELECT 1 FROM verifications AS newer
	WHERE newer.app_id = verifications.app_id AND newer.destination = verifications.destination
		AND newer.status = 'pending' AND newer.id > verifications.id);
CREATE UNIQUE INDEX verifications_one_pending ON verifications (app_id, destination) WHERE status = 'pending';
