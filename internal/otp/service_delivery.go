package otp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// ClaimDeliveries leases up to limit due messages for a delivery worker.
func (s *Service) ClaimDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	now := s.clock.Now()
	return s.store.ClaimDeliveries(ctx, now, now.Add(s.cfg.DeliveryLease), limit)
}

// Deliver hands one claimed message to sender, or to the test inbox for a
// test application, and records the outcome: sent; retried (at once when
// the router fails over or a provider refused it, else after backoff);
// failed for good; or expired, when the code expired, or would before
// the next attempt, without a provider accepting the message. A message
// whose code has expired is never sent; one whose verification ended
// otherwise (verified, canceled) is dropped unsent.
func (s *Service) Deliver(ctx context.Context, sender Sender, d Delivery) error {
	a, err := s.applicationByID(ctx, d.AppID)
	if isCode(err, CodeNotFound) {
		return s.store.FinishDelivery(ctx, d, nil) // the application was deleted
	}
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	if a.Environment == Test {
		return s.deliverToTestInbox(ctx, a, d)
	}
	v, err := s.store.GetVerification(ctx, d.AppID, d.VerificationID)
	if isCode(err, CodeNotFound) {
		return s.store.FinishDelivery(ctx, d, nil)
	}
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	record := Message{ID: d.ID, AppID: v.AppID, VerificationID: v.ID, Channel: d.Channel, To: d.To,
		Attempts: d.Attempts, CreatedAt: d.CreatedAt}
	now := s.clock.Now()
	// A pending verification past its expiry is expired whether or not
	// the sweep has marked it yet.
	if v.Status == StatusExpired || v.Status == StatusPending && !now.Before(v.ExpiresAt) {
		return s.expire(ctx, d, record, withLastError(reasonExpired, d.LastError))
	}
	if v.Status != StatusPending || v.CodeSealed == nil {
		if v.Options.CallbackURL != "" {
			// The caller waits for this message's fate: tell them.
			return s.store.FinishDelivery(ctx, d, s.dropped)
		}
		return s.store.FinishDelivery(ctx, d, nil)
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return fmt.Errorf("deliver: project of application: %w", err)
	}
	code, err := s.keys.open(v.CodeSealed, v.ID)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", v.ID, err)
	}
	m, err := s.compose(a, p, v, d, code, s.clock.Now())
	if err != nil {
		return fmt.Errorf("deliver %s: %w", v.ID, err)
	}

	res, sendErr := sender.Send(ctx, m)
	now = s.clock.Now()
	if sendErr == nil {
		var price Money
		if s.prices != nil {
			price, _ = s.prices.Price(d.Channel, m.Country)
		}
		return s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
			return s.markSent(v, record, res, price, now), nil
		})
	}
	errText := sendErr.Error()
	var pe *ProviderError
	if errors.As(sendErr, &pe) {
		record.Provider = pe.Provider
	} else {
		pe = &ProviderError{Message: errText}
	}
	if errors.Is(sendErr, ErrPermanent) || s.cfg.MaxDeliveryAttempts > 0 && d.Attempts >= s.cfg.MaxDeliveryAttempts {
		return s.fail(ctx, d, record, errText)
	}
	next := now
	if !pe.Failover && !pe.Refused {
		next = now.Add(s.retryDelay(d.Attempts, sendErr))
	}
	if next.After(v.ExpiresAt.Add(-s.cfg.RetryExpiryMargin)) {
		return s.expire(ctx, d, record, withLastError(reasonExpiresBeforeRetry, errText))
	}
	skip := d.Skip
	if pe.Refused && pe.Provider != "" && !slices.Contains(skip, pe.Provider) {
		skip = append(slices.Clone(skip), pe.Provider)
	}
	record.Status, record.Error, record.NextAttemptAt = DeliveryRetrying, errText, next
	err = s.store.RetryDelivery(ctx, d, next, errText, skip, func(v *Verification) (Effects, error) {
		// The verification stays queued; its latest error shows why.
		v.LastError, v.UpdatedAt = errText, now
		return Effects{Messages: []Message{record}}, nil
	})
	if err != nil {
		return fmt.Errorf("deliver %s: record retry: %w", v.ID, err)
	}
	if !next.After(now) {
		s.notify() // the next provider is to be tried now, not at the worker's next poll
	}
	// IDs only: the destination and the code stay out of logs.
	s.log.WarnContext(ctx, "delivery attempt failed", "provider", record.Provider, "delivery", d.ID,
		"verification", d.VerificationID, "app", d.AppID, "channel", d.Channel, "attempt", d.Attempts,
		"err", errText, "next_attempt_at", next)
	return nil
}

