// Package ratelimit implements otp.Limiter with the generic cell rate
// algorithm (GCRA): Memory for a single otpd instance, Redis for several
// instances that must share one budget.
//
// Both read a Limit of Count per Period as "a burst of Count, refilled at
// one event every Period/Count", so a key that was idle for a Period may
// spend Count at once.
package ratelimit

import (
	"context"
	"fmt"

	"github.com/otpd/otpd/internal/otp"
)

// validate refuses limits that would divide by zero or allow nothing; a
// caller that passes one has a configuration bug, not a client to refuse.
func validate(l otp.Limit) error {
	if l.Count < 1 || l.Period <= 0 {
		return fmt.Errorf("ratelimit: invalid limit %d per %s", l.Count, l.Period)
	}
	return nil
}

// allowOne is Allow as a batch of one take, for limiters whose batch is
// their only way to decide.
func allowOne(ctx context.Context, b otp.BatchLimiter, key string, limit otp.Limit) (otp.Decision, error) {
	ds, err := b.AllowAll(ctx, []otp.Take{{Key: key, Limit: limit}})
	if err != nil {
		return otp.Decision{}, err
	}
	return ds[0], nil
}
