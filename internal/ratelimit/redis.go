package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/otpd/otpd/internal/otp"
)

var _ otp.Limiter = (*Redis)(nil)

// keyPrefix sets otpd's counters apart from other users of the Redis
// database; redis_rate adds its own "rate:" in front.
const keyPrefix = "otpd:"

// Redis is a limiter whose counters live in Redis, so every otpd instance
// using the same Redis shares one budget per key. The algorithm runs as one
// Lua script on the Redis clock, so instances need not agree on the time.
type Redis struct {
	limiter *redis_rate.Limiter
	now     func() time.Time // turns Redis's relative reset time into ResetAt
}

// NewRedis returns a limiter that keeps its counters in client's database.
func NewRedis(client *redis.Client) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), now: time.Now}
}

// Allow counts one event for key and reports whether it fits in limit.
// It returns an error for an invalid limit and when Redis cannot be reached.
func (r *Redis) Allow(ctx context.Context, key string, limit otp.Limit) (otp.Decision, error) {
	if err := validate(limit); err != nil {
		return otp.Decision{}, err
	}
	res, err := r.limiter.Allow(ctx, keyPrefix+key, redis_rate.Limit{
		Rate:   limit.Count,
		Burst:  limit.Count,
		Period: limit.Period,
	})
	if err != nil {
		return otp.Decision{}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	d := otp.Decision{
		Allowed:   res.Allowed > 0,
		Limit:     limit.Count,
		Remaining: max(res.Remaining, 0),
		ResetAt:   r.now().Add(max(res.ResetAfter, 0)),
	}
	if !d.Allowed {
		// redis_rate reports -1 while allowed. A refusal always has a
		// positive wait, even if it rounds to nothing in nanoseconds.
		d.RetryAfter = max(res.RetryAfter, time.Nanosecond)
	}
	return d, nil
}
