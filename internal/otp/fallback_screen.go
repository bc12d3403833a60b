package otp

import (
	"context"
	"time"
)

// screenFallbackStep screens the due fallback step of the verification r
// names with the geo rules (screenStored) and counts it against its
// destination's counters (countSends), as any send now. It returns the refusal, if the counters refuse the step, and an
// error only when they could not decide. A step that is no longer due
// (checked, expired) is left to nextFallback to pass over.
//
// The count comes before the write, as for a resend: a limiter may be a
// round trip away. A step counted and then not sent, because the code
// was checked meanwhile, is not given back.
func (s *Service) screenFallbackStep(ctx context.Context, r VerificationRef) (*Error, error) {
	v, err := s.store.GetVerification(ctx, r.AppID, r.ID)
	if isCode(err, CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	next := v.FallbackStep + 1
	if v.Status != StatusPending || next >= len(v.Options.Fallback) {
		return nil, nil
	}
	a, err := s.applicationByID(ctx, v.AppID)
	if isCode(err, CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, err
	}
	to := v.Options.Fallback[next].To
	if to == "" {
		to = v.To
	}
	if _, isTest := p.Fraud.testCodeOf(to); isTest {
		return nil, nil // a test number counts nothing
	}
	// The geo rules are read again: they may have changed since the
	// verification was made.
	d, err := s.screenStored(a, p, v.Options.Fallback[next].Channel, to)
	if err == nil {
		// A monitor-mode flag of a step is logged by countSends; the
		// step's own write happens elsewhere (nextFallback).
		_, err = s.countSends(ctx, a, p, "", []plannedSend{{Dest: d}})
	}
	if e := ErrorOf(err); e != nil && e.Code != CodeInternal {
		return e, nil
	}
	return nil, err
}

// skipFallback passes over v's next fallback step, which its
// destination's counters refused: the step is recorded as a failed
// message with the refusal, and the step after it (if any) is due at
// once. With no step left the verification stays pending on the codes
// already sent, until it is checked or expires.
func (v *Verification) skipFallback(refused *Error, now time.Time) (Effects, error) {
	steps := v.Options.Fallback
	if v.Status != StatusPending || !now.Before(v.ExpiresAt) || v.NextStepAt.IsZero() ||
		now.Before(v.NextStepAt) || v.FallbackStep+1 >= len(steps) {
		return Effects{}, errUnchanged
	}
	v.FallbackStep++
	st := steps[v.FallbackStep]
	v.NextStepAt = time.Time{}
	if v.FallbackStep+1 < len(steps) {
		v.NextStepAt = now
	}
	reason := "fallback step refused: " + refused.Message
	v.LastError, v.UpdatedAt = reason, now
	m := Message{ID: NewID("dlv"), AppID: v.AppID, VerificationID: v.ID, Channel: st.Channel, To: st.To,
		Status: DeliveryFailed, Attempts: 0, Error: reason, CreatedAt: now}
	return Effects{Messages: []Message{m}}, nil
}
