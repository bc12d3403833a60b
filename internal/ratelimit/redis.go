package ratelimit

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/otpd/otpd/internal/otp"
)

var _ otp.Limiter = (*Redis)(nil)

// keyPrefix sets otpd's counters apart from other users of the Redis
// database. (The counters of otpd before batches, kept by redis_rate as
// float seconds under "rate:otpd:", are not read: a restart onto this
// version starts every bucket full once.)
const keyPrefix = "otpd:gcra:"

// gcraSource decides a batch of takes in Redis, atomically, on the Redis
// clock.
//
//go:embed gcra.lua
var gcraSource string

// Redis is a limiter whose counters live in Redis, so every otpd instance
// using the same Redis shares one budget per key. The algorithm runs as one
// Lua script on the Redis clock, so instances need not agree on the time,
// and a batch of any size is one round trip. Its keys must live on one
// Redis node (a cluster would need them in one hash slot).
type Redis struct {
	client *redis.Client
	script *redis.Script
	now    func() time.Time // turns Redis's relative times into ResetAt
}

// Timeouts of a Redis client for the limiter, unless its URL sets them
// (dial_timeout, read_timeout, write_timeout, max_retries): a limiter that
// waits for a down Redis holds every request up, so it gives up fast and
// the Fallback decides in memory instead. go-redis's own defaults are 5 s
// per timeout, 5 dial attempts and 3 retries.
const (
	dialTimeout = time.Second
	ioTimeout   = time.Second
)

// ClientOptions parses a redis:// URL into options for the limiter's
// client: short timeouts, one dial retry, and one command retry (a connection
// the pool held across a Redis restart fails once, then a new one works).
func ClientOptions(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opts.DialTimeout = cmp.Or(opts.DialTimeout, dialTimeout)
	opts.ReadTimeout = cmp.Or(opts.ReadTimeout, ioTimeout)
	opts.WriteTimeout = cmp.Or(opts.WriteTimeout, ioTimeout)
	opts.MaxRetries = cmp.Or(opts.MaxRetries, 1)
	opts.DialerRetries = 1
	return opts, nil
}

// NewRedis returns a limiter that keeps its counters in client's database.
func NewRedis(client *redis.Client) *Redis {
	return &Redis{client: client, script: redis.NewScript(gcraSource), now: time.Now}
}

// Allow counts one event for key and reports whether it fits in limit.
// It returns an error for an invalid limit and when Redis cannot be reached.
func (r *Redis) Allow(ctx context.Context, key string, limit otp.Limit) (otp.Decision, error) {
	return allowOne(ctx, r, key, limit)
}

// AllowAll decides takes in one round trip (one script run, EVALSHA with
// a fallback to EVAL the first time). See otp.BatchLimiter. It returns an
// error for an invalid limit and when Redis cannot be reached.
func (r *Redis) AllowAll(ctx context.Context, takes []otp.Take) (ds []otp.Decision, err error) {
	span := startSpan(ctx, "redis", len(takes))
	defer func() { endSpan(span, err == nil && passed(takes, ds), err) }()
	if len(takes) == 0 {
		return nil, nil
	}
	keys := make([]string, len(takes))
	args := make([]any, 0, 3*len(takes))
	for i, tk := range takes {
		if err := validate(tk.Limit); err != nil {
			return nil, err
		}
		keys[i] = keyPrefix + tk.Key
		args = append(args, tk.Limit.Count, tk.Limit.Period.Microseconds(), int(tk.Kind))
	}
	res, err := r.script.Run(ctx, r.client, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if len(res) != 4*len(takes) {
		return nil, fmt.Errorf("ratelimit: redis: script answered %d values for %d takes", len(res), len(takes))
	}
	now := r.now()
	ds = make([]otp.Decision, len(takes))
	for i, tk := range takes {
		v := res[4*i : 4*i+4]
		d := otp.Decision{
			Allowed:   v[0] == 1,
			Limit:     tk.Limit.Count,
			Remaining: int(max(v[1], 0)),
			ResetAt:   now.Add(time.Duration(max(v[3], 0)) * time.Microsecond),
		}
		if !d.Allowed {
			// A refusal always has a positive wait, even if it rounds
			// to nothing in microseconds.
			d.RetryAfter = max(time.Duration(v[2])*time.Microsecond, time.Nanosecond)
		}
		ds[i] = d
	}
	return ds, nil
}
