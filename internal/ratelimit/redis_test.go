package ratelimit

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/otpd/otpd/internal/otp"
)

// testRedis connects to the Redis named by OTPD_TEST_REDIS_URL, or skips
// the test when it is not set.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	url := os.Getenv("OTPD_TEST_REDIS_URL")
	if url == "" {
		t.Skip("OTPD_TEST_REDIS_URL is not set; skipping tests against a real Redis (e.g. redis://127.0.0.1:6379/0)")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("OTPD_TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("ping %s: %v", url, err)
	}
	return c
}

// testPrefix returns a key prefix no other test run uses, and deletes the
// test's keys when it ends.
func testPrefix(t *testing.T, c *redis.Client) string {
	prefix := "test:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		iter := c.Scan(ctx, 0, keyPrefix+prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return prefix
}

func TestRedisShared(t *testing.T) {
	testLimiter(t, func(t *testing.T) harness {
		c := testRedis(t)
		prefix := testPrefix(t, c)
		return harness{
			limiter: NewRedis(c),
			now:     time.Now,
			// Redis computes in float seconds; a little past the exact
			// moment keeps rounding from landing a hair before it.
			wait:  func(d time.Duration) { time.Sleep(d + 20*time.Millisecond) },
			slack: time.Second,
			key:   func(name string) string { return prefix + name },
		}
	})
}

func TestRedisBatch(t *testing.T) {
	testBatch(t, func(t *testing.T) harness {
		c := testRedis(t)
		prefix := testPrefix(t, c)
		return harness{
			limiter: NewRedis(c),
			now:     time.Now,
			// Redis computes in float seconds; a little past the exact
			// moment keeps rounding from landing a hair before it.
			wait:  func(d time.Duration) { time.Sleep(d + 20*time.Millisecond) },
			slack: time.Second,
			key:   func(name string) string { return prefix + name },
		}
	})
}

// TestRedisSharedBudget is the point of Redis: two otpd instances, each
// with its own client, draw from one budget per key.
func TestRedisSharedBudget(t *testing.T) {
	c1 := testRedis(t)
	c2 := testRedis(t)
	key := testPrefix(t, c1) + "k"
	limiters := []*Redis{NewRedis(c1), NewRedis(c2)}
	limit := otp.Limit{Count: 4, Period: time.Hour}

	allowed := [2]int{}
	for i := range 10 {
		d, err := limiters[i%2].Allow(t.Context(), key, limit)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed[i%2]++
			if want := 3 - i; d.Remaining != want {
				t.Errorf("call %d: Remaining = %d, want %d counting the other instance's calls", i, d.Remaining, want)
			}
		}
	}
	if allowed != [2]int{2, 2} {
		t.Errorf("allowed per instance = %v, want [2 2]: one budget of 4 for both", allowed)
	}
}

func TestRedisUnreachable(t *testing.T) {
	// Port 1 on loopback refuses at once; no Redis is needed.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	d, err := NewRedis(c).Allow(t.Context(), "k", otp.Limit{Count: 1, Period: time.Minute})
	if err == nil {
		t.Fatalf("Allow with Redis down = %+v, nil; want an error", d)
	}
}

// The limiter's client gives up fast, unless the URL says otherwise.
func TestClientOptions(t *testing.T) {
	opts, err := ClientOptions("redis://127.0.0.1:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.DialTimeout != time.Second || opts.ReadTimeout != time.Second || opts.WriteTimeout != time.Second || opts.MaxRetries != 1 || opts.DialerRetries != 1 {
		t.Errorf("defaults: dial %s, read %s, write %s, retries %d, dial retries %d; want 1s, 1s, 1s, 1, 1",
			opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.MaxRetries, opts.DialerRetries)
	}
	opts, err = ClientOptions("redis://127.0.0.1:6379/0?dial_timeout=3s&read_timeout=4s&write_timeout=5s&max_retries=2")
	if err != nil {
		t.Fatal(err)
	}
	if opts.DialTimeout != 3*time.Second || opts.ReadTimeout != 4*time.Second || opts.WriteTimeout != 5*time.Second || opts.MaxRetries != 2 {
		t.Errorf("from the URL: dial %s, read %s, write %s, retries %d; want 3s, 4s, 5s, 2",
			opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.MaxRetries)
	}
	if _, err := ClientOptions("nonsense://"); err == nil {
		t.Error("a URL that is not redis:// was accepted")
	}
}
