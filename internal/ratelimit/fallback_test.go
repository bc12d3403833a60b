package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit/redistest"
)

// countingLimiter counts the calls that reach the shared limiter, so a
// test can tell that an open circuit leaves Redis alone.
type countingLimiter struct {
	otp.Limiter
	calls atomic.Int64
}

func (c *countingLimiter) AllowAll(ctx context.Context, takes []otp.Take) ([]otp.Decision, error) {
	c.calls.Add(1)
	return c.Limiter.AllowAll(ctx, takes)
}

// downLimiter is a shared limiter that never answers.
type downLimiter struct{}

func (downLimiter) Allow(context.Context, string, otp.Limit) (otp.Decision, error) {
	return otp.Decision{}, errors.New("redis: connection refused")
}

func (downLimiter) AllowAll(context.Context, []otp.Take) ([]otp.Decision, error) {
	return nil, errors.New("redis: connection refused")
}

// logLines is the log of a Fallback under test. slog's handler serialises
// the writes; the test reads once its calls have returned.
type logLines struct{ buf strings.Builder }

func (l *logLines) logger() *slog.Logger { return slog.New(slog.NewTextHandler(&l.buf, nil)) }

// with returns the lines that contain every one of parts.
func (l *logLines) with(parts ...string) []string {
	var out []string
	for line := range strings.Lines(l.buf.String()) {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(line, p) }) {
			out = append(out, line)
		}
	}
	return out
}

// instance is one otpd instance's limiter over the private Redis.
type instance struct {
	limiter *Fallback
	shared  *countingLimiter
	logs    *logLines
}

