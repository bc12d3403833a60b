package otp

import (
	"context"
	"time"
)

// Limit is a rate: Count events per Period.
type Limit struct {
	Count  int
	Period time.Duration
}

// Decision is a limiter's answer to one request.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	ResetAt    time.Time     // when the bucket is full again
	RetryAfter time.Duration // wait before a retry can succeed; zero when allowed
}

// Limiter counts events per key. Implementations must be safe under
// concurrency, and, when shared, across processes. An error means the
// limiter could not decide (e.g. its backend is down).
type Limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (Decision, error)
	BatchLimiter
}

// TakeKind says how one take of a batch (Limiter.AllowAll) counts.
type TakeKind uint8

// Take kinds.
const (
	// TakeCount counts one event, all or nothing: only if every counting
	// take and every peek of the batch fits.
	TakeCount TakeKind = iota
	// TakePeek reports whether one more event would fit and never counts:
	// a block that other events set (the guess budget).
	TakePeek
	// TakeSoft counts one event when it fits and never refuses the batch:
	// a budget in monitor mode, which flags rather than refuses.
	TakeSoft
)

// Take is one key of a batch with its limit and kind.
type Take struct {
	Key   string
	Limit Limit
	Kind  TakeKind
}

// BatchLimiter decides several takes at once, atomically and, when the
// counters are shared, in one round trip: the send path's counters (the
// destination, the client address, the budgets, the guess block) cost
// one call whatever their number.
type BatchLimiter interface {
	// AllowAll returns one Decision per take, in order. A take's
	// Decision.Allowed says whether it fits, given the takes before it in
	// the batch (two takes on one key count twice). The batch passes when
	// every TakeCount and TakePeek fits; then the counting and the soft
	// takes that fit are counted; else nothing is. An error means the
	// limiter could not decide or a limit is invalid.
	AllowAll(ctx context.Context, takes []Take) ([]Decision, error)
}

// Passed reports whether a batch whose decisions are ds passes, and the
// index of the first take that refused it (-1 when it passes).
func Passed(takes []Take, ds []Decision) (bool, int) {
	for i, t := range takes {
		if t.Kind != TakeSoft && !ds[i].Allowed {
			return false, i
		}
	}
	return true, -1
}