// Reasons a message ends expired.
const (
	reasonExpired            = "the code expired before a provider accepted the message"
	reasonExpiresBeforeRetry = "the code would expire before the next attempt could reach the person"
)

// withLastError adds the last provider error to reason, if there was one.
func withLastError(reason, lastError string) string {
	if lastError == "" {
		return reason
	}
	return reason + "; last error: " + lastError
}

// fail records that message d failed for good on attempt record with
// reason: the message row, otp.failed, the send's callback.
func (s *Service) fail(ctx context.Context, d Delivery, record Message, reason string) error {
	now := s.clock.Now()
	err := s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
		record.Status, record.Error = DeliveryFailed, reason
		fx := Effects{Events: v.deliveryFailed(reason, now), Messages: []Message{record}}
		if v.NextStepAt.IsZero() { // no fallback step follows: the message has failed for good
			fx.Callbacks = s.callback(v, fx.Events[0], CallbackFailed, record.Provider, reason)
		}
		return fx, nil
	})
	if err != nil {
		return fmt.Errorf("deliver %s: record failure: %w", d.VerificationID, err)
	}
	s.logFinalFailure(ctx, d, record, DeliveryFailed, reason)
	return nil
}

// expire records that message d ends unsent, its code expired (or about
// to): the message row with status expired and reason. Unless an earlier
// message of the verification reached a provider (the verification then
// stays, or is again, sent or delivered), the verification's delivery
// status becomes expired too, with otp.failed and the send's callback.
func (s *Service) expire(ctx context.Context, d Delivery, record Message, reason string) error {
	now := s.clock.Now()
	err := s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
		record.Status, record.Error = DeliveryExpired, reason
		fx := Effects{Messages: []Message{record}}
		switch {
		case v.DeliveryStatus == DeliverySent || v.DeliveryStatus == DeliveryDelivered:
			return fx, nil // an earlier message of v reached its provider, and says so
		case !v.SentAt.IsZero():
			// A resend or a fallback step (which made v queued again)
			// expired, but an earlier message with the same code reached
			// its provider: v is where that one stands.
			v.DeliveryStatus = DeliverySent
			if !v.DeliveredAt.IsZero() {
				v.DeliveryStatus = DeliveryDelivered
			}
			v.LastError, v.UpdatedAt = reason, now
			return fx, nil
		}
		v.DeliveryStatus, v.LastError, v.UpdatedAt = DeliveryExpired, reason, now
		e := newEvent(EventFailed, v, now)
		fx.Events = []Event{e}
		fx.Callbacks = s.callback(v, e, CallbackFailed, record.Provider, reason)
		return fx, nil
	})
	if err != nil {
		return fmt.Errorf("deliver %s: record expiry: %w", d.VerificationID, err)
	}
	s.logFinalFailure(ctx, d, record, DeliveryExpired, reason)
	return nil
}

// logFinalFailure logs, once, a message that ended without reaching a
// provider. IDs only: the destination and the code stay out of logs.
func (s *Service) logFinalFailure(ctx context.Context, d Delivery, record Message, status DeliveryStatus, reason string) {
	s.log.ErrorContext(ctx, "delivery failed", "status", status, "provider", record.Provider, "delivery", d.ID,
		"verification", d.VerificationID, "app", d.AppID, "channel", d.Channel, "attempt", d.Attempts, "err", reason)
}

