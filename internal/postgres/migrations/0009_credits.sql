-- An optional prepaid balance per project: messages' costs are taken from
-- it, and an empty balance refuses sends.
ALTER TABLE projects ADD COLUMN credits_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN credit_micros BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN credit_currency TEXT NOT NULL DEFAULT '';
