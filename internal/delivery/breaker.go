package delivery

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// BreakerConfig configures the circuit breaker the router keeps for each
// provider, in memory, per instance. Zero values take the defaults.
type BreakerConfig struct {
	// Failures is how many outage failures in a row (timeouts, lost or
	// refused connections, 5xx, throttling: any transient error) open
	// the breaker. A refusal of one message (an invalid number, a sender
	// id) is the provider answering, and resets the count. Default 5.
	Failures int
	// CoolDown is how long an open breaker skips the provider before it
	// lets one trial message through. Default 30 s.
	CoolDown time.Duration
}

// Breaker defaults.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCoolDown = 30 * time.Second
)

// CircuitOpen is the error text of an attempt the router skipped without
// calling the provider, because its breaker is open.
const CircuitOpen = "provider circuit open: skipped without a call"

// breaker is one provider's circuit breaker. Closed, it counts outage
// failures in a row; at Failures it opens, and the provider is skipped
// (its attempts fail over at once) for CoolDown. Then it is half-open:
// one trial message goes through while the others are still skipped; the
// trial's success (any answer but an outage) closes it, its failure opens
// it for another CoolDown.
type breaker struct {
	cfg BreakerConfig

	mu       sync.Mutex
	failures int       // outage failures in a row while closed
	openedAt time.Time // zero while closed
	trial    bool      // a trial message is in flight (half-open)
}

func newBreaker(c BreakerConfig) *breaker {
	if c.Failures <= 0 {
		c.Failures = DefaultBreakerFailures
	}
	if c.CoolDown <= 0 {
		c.CoolDown = DefaultBreakerCoolDown
	}
	return &breaker{cfg: c}
}

// allow reports whether a message may be sent through the provider at
// now, and whether it is the half-open trial, whose outcome decides.
func (b *breaker) allow(now time.Time) (ok, trial bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openedAt.IsZero():
		return true, false
	case b.trial || now.Before(b.openedAt.Add(b.cfg.CoolDown)):
		return false, false
	}
	b.trial = true
	return true, true
}

// record counts the outcome of a call allow let through at now: outage
// says the provider looked down.
func (b *breaker) record(now time.Time, outage, trial bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case trial:
		b.trial = false
		if outage {
			b.openedAt = now
		} else {
			b.openedAt, b.failures = time.Time{}, 0
		}
	case !b.openedAt.IsZero():
		// A call from before the breaker opened: the trial decides.
	case !outage:
		b.failures = 0
	default:
		b.failures++
		if b.failures >= b.cfg.Failures {
			b.openedAt = now
		}
	}
}

// isOutage reports whether err from a provider says the provider is down
// rather than that it will not take this message: a transient failure.
func isOutage(err error) bool {
	if err == nil || errors.Is(err, otp.ErrPermanent) {
		return false
	}
	var pe *otp.ProviderError
	return !errors.As(err, &pe) || !pe.Refused
}

// call sends m through provider name, unless its breaker is open: then
// the attempt fails at once, transiently, without a call (CircuitOpen).
// A panic in the provider counts as an outage, so that a half-open
// breaker's trial is never lost.
func (r *Router) call(ctx context.Context, name string, m otp.OutgoingMessage) (res otp.SendResult, err error) {
	b := r.breakers[name]
	ok, trial := b.allow(r.clock.Now())
	if !ok {
		return otp.SendResult{}, &otp.ProviderError{Provider: name, Message: CircuitOpen}
	}
	done := false
	defer func() {
		if !done {
			b.record(r.clock.Now(), true, trial)
		}
	}()
	res, err = sendVia(ctx, name, r.cfg.Providers[name], m)
	done = true
	b.record(r.clock.Now(), isOutage(err), trial)
	return res, err
}
