package ratelimit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// harness is one limiter under the shared behaviour tests.
type harness struct {
	limiter otp.Limiter
	now     func() time.Time
	// wait lets d pass on the limiter's clock: a fake clock jumps, Redis
	// really sleeps.
	wait func(d time.Duration)
	// slack is how far RetryAfter and ResetAt may be from their exact
	// values, because real time passes between calls.
	slack time.Duration
	// key returns a key no other test uses.
	key func(name string) string
}

// testLimiter is the behaviour every otp.Limiter shares.
func testLimiter(t *testing.T, newHarness func(t *testing.T) harness) {
	t.Run("burst then refusal", func(t *testing.T) {
		h := newHarness(t)
		key, limit := h.key("k"), otp.Limit{Count: 3, Period: time.Hour}
		interval := limit.Period / 3
		start := h.now()
		for i := range 3 {
			d := allow(t, h, key, limit)
			want := otp.Decision{Allowed: true, Limit: 3, Remaining: 2 - i, ResetAt: start.Add(time.Duration(i+1) * interval)}
			checkDecision(t, h, d, want)
		}
		d := allow(t, h, key, limit)
		checkDecision(t, h, d, otp.Decision{Allowed: false, Limit: 3, Remaining: 0, ResetAt: start.Add(time.Hour), RetryAfter: interval})
	})

	t.Run("refill after retry-after", func(t *testing.T) {
		h := newHarness(t)
		key, limit := h.key("k"), otp.Limit{Count: 2, Period: time.Second}
		allow(t, h, key, limit)
		allow(t, h, key, limit)
		d := allow(t, h, key, limit)
		if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > limit.Period/2 {
			t.Fatalf("third call = %+v, want refused with RetryAfter in (0, %s]", d, limit.Period/2)
		}
		h.wait(d.RetryAfter)
		if d := allow(t, h, key, limit); !d.Allowed || d.Remaining != 0 {
			t.Errorf("after RetryAfter: %+v, want allowed with Remaining 0", d)
		}
		if d := allow(t, h, key, limit); d.Allowed {
			t.Errorf("right after the refilled event: %+v, want refused", d)
		}
	})

	t.Run("full again at ResetAt", func(t *testing.T) {
		h := newHarness(t)
		key, limit := h.key("k"), otp.Limit{Count: 3, Period: time.Second}
		var d otp.Decision
		for range 3 {
			d = allow(t, h, key, limit)
		}
		h.wait(d.ResetAt.Sub(h.now()))
		for i := range 3 {
			if d := allow(t, h, key, limit); !d.Allowed || d.Remaining != 2-i {
				t.Errorf("call %d after ResetAt = %+v, want allowed with Remaining %d", i, d, 2-i)
			}
		}
	})

	t.Run("keys are independent", func(t *testing.T) {
		h := newHarness(t)
		a, b, limit := h.key("a"), h.key("b"), otp.Limit{Count: 1, Period: time.Hour}
		if d := allow(t, h, a, limit); !d.Allowed {
			t.Fatalf("first call on a = %+v, want allowed", d)
		}
		if d := allow(t, h, a, limit); d.Allowed {
			t.Fatalf("second call on a = %+v, want refused", d)
		}
		if d := allow(t, h, b, limit); !d.Allowed || d.Remaining != 0 {
			t.Errorf("first call on b = %+v, want allowed with Remaining 0", d)
		}
	})

	t.Run("concurrent callers share the count", func(t *testing.T) {
		h := newHarness(t)
		key, limit := h.key("k"), otp.Limit{Count: 25, Period: time.Hour}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for range 10 {
					d, err := h.limiter.Allow(t.Context(), key, limit)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						allowed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != int64(limit.Count) {
			t.Errorf("200 concurrent calls allowed %d, want %d", got, limit.Count)
		}
	})

	t.Run("invalid limits", func(t *testing.T) {
		h := newHarness(t)
		for _, limit := range []otp.Limit{{Count: 0, Period: time.Minute}, {Count: -1, Period: time.Minute}, {Count: 1}, {Count: 1, Period: -time.Second}} {
			if d, err := h.limiter.Allow(t.Context(), h.key("k"), limit); err == nil {
				t.Errorf("Allow with %+v = %+v, nil; want an error", limit, d)
			}
		}
	})
}

func allow(t *testing.T, h harness, key string, limit otp.Limit) otp.Decision {
	t.Helper()
	d, err := h.limiter.Allow(t.Context(), key, limit)
	if err != nil {
		t.Fatalf("Allow(%q, %+v): %v", key, limit, err)
	}
	return d
}

// checkDecision compares exactly, except that times may be off by h.slack.
func checkDecision(t *testing.T, h harness, got, want otp.Decision) {
	t.Helper()
	if got.Allowed != want.Allowed || got.Limit != want.Limit || got.Remaining != want.Remaining ||
		!near(got.ResetAt.Sub(want.ResetAt), h.slack) || !near(got.RetryAfter-want.RetryAfter, h.slack) {
		t.Errorf("decision = %+v,\nwant       %+v (times within %s)", got, want, h.slack)
	}
}

func near(d, slack time.Duration) bool { return d.Abs() <= slack }
