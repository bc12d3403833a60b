-- The console's verification page reads the events of one verification:
-- without this index that read scans every event of the application.
CREATE INDEX events_verification ON events (app_id, verification_id, id);
