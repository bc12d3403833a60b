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
}