// dropped records that a message of v was not sent because v ended
// first (verified or canceled, say): a send whose caller waits for a
// callback learns that it failed.
func (s *Service) dropped(v *Verification) (Effects, error) {
	if v.Status == StatusPending || v.DeliveryStatus != DeliveryQueued {
		return Effects{}, nil
	}
	reason := "the verification ended (" + string(v.Status) + ") before a provider accepted the message"
	fx := Effects{Events: v.deliveryFailed(reason, s.clock.Now())}
	fx.Callbacks = s.callback(v, fx.Events[0], CallbackFailed, "", reason)
	return fx, nil
}

// deliverToTestInbox delivers a test application's message to its test
// inbox. The inbox is a table of the store, so the message is composed
// inside the transaction that records it, from the verification as read
// there: one read of the verification instead of two, and no window in
// which it could change between composing and recording.
func (s *Service) deliverToTestInbox(ctx context.Context, a *Application, d Delivery) error {
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return fmt.Errorf("deliver: project of application: %w", err)
	}
	return s.store.FinishDelivery(ctx, d, func(v *Verification) (Effects, error) {
		if v.Status != StatusPending || v.CodeSealed == nil {
			return Effects{}, nil
		}
		return s.testInboxEffects(a, p, v, d)
	})
}

// sendEffects queues delivery d of v: an outbox row for the delivery
// workers, or, for a test application, the message itself, written to
// the test inbox by the same transaction. A test message never leaves
// otpd, so there is nothing to retry and no reason to make it wait for a
// worker and two more transactions; the verification is sent when its
// creation or resend commits.
func (s *Service) sendEffects(a *Application, p *Project, v *Verification, d Delivery) (Effects, error) {
	if _, ok := p.Fraud.testCodeOf(v.To); ok {
		return testNumberSent(v, s.clock.Now()), nil
	}
	if a.Environment != Test {
		return Effects{Deliveries: []Delivery{d}}, nil
	}
	d.Attempts = 1
	return s.testInboxEffects(a, p, v, d)
}

// testInboxEffects records delivery d of v as sent to the test inbox:
// the message record and otp.sent. The inbox is read from those records
// (TestMessages), its texts rendered then as compose renders them now,
// so nothing of the text is stored; v keeps its sealed code for the inbox
// (InboxCode) after it needs it no more for sends.
func (s *Service) testInboxEffects(a *Application, p *Project, v *Verification, d Delivery) (Effects, error) {
	code, err := s.keys.open(v.CodeSealed, v.ID)
	if err != nil {
		return Effects{}, fmt.Errorf("deliver %s: %w", v.ID, err)
	}
	now := s.clock.Now()
	// Composed only to refuse here, as the send did when the inbox held
	// its text, a message that would not render.
	if _, err := s.compose(a, p, v, d, code, now); err != nil {
		return Effects{}, fmt.Errorf("deliver %s: %w", v.ID, err)
	}
	if v.InboxCode == nil && d.CreatedAt.Equal(v.CreatedAt) {
		// The message the creation sends; later ones find the code kept,
		// unless an erasure took it, which a resend must not undo.
		v.InboxCode = v.CodeSealed // before markSent may erase it
	}
	record := Message{ID: d.ID, AppID: v.AppID, VerificationID: v.ID, Channel: d.Channel, To: d.To,
		Attempts: d.Attempts, CreatedAt: d.CreatedAt}
	return s.markSent(v, record, SendResult{Provider: TestInboxProvider, ProviderMessageID: d.ID}, Money{}, now), nil
}

