-- A verification's status changes once or twice in its life (verified,
-- expired, canceled), and an index that holds the status has its entry
-- deleted and inserted again each time. Only the expiry sweep needs the
-- status in an index, and only for pending verifications: a partial index
-- of those is small and loses its entry once, when the verification ends.
-- The latest pending verification of a destination is found by walking
-- that destination's few verifications newest first.
DROP INDEX verifications_destination;
CREATE INDEX verifications_destination ON verifications (app_id, destination, id);
DROP INDEX verifications_expiry;
CREATE INDEX verifications_pending_expiry ON verifications (expires_at) WHERE status = 'pending';

-- The retention sweep deletes the oldest finished verifications; without
-- an index on created_at it read and sorted the whole table each time.
CREATE INDEX verifications_created ON verifications (created_at);
