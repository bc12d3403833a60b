-- The operator's approval of what a tenant's messages say and come from:
-- a project's approved sender ids (a JSON array, written only by the
-- operator; '' is none), the template overrides of an untrusted owner
-- waiting for approval (JSON; '' is none waiting), and the plan flag that
-- marks a developer untrusted.
ALTER TABLE projects ADD COLUMN approved_sender_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN pending_templates TEXT NOT NULL DEFAULT '';
ALTER TABLE developers ADD COLUMN plan_untrusted BIGINT NOT NULL DEFAULT 0;