func newInstance(t *testing.T, r *redistest.Server, clock *fakeClock) instance {
	opts, err := ClientOptions(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	shared := &countingLimiter{Limiter: NewRedis(client)}
	logs := &logLines{}
	return instance{limiter: NewFallback(shared, logs.logger(), clock.Now), shared: shared, logs: logs}
}

// The shared behaviour holds while degraded, for Allow and AllowAll: the
// in-memory limiter decides, on the Fallback's clock, and retries of the
// shared limiter that fail (the clock passes RetryEvery) log nothing more.
func TestFallbackDegradedShared(t *testing.T) {
	testLimiter(t, newDegradedHarness)
}

func TestFallbackDegradedBatch(t *testing.T) {
	testBatch(t, newDegradedHarness)
}

func newDegradedHarness(t *testing.T) harness {
	clock := newFakeClock()
	logs := &logLines{}
	f := NewFallback(downLimiter{}, logs.logger(), clock.Now)
	f.Unreachable(errors.New("redis: connection refused"))
	t.Cleanup(func() {
		if n := len(logs.with("redis unreachable")); n != 1 {
			t.Errorf("%d outage lines, want 1:\n%s", n, logs.buf.String())
		}
	})
	return harness{limiter: f, now: clock.Now, wait: clock.Advance, key: func(name string) string { return name }}
}

// An invalid limit is the caller's bug, not an outage: it is an error and
// the circuit stays closed.
func TestFallbackInvalidLimitIsNotAnOutage(t *testing.T) {
	logs := &logLines{}
	shared := &countingLimiter{Limiter: downLimiter{}}
	f := NewFallback(shared, logs.logger(), newFakeClock().Now)
	if _, err := f.Allow(t.Context(), "k", otp.Limit{Count: 0, Period: time.Minute}); err == nil {
		t.Error("Allow with a zero count: nil error, want one")
	}
	if f.Degraded() || shared.calls.Load() != 0 || logs.buf.Len() != 0 {
		t.Errorf("after an invalid limit: degraded %v, %d shared calls, logs %q; want none", f.Degraded(), shared.calls.Load(), logs.buf.String())
	}
}

// A request that ended is not an outage either.
func TestFallbackCanceledRequestIsNotAnOutage(t *testing.T) {
	r := redistest.Start(t)
	in := newInstance(t, r, newFakeClock())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := in.limiter.Allow(ctx, "k", otp.Limit{Count: 1, Period: time.Minute}); !errors.Is(err, context.Canceled) {
		t.Errorf("Allow with a canceled context: %v, want context.Canceled", err)
	}
	if in.limiter.Degraded() {
		t.Error("degraded after a canceled request")
	}
}

// TestFallbackOutage walks two instances through Redis up, Redis killed,
// a failed retry, Redis back, and a second outage.
func TestFallbackOutage(t *testing.T) {
	r := redistest.Start(t)
	clock := newFakeClock()
	a, b := newInstance(t, r, clock), newInstance(t, r, clock)
	limit := otp.Limit{Count: 3, Period: time.Hour}
	remaining := func(in instance) int {
		t.Helper()
		d, err := in.limiter.Allow(t.Context(), "k", limit)
		if err != nil {
			t.Fatalf("Allow: %v", err)
		}
		if !d.Allowed {
			return -1
		}
		return d.Remaining
	}
	sequence := func(ins ...instance) []int {
		t.Helper()
		var out []int
		for _, in := range ins {
			out = append(out, remaining(in))
		}
		return out
	}
	want := func(what string, got, want []int) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: remaining %v, want %v (-1 is refused)", what, got, want)
		}
	}
	outages := func(in instance) int {
		return len(in.logs.with("level=WARN", "redis unreachable: rate limits are per instance until it returns", "err="))
	}
	returns := func(in instance) int { return len(in.logs.with("level=INFO", "redis is back")) }

	// Up: the two instances draw from one budget.
	want("up", sequence(a, b, a, b), []int{2, 1, 0, -1})
	if a.limiter.Degraded() || b.limiter.Degraded() {
		t.Fatal("degraded with Redis up")
	}

	// Down: every call still answers, each instance with its own budget.
	r.Kill()
	want("down, instance a", sequence(a, a, a, a), []int{2, 1, 0, -1})
	want("down, instance b", sequence(b, b), []int{2, 1})
	for _, in := range []instance{a, b} {
		if !in.limiter.Degraded() || outages(in) != 1 {
			t.Fatalf("down: degraded %v, %d outage lines; want true and 1:\n%s", in.limiter.Degraded(), outages(in), in.logs.buf.String())
		}
	}
	// Only the call that found Redis down went to it.
	if n := a.shared.calls.Load(); n != 3 {
		t.Errorf("a called Redis %d times, want 3: 2 up and 1 that found it down", n)
	}

	// A retry after RetryEvery finds Redis still down: one call tries it,
	// the next does not, and nothing more is logged.
	clock.Advance(RetryEvery)
	before := a.shared.calls.Load()
	want("still down", sequence(a, a), []int{-1, -1})
	if n := a.shared.calls.Load() - before; n != 1 || outages(a) != 1 || !a.limiter.Degraded() {
		t.Errorf("retry while down: %d Redis calls, %d outage lines, degraded %v; want 1, 1, true", n, outages(a), a.limiter.Degraded())
	}

	// Back: before RetryEvery the instances keep deciding in memory;
	// after it, they share Redis again (empty: it kept nothing).
	r.Restart()
	before = a.shared.calls.Load()
	want("back, circuit still open", sequence(a), []int{-1})
	if a.shared.calls.Load() != before {
		t.Error("a called Redis before RetryEvery had passed")
	}
	clock.Advance(RetryEvery)
	b.limiter.Recheck(t.Context()) // b notices without a request, counting nothing
	if b.limiter.Degraded() {
		t.Error("b still degraded after a Recheck with Redis back")
	}
	want("back", sequence(a, b, a, b, a), []int{2, 1, 0, -1, -1})
	for _, in := range []instance{a, b} {
		if in.limiter.Degraded() || returns(in) != 1 || outages(in) != 1 {
			t.Errorf("back: degraded %v, %d return lines, %d outage lines; want false, 1, 1:\n%s",
				in.limiter.Degraded(), returns(in), outages(in), in.logs.buf.String())
		}
	}
	if got := a.logs.with("redis is back", "after=10s"); len(got) != 1 {
		t.Errorf("a's return line does not say the outage lasted 10s:\n%s", a.logs.buf.String())
	}

	// A second outage starts from empty counters: those of the first were
	// dropped when Redis returned.
	r.Kill()
	want("second outage", sequence(a, a), []int{2, 1})
	if outages(a) != 2 {
		t.Errorf("%d outage lines after the second outage, want 2", outages(a))
	}
}