// compose builds the message of delivery d: its destination, and its
// texts in the verification's locale from the project's templates or the
// built-in ones, as they read at now (they say how many minutes the code
// has left).
func (s *Service) compose(a *Application, p *Project, v *Verification, d Delivery, code string, now time.Time) (OutgoingMessage, error) {
	m := OutgoingMessage{
		ID: d.ID, AppID: a.ID, AppName: a.Name, VerificationID: v.ID, To: v.To, Channel: d.Channel,
		Purpose: v.Purpose, Locale: v.Locale, Code: code, CallerID: v.Options.CallerID, Country: v.Country,
		Attempt: d.Attempts, ExpiresAt: v.ExpiresAt, Skip: d.Skip,
	}
	if p, ok := s.providers.byName(v.Options.Provider); ok && p.Delivers(d.Channel) {
		// A pin holds for the channels its provider delivers; a resend
		// on another channel is routed as usual.
		m.Provider = p.Name
	}
	if d.To != "" && d.To != v.To {
		dest, err := ParseDestination(d.To, "to")
		if err != nil {
			return m, fmt.Errorf("fallback destination: %w", err)
		}
		m.To, m.Country = dest.Value, dest.Country
	}
	c, err := renderMessage(p.Policy.Messages, m, v.Options, now)
	if err != nil {
		return m, err
	}
	m.Locale, m.Body, m.Subject, m.HTML = c.Locale, c.Body, c.Subject, c.HTML
	return m, nil
}

// markSent records that a provider accepted message record at now for
// price, and moves the verification's delivery status to sent.
func (s *Service) markSent(v *Verification, record Message, res SendResult, price Money, now time.Time) Effects {
	if v.DeliveryStatus != DeliveryDelivered {
		v.DeliveryStatus = DeliverySent
	}
	if cost, err := v.Cost.Add(price); err == nil {
		v.Cost = cost
	}
	v.SentAt, v.UpdatedAt, v.LastError = now, now, ""
	record.Provider, record.ProviderMessageID = res.Provider, res.ProviderMessageID
	record.Status, record.SentAt, record.Cost = DeliverySent, now, price
	v.dropDeliveredCode(record)
	e := newEvent(EventSent, v, now)
	e.Channel, e.Cost = record.Channel, price
	fx := Effects{Events: []Event{e}, Messages: []Message{record}}
	if s.acceptanceIsFinal(res.Provider) {
		fx.Callbacks = s.callback(v, e, CallbackDelivered, res.Provider, "")
	}
	return fx
}

// deliveryFailed records that the latest message of v will not arrive. A
// fallback workflow then moves on to its next step at once rather than
// waiting out the step's timeout.
func (v *Verification) deliveryFailed(reason string, now time.Time) []Event {
	v.DeliveryStatus, v.LastError, v.UpdatedAt = DeliveryFailed, reason, now
	if v.Status == StatusPending && !v.NextStepAt.IsZero() {
		v.NextStepAt = now
	}
	return []Event{newEvent(EventFailed, v, now)}
}

// retryDelay is how long to wait before the attempt after attempt: what
// a throttling provider asked for, or exponential backoff.
func (s *Service) retryDelay(attempt int, err error) time.Duration {
	d := s.backoff(attempt)
	var pe *ProviderError
	if errors.As(err, &pe) && pe.RetryAfter > 0 {
		d = min(pe.RetryAfter, time.Hour)
	}
	return d
}

