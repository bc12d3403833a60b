package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

var _ otp.Limiter = (*Fallback)(nil)

// RetryEvery is how long a Fallback leaves its shared limiter alone after
// it failed, before one request tries it again.
const RetryEvery = 5 * time.Second

// Fallback is a limiter that keeps otpd answering through an outage of its
// shared limiter (Redis). While the shared limiter answers, every call goes
// to it. When it fails, the Fallback logs the outage once and decides with
// an in-memory limiter of its own, so limits hold per instance instead of
// across instances: with n instances a key may get up to n times its limit.
//
// A down Redis costs requests nothing: the circuit stays open for
// RetryEvery, during which no call touches Redis; then the first request
// tries it once (the others keep deciding in memory), and either closes
// the circuit or opens it for another RetryEvery. An idle instance thus
// notices Redis is back on its first request after RetryEvery.
//
// The in-memory counters are dropped when Redis returns: Redis holds the
// counts from before the outage but not those made during it, and the
// next outage starts from empty counters.
type Fallback struct {
	shared otp.Limiter
	logger *slog.Logger
	now    func() time.Time

	down    atomic.Bool
	retryAt atomic.Int64 // when (Unix nanoseconds) one request may try shared again
	local   atomic.Pointer[Memory]

	mu        sync.Mutex // serialises the transitions and their log lines
	downSince time.Time
}

// NewFallback returns a limiter that uses shared while it answers and an
// in-memory limiter while it does not. It reads the time from now, or
// time.Now if now is nil.
func NewFallback(shared otp.Limiter, logger *slog.Logger, now func() time.Time) *Fallback {
	if now == nil {
		now = time.Now
	}
	f := &Fallback{shared: shared, logger: logger, now: now}
	f.local.Store(NewMemory(now))
	return f
}

// Degraded reports whether limits are per instance because the shared
// limiter is unreachable. It does no I/O: a readiness check may call it
// (after Recheck).
func (f *Fallback) Degraded() bool { return f.down.Load() }

// Recheck tries the shared limiter when the circuit is open and its retry
// is due, with a peek that counts nothing, so that an instance without
// traffic also notices Redis is back. A readiness check may call it before
// Degraded; it costs nothing while Redis answers and at most one round
// trip per RetryEvery while it does not.
func (f *Fallback) Recheck(ctx context.Context) {
	if !f.down.Load() || !f.claimRetry() {
		return
	}
	_, err := f.shared.AllowAll(ctx, []otp.Take{{Key: "fallback-recheck", Limit: otp.Limit{Count: 1, Period: time.Second}, Kind: otp.TakePeek}})
	switch {
	case err == nil:
		f.goUp()
	case ctx.Err() == nil:
		f.goDown(err)
	}
}

// Unreachable opens the circuit as if a call had failed with err; otpd
// calls it when Redis does not answer at start, so it is degraded (and
// says so) from its first request.
func (f *Fallback) Unreachable(err error) { f.goDown(err) }

// Allow counts one event for key. See otp.Limiter.
func (f *Fallback) Allow(ctx context.Context, key string, limit otp.Limit) (otp.Decision, error) {
	return allowOne(ctx, f, key, limit)
}

// AllowAll decides takes on the shared limiter, or in memory while it is
// unreachable. See otp.BatchLimiter. It returns an error only for an
// invalid limit or a request that ended before it was decided.
func (f *Fallback) AllowAll(ctx context.Context, takes []otp.Take) ([]otp.Decision, error) {
	// Invalid limits are refused here, so that every error of the shared
	// limiter below means it could not decide.
	for _, tk := range takes {
		if err := validate(tk.Limit); err != nil {
			return nil, err
		}
	}
	if f.down.Load() && !f.claimRetry() {
		return f.local.Load().AllowAll(ctx, takes)
	}
	ds, err := f.shared.AllowAll(ctx, takes)
	if err == nil {
		f.goUp()
		return ds, nil
	}
	if ctx.Err() != nil {
		// The request ended (its client left or its deadline passed):
		// that says nothing about Redis.
		return nil, ctx.Err()
	}
	f.goDown(err)
	return f.local.Load().AllowAll(ctx, takes)
}

// claimRetry reports whether this call is the one that tries the shared
// limiter again: at most one call per RetryEvery is.
func (f *Fallback) claimRetry() bool {
	at := f.retryAt.Load()
	now := f.now().UnixNano()
	return now >= at && f.retryAt.CompareAndSwap(at, now+int64(RetryEvery))
}

// goDown opens the circuit for RetryEvery. Only the first failure of an
// outage logs.
func (f *Fallback) goDown(cause error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.retryAt.Store(now.Add(RetryEvery).UnixNano())
	if f.down.Load() {
		return
	}
	f.downSince = now
	f.down.Store(true)
	f.logger.Warn("redis unreachable: rate limits are per instance until it returns", "err", cause)
}

// goUp closes the circuit after the shared limiter answered; the first
// success after an outage logs how long it lasted and drops the in-memory
// counters. (They are replaced, not removed: a call that saw the circuit
// open a moment ago may still be deciding in memory.)
func (f *Fallback) goUp() {
	if !f.down.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down.Load() {
		return
	}
	f.down.Store(false)
	f.local.Store(NewMemory(f.now))
	f.logger.Info("redis is back: rate limits are shared again", "after", f.now().Sub(f.downSince).Round(time.Millisecond))
}
