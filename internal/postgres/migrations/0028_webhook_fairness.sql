-- Fair webhook scheduling (issue 15): an endpoint's slow score, a
-- saturating count (0 to 4) that each attempt slower than
-- otp.WebhookSlowAttempt raises and each faster one lowers; an endpoint
-- scoring 2 or more gets one delivery in flight at a time. The index
-- finds the deliveries in flight, which count against their
-- application's cap.
ALTER TABLE webhooks ADD COLUMN slow_score BIGINT NOT NULL DEFAULT 0;
CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries (claimed_until);
