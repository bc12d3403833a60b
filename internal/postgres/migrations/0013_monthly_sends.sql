-- A plan may limit the verifications a developer sends each month.
ALTER TABLE developers ADD COLUMN monthly_sends BIGINT NOT NULL DEFAULT 0;
