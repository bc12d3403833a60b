-- Why an event happened, when its type alone does not say: the budget a
-- monitor-mode send went beyond (fraud.flagged, issue 16). Shown in the
-- event log and in webhooks; '' for every other event.
ALTER TABLE events ADD COLUMN reason TEXT NOT NULL DEFAULT '';
