package otp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// ClaimDeliveries leases up to limit due messages for a delivery worker.
func (s *Service) ClaimDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	now := s.clock.Now()
	return s.store.ClaimDeliveries(ctx, now, now.Add(s.cfg.DeliveryLease), limit)
}

// Deliver hands one claimed message to sender, or to the test inbox for a
// test application, and records the outcome: sent, retried later with
// backoff, or failed for good. A message whose verification is no longer
// pending is dropped unsent.
func (s *Service) Deliver(ctx context.Context, sender Sender, d Delivery) error {
	a, err := s.store.GetApplication(ctx, d.AppID)
	if isCode(err, CodeNotFound) {
		return s.store.FinishDelivery(ctx, d, nil) // the application was deleted
	}
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	v, err := s.store.GetVerification(ctx, d.AppID, d.VerificationID)
	if isCode(err, CodeNotFound) {
		return s.store.FinishDelivery(ctx, d, nil)
	}
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	if v.Status != StatusPending || v.CodeSealed == nil {
		return s.store.FinishDelivery(ctx, d, nil)
	}
	code, err := s.keys.open(v.CodeSealed, v.ID)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", v.ID, err)
	}
	m := OutgoingMessage{
		ID: d.ID, AppID: a.ID, AppName: a.Name, VerificationID: v.ID, To: v.To, Channel: d.Channel,
		Purpose: v.Purpose, Locale: v.Locale, Code: code, ExpiresAt: v.ExpiresAt,
	}
	m.Body = RenderBody(m, s.clock.Now())

	if a.Environment == Test {
		now := s.clock.Now()
		tm := TestMessage{ID: d.ID, AppID: a.ID, VerificationID: v.ID, To: v.To, Channel: d.Channel, Body: m.Body, Code: code, CreatedAt: now}
		return s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
			fx := s.markSent(v, d, SendResult{Provider: "test_inbox", ProviderMessageID: d.ID}, now)
			fx.TestMessages = []TestMessage{tm}
			return fx, nil
		})
	}

	res, sendErr := sender.Send(ctx, m)
	now := s.clock.Now()
	if sendErr == nil {
		return s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
			return s.markSent(v, d, res, now), nil
		})
	}
	if !errors.Is(sendErr, ErrPermanent) && d.Attempts < s.cfg.MaxDeliveryAttempts {
		return s.store.RetryDelivery(ctx, d, now.Add(s.backoff(d.Attempts)), sendErr.Error())
	}
	return s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
		v.DeliveryStatus, v.LastError, v.UpdatedAt = DeliveryFailed, sendErr.Error(), now
		return Effects{
			Events: []Event{newEvent(EventFailed, v, now)},
			Messages: []Message{{ID: d.ID, AppID: v.AppID, VerificationID: v.ID, Channel: d.Channel,
				Status: DeliveryFailed, Attempts: d.Attempts, Error: sendErr.Error(), CreatedAt: d.CreatedAt}},
		}, nil
	})
}

func (s *Service) markSent(v *Verification, d Delivery, res SendResult, now time.Time) Effects {
	if v.DeliveryStatus != DeliveryDelivered {
		v.DeliveryStatus = DeliverySent
	}
	v.SentAt, v.UpdatedAt, v.LastError = now, now, ""
	return Effects{
		Events: []Event{newEvent(EventSent, v, now)},
		Messages: []Message{{ID: d.ID, AppID: v.AppID, VerificationID: v.ID, Channel: d.Channel,
			Provider: res.Provider, ProviderMessageID: res.ProviderMessageID, Status: DeliverySent,
			Attempts: d.Attempts, CreatedAt: d.CreatedAt, SentAt: now}},
	}
}

// backoff is exponential with full jitter over its upper half, so retries
// from many messages spread out instead of arriving together.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase << min(attempt-1, 10)
	return d/2 + rand.N(d/2+1)
}
