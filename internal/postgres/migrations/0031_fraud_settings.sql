-- A project's fraud settings (issue 16): geo permissions, number types,
-- send budgets, test numbers, the safelist and the pumping detector, as
-- one JSON document ('' is the defaults). Written only by
-- UpdateProjectFraud, never by UpdateProject, so an owner's edit of the
-- policy cannot undo a change to them, nor the operator's daily budget.
ALTER TABLE projects ADD COLUMN fraud TEXT NOT NULL DEFAULT '';
