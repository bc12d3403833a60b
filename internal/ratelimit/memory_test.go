package ratelimit

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestMemoryShared(t *testing.T) {
	testLimiter(t, func(t *testing.T) harness {
		clock := newFakeClock()
		return harness{
			limiter: NewMemory(clock.Now),
			now:     clock.Now,
			wait:    clock.Advance,
			key:     func(name string) string { return name },
		}
	})
}

func TestMemoryBatch(t *testing.T) {
	testBatch(t, func(t *testing.T) harness {
		clock := newFakeClock()
		return harness{
			limiter: NewMemory(clock.Now),
			now:     clock.Now,
			wait:    clock.Advance,
			key:     func(name string) string { return name },
		}
	})
}

// TestMemorySteps walks one key through a burst, refusals, a partial
// refill and a full reset, with exact times from a fake clock. The limit
// is 3 per 3 s, so one event refills every second.
func TestMemorySteps(t *testing.T) {
	const s = time.Second
	steps := []struct {
		advance       time.Duration // before the call
		wantAllowed   bool
		wantRemaining int
		wantRetry     time.Duration
		wantResetIn   time.Duration // ResetAt minus now
	}{
		{0, true, 2, 0, 1 * s},
		{0, true, 1, 0, 2 * s},
		{0, true, 0, 0, 3 * s},
		{0, false, 0, 1 * s, 3 * s},         // burst spent
		{s / 2, false, 0, s / 2, 5 * s / 2}, // refusals spend nothing
		{s / 2, true, 0, 0, 3 * s},          // one event refilled, exactly on time
		{3 * s / 2, true, 0, 0, 5 * s / 2},  // 1.5 refilled: one spent, half is not one
		{s / 2, true, 0, 0, 3 * s},          // the half and another half
		{0, false, 0, 1 * s, 3 * s},
		{time.Hour, true, 2, 0, 1 * s}, // idle: the full burst, not more
		{0, true, 1, 0, 2 * s},
		{2 * s, true, 2, 0, 1 * s},                 // full again at ResetAt
		{-time.Hour, false, 0, 3599 * s, 3601 * s}, // a clock stepped back waits for it
	}
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	limit := otp.Limit{Count: 3, Period: 3 * s}
	for i, st := range steps {
		clock.Advance(st.advance)
		got, err := m.Allow(t.Context(), "k", limit)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		want := otp.Decision{Allowed: st.wantAllowed, Limit: 3, Remaining: st.wantRemaining,
			RetryAfter: st.wantRetry, ResetAt: clock.Now().Add(st.wantResetIn)}
		if got != want {
			t.Errorf("step %d (+%s): got %+v,\nwant %+v", i, st.advance, got, want)
		}
	}
}

// TestMemoryOddPeriod checks a period that does not divide by the count:
// the burst is still exactly the count.
func TestMemoryOddPeriod(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	limit := otp.Limit{Count: 7, Period: time.Second}
	allowed := 0
	for range 20 {
		d, err := m.Allow(t.Context(), "k", limit)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
	}
	if allowed != 7 {
		t.Errorf("20 calls at one instant allowed %d, want 7", allowed)
	}
}

// TestMemoryConcurrentPeriods runs callers while the clock moves by whole
// periods: in each period exactly Count calls pass, never more.
func TestMemoryConcurrentPeriods(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	limit := otp.Limit{Count: 10, Period: time.Minute}
	for period := range 5 {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				for range 20 {
					d, err := m.Allow(t.Context(), "k", limit)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						allowed.Add(1)
					}
					// Other keys contend for the same shards.
					m.Allow(t.Context(), "other"+strconv.Itoa(g), limit)
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != int64(limit.Count) {
			t.Errorf("period %d: 320 concurrent calls allowed %d, want %d", period, got, limit.Count)
		}
		clock.Advance(limit.Period)
	}
}

func TestMemorySweepsExpiredKeys(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	limit := otp.Limit{Count: 1, Period: time.Second}
	for i := range 10_000 {
		m.Allow(t.Context(), fmt.Sprint("old", i), limit)
	}
	if got := m.size(); got != 10_000 {
		t.Fatalf("after 10000 keys the limiter holds %d, want 10000", got)
	}
	// Past every bucket's reset and the sweep interval, new requests that
	// land in every shard sweep the old keys away.
	clock.Advance(sweepEvery)
	for i := range 3_000 {
		m.Allow(t.Context(), fmt.Sprint("new", i), limit)
	}
	if got := m.size(); got != 3_000 {
		t.Errorf("after the sweep the limiter holds %d keys, want the 3000 new ones", got)
	}
}

// TestMemoryBoundedUnderFlood sends a million distinct keys within one
// sweep interval; keys expire quickly, and the growth trigger must keep
// them from piling up until the next timed sweep.
func TestMemoryBoundedUnderFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	limit := otp.Limit{Count: 1, Period: time.Millisecond}
	for i := range 1_000_000 {
		if i%1000 == 0 {
			clock.Advance(time.Millisecond)
		}
		m.Allow(t.Context(), strconv.Itoa(i), limit)
	}
	if got, bound := m.size(), shardCount*2*sweepMinKeys; got > bound {
		t.Errorf("after a flood of 1e6 short-lived keys the limiter holds %d, want at most %d", got, bound)
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	m := NewMemory(nil)
	limit := otp.Limit{Count: 1000, Period: time.Minute}
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = "api:app_" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := m.Allow(b.Context(), keys[i%len(keys)], limit); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkMemoryAllowOneKey(b *testing.B) {
	m := NewMemory(nil)
	limit := otp.Limit{Count: 1000, Period: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Allow(b.Context(), "api:app_1", limit); err != nil {
			b.Fatal(err)
		}
	}
}