// Unreachable at start: degraded and logged before the first request,
// which then does not wait on Redis.
func TestFallbackUnreachableAtStart(t *testing.T) {
	logs := &logLines{}
	shared := &countingLimiter{Limiter: downLimiter{}}
	f := NewFallback(shared, logs.logger(), newFakeClock().Now)
	f.Unreachable(errors.New("dial tcp 127.0.0.1:1: connection refused"))
	if !f.Degraded() || len(logs.with("level=WARN", "redis unreachable", "connection refused")) != 1 {
		t.Fatalf("after Unreachable: degraded %v, logs %q", f.Degraded(), logs.buf.String())
	}
	if d, err := f.Allow(t.Context(), "k", otp.Limit{Count: 1, Period: time.Minute}); err != nil || !d.Allowed {
		t.Errorf("Allow = %+v, %v; want allowed in memory", d, err)
	}
	if n := shared.calls.Load(); n != 0 {
		t.Errorf("%d calls to the unreachable limiter before RetryEvery, want 0", n)
	}
}

// Many requests that find Redis down at once log one line between them.
func TestFallbackConcurrentOutageLogsOnce(t *testing.T) {
	logs := &logLines{}
	f := NewFallback(downLimiter{}, logs.logger(), newFakeClock().Now)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := f.Allow(t.Context(), "k", otp.Limit{Count: 100, Period: time.Hour}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(logs.with("redis unreachable")); n != 1 {
		t.Errorf("%d outage lines from 50 concurrent calls, want 1:\n%s", n, logs.buf.String())
	}
	if d, _ := f.Allow(t.Context(), "k", otp.Limit{Count: 100, Period: time.Hour}); d.Remaining != 49 {
		t.Errorf("after 50 calls in memory: %+v, want Remaining 49", d)
	}
}

// switchLimiter is a shared limiter a test turns off and on.
type switchLimiter struct {
	*Memory
	off atomic.Bool
}

func (s *switchLimiter) AllowAll(ctx context.Context, takes []otp.Take) ([]otp.Decision, error) {
	if s.off.Load() {
		return nil, errors.New("redis: connection refused")
	}
	return s.Memory.AllowAll(ctx, takes)
}

// Recheck lets an instance without traffic notice Redis is back, at most
// once per RetryEvery, without counting anything.
func TestFallbackRecheck(t *testing.T) {
	clock, logs := newFakeClock(), &logLines{}
	sw := &switchLimiter{Memory: NewMemory(clock.Now)}
	shared := &countingLimiter{Limiter: sw}
	f := NewFallback(shared, logs.logger(), clock.Now)

	f.Recheck(t.Context())
	if shared.calls.Load() != 0 {
		t.Fatal("Recheck called the shared limiter with the circuit closed")
	}
	sw.off.Store(true)
	f.Unreachable(errors.New("redis: connection refused"))
	f.Recheck(t.Context())
	if n := shared.calls.Load(); n != 0 {
		t.Fatalf("Recheck before RetryEvery: %d shared calls, want 0", n)
	}
	clock.Advance(RetryEvery)
	f.Recheck(t.Context())
	f.Recheck(t.Context())
	if n := shared.calls.Load(); n != 1 || !f.Degraded() || len(logs.with("redis unreachable")) != 1 {
		t.Fatalf("Recheck with Redis still down: %d shared calls, degraded %v, logs:\n%s; want 1 call, degraded, 1 line", n, f.Degraded(), logs.buf.String())
	}
	sw.off.Store(false)
	clock.Advance(RetryEvery)
	f.Recheck(t.Context())
	if f.Degraded() || len(logs.with("level=INFO", "redis is back", "after=10s")) != 1 {
		t.Fatalf("Recheck with Redis back: degraded %v, logs:\n%s", f.Degraded(), logs.buf.String())
	}
	if d, _ := sw.Allow(t.Context(), "fallback-recheck", otp.Limit{Count: 1, Period: time.Second}); !d.Allowed {
		t.Error("Recheck counted an event on its key")
	}
}
