-- The delivery issue: where a phone number is, what a verification cost,
-- when its message was delivered, and the extra send options (transaction
-- details, caller id, fallback workflow) kept as one JSON document since
-- nothing filters on them.

ALTER TABLE verifications ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN carrier TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0;
ALTER TABLE verifications ADD COLUMN cost_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE verifications ADD COLUMN options TEXT; -- JSON object or NULL
ALTER TABLE verifications ADD COLUMN fallback_step INTEGER NOT NULL DEFAULT 0;
-- When the next fallback step is due; 0 when there is none.
ALTER TABLE verifications ADD COLUMN next_step_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX verifications_next_step ON verifications (next_step_at) WHERE next_step_at > 0;

-- A fallback step may go to another destination than the verification's.
ALTER TABLE outbox ADD COLUMN destination TEXT NOT NULL DEFAULT '';

ALTER TABLE messages ADD COLUMN destination TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN cost_currency TEXT NOT NULL DEFAULT '';
