package otp

import (
	"context"
	"fmt"
)

// ConsumeEvents takes up to limit new events and, in one write, fans them
// out to the webhook endpoints that want them, adds them to the analytics
// rollup, records sent messages in the usage ledger and charges their cost
// to project balances, and counts sends and verifications in the fraud
// traffic history. It returns how many events it took. Each event is
// consumed once, even across a crash and with consumers on several
// instances (the one that loses a race takes none), and each message
// charged once.
func (s *Service) ConsumeEvents(ctx context.Context, limit int) (int, error) {
	events, err := s.store.ListUndispatchedEvents(ctx, limit)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	now := s.clock.Now()
	endpoints := map[string][]*Webhook{}
	var deliveries []WebhookDelivery
	for _, e := range events {
		if s.webhooks == nil {
			continue
		}
		whs, ok := endpoints[e.AppID]
		if !ok {
			if whs, err = s.store.ListWebhooks(ctx, e.AppID); err != nil {
				return 0, fmt.Errorf("consume events: %w", err)
			}
			endpoints[e.AppID] = whs
		}
		var v *Verification
		for _, w := range whs {
			if !w.Wants(e.Type) {
				continue
			}
			if v == nil && e.VerificationID != "" {
				if v, err = s.store.GetVerification(ctx, e.AppID, e.VerificationID); err != nil {
					if isCode(err, CodeNotFound) {
						break // deleted since: nothing to tell
					}
					return 0, fmt.Errorf("consume events: %w", err)
				}
			}
			body, err := s.webhooks.Encode(e, v, w)
			if err != nil {
				return 0, fmt.Errorf("consume events: encode %s: %w", e.ID, err)
			}
			if body == nil {
				continue // the endpoint's scheme has no such event
			}
			deliveries = append(deliveries, WebhookDelivery{
				ID: NewID("whd"), WebhookID: w.ID, AppID: e.AppID, EventID: e.ID, EventType: e.Type, Payload: body,
				Status: WebhookPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	usage, err := s.usageOf(ctx, events)
	if err != nil {
		return 0, fmt.Errorf("consume events: %w", err)
	}
	traffic, err := s.trafficOf(ctx, events)
	if err != nil {
		return 0, fmt.Errorf("consume events: %w", err)
	}
	if err := s.store.ConsumeEvents(ctx, deliveries, statsOf(events), usage, traffic, events); err != nil {
		if isCode(err, CodeConflict) {
			return 0, nil // another instance's consumer took them
		}
		return 0, fmt.Errorf("consume events: %w", err)
	}
	return len(events), nil
}