// backoff is RetryBase doubled per attempt up to RetryMax, with full
// jitter over its upper half, so retries from many messages spread out
// instead of arriving together.
func (s *Service) backoff(attempt int) time.Duration {
	d := min(s.cfg.RetryBase<<min(max(attempt-1, 0), 20), s.cfg.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// RecordReceipt applies a provider's delivery receipt: the message becomes
// delivered or failed, and so does its verification unless a newer message
// or a delivered one decides otherwise; otp.delivered or otp.failed fires.
// Receipts for unknown messages and repeated receipts are ignored, so a
// provider that retries its callback is answered with success.
func (s *Service) RecordReceipt(ctx context.Context, r Receipt) error {
	if r.Status != DeliveryDelivered && r.Status != DeliveryFailed {
		return nil
	}
	if r.Provider == "" || r.ProviderMessageID == "" {
		return invalidField("receipt", "invalid_receipt", "a receipt needs a provider and a provider message id")
	}
	now := s.clock.Now()
	err := s.store.ApplyReceipt(ctx, r.Provider, r.ProviderMessageID, func(v *Verification, m *Message) (Effects, error) {
		if m.Status == DeliveryDelivered || m.Status == r.Status {
			return Effects{}, errUnchanged
		}
		// A message is not delivered before it was sent: a receipt time
		// that is missing, in the future or before the send (an SMSC's
		// minute-precision done date, a skewed clock) is the receipt's
		// arrival.
		at := r.At
		if at.IsZero() || at.After(now) || at.Before(m.SentAt) {
			at = now
		}
		if r.Status == DeliveryDelivered {
			m.Status, m.Error, m.DeliveredAt = DeliveryDelivered, "", at
			if v.DeliveryStatus == DeliveryDelivered {
				return Effects{}, nil // an earlier message of v already arrived
			}
			v.DeliveryStatus, v.DeliveredAt, v.LastError, v.UpdatedAt = DeliveryDelivered, at, "", now
			e := newEvent(EventDelivered, v, now)
			return Effects{Events: []Event{e}, Callbacks: s.callback(v, e, CallbackDelivered, r.Provider, "")}, nil
		}
		m.Status, m.Error = DeliveryFailed, r.Error
		if m.Error == "" {
			m.Error = "the provider reported the message undelivered"
		}
		// Only the message the verification is waiting on decides its status.
		if v.DeliveryStatus != DeliverySent || v.Channel != m.Channel {
			return Effects{}, nil
		}
		fx := Effects{Events: v.deliveryFailed(r.Provider+": "+m.Error, now)}
		if v.NextStepAt.IsZero() {
			fx.Callbacks = s.callback(v, fx.Events[0], CallbackFailed, r.Provider, r.Provider+": "+m.Error)
		}
		return fx, nil
	})
	if errors.Is(err, errUnchanged) || isCode(err, CodeNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record receipt: %w", err)
	}
	return nil
}

// SweepFallbacks sends the next step of up to limit fallback workflows
// whose step timed out without a successful check, and returns how many
// steps it moved (sent or skipped). A step counts against its
// destination's limits when it is sent (screenFallbackStep); one they
// refuse is skipped, recorded as a failed message that says why, and the
// workflow goes on to its next step at once.
func (s *Service) SweepFallbacks(ctx context.Context, limit int) (int, error) {
	refs, err := s.store.ListDueFallbacks(ctx, s.clock.Now(), limit)
	if err != nil {
		return 0, fmt.Errorf("sweep fallbacks: %w", err)
	}
	n := 0
	for _, r := range refs {
		refused, err := s.screenFallbackStep(ctx, r)
		if err != nil {
			return n, fmt.Errorf("sweep fallbacks: %w", err)
		}
		_, err = s.store.UpdateVerification(ctx, r.AppID, r.ID, func(v *Verification) (Effects, error) {
			now := s.clock.Now()
			if refused != nil {
				return v.skipFallback(refused, now)
			}
			d, ok := v.nextFallback(now)
			if !ok {
				return Effects{}, errUnchanged
			}
			return Effects{Deliveries: []Delivery{d}}, nil
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, errUnchanged) || isCode(err, CodeNotFound):
		default:
			return n, fmt.Errorf("sweep fallbacks: %w", err)
		}
	}
	if n > 0 {
		s.notify()
	}
	return n, nil
}

// Messages lists the messages sent for a verification of the application.
func (s *Service) Messages(ctx context.Context, a *Application, id string) ([]Message, error) {
	if _, err := s.GetVerification(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.ListMessages(ctx, a.ID, id)
}
