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

// testBatch is the behaviour of AllowAll every otp.Limiter shares.
func testBatch(t *testing.T, newHarness func(t *testing.T) harness) {
	hour := func(n int) otp.Limit { return otp.Limit{Count: n, Period: time.Hour} }
	t.Run("all or nothing", func(t *testing.T) {
		h := newHarness(t)
		a, b := h.key("a"), h.key("b")
		allow(t, h, b, hour(1)) // b is spent
		takes := []otp.Take{{Key: a, Limit: hour(5)}, {Key: b, Limit: hour(1)}}
		ds := allowAll(t, h, takes)
		if ok, i := otp.Passed(takes, ds); ok || i != 1 {
			t.Fatalf("batch with b spent: passed %v, refused by %d; want refused by 1", ok, i)
		}
		if !ds[0].Allowed || ds[1].Allowed || ds[1].RetryAfter <= 0 {
			t.Errorf("decisions = %+v, want a fitting and b refused with a wait", ds)
		}
		// a was not counted by the refused batch: its 5 are all there.
		if d := allow(t, h, a, hour(5)); d.Remaining != 4 {
			t.Errorf("a after a refused batch: %+v, want Remaining 4 (nothing counted)", d)
		}
	})
	t.Run("a passing batch counts every take", func(t *testing.T) {
		h := newHarness(t)
		a, b := h.key("a"), h.key("b")
		takes := []otp.Take{{Key: a, Limit: hour(3)}, {Key: b, Limit: hour(2)}}
		ds := allowAll(t, h, takes)
		if ok, _ := otp.Passed(takes, ds); !ok || ds[0].Remaining != 2 || ds[1].Remaining != 1 {
			t.Fatalf("first batch = %+v, want passed with Remaining 2 and 1", ds)
		}
		if d := allow(t, h, b, hour(2)); !d.Allowed || d.Remaining != 0 {
			t.Errorf("b after the batch = %+v, want its last event", d)
		}
	})
	t.Run("one key twice counts twice", func(t *testing.T) {
		h := newHarness(t)
		a := h.key("a")
		takes := []otp.Take{{Key: a, Limit: hour(2)}, {Key: a, Limit: hour(2)}, {Key: a, Limit: hour(2)}}
		ds := allowAll(t, h, takes)
		if ok, i := otp.Passed(takes, ds); ok || i != 2 {
			t.Fatalf("three takes of a limit of 2: passed %v, refused by %d; want refused by 2", ok, i)
		}
		takes = takes[:2]
		if ds := allowAll(t, h, takes); !ds[0].Allowed || !ds[1].Allowed || ds[1].Remaining != 0 {
			t.Fatalf("two takes of a limit of 2 = %+v, want both with Remaining 0 last", ds)
		}
		if d := allow(t, h, a, hour(2)); d.Allowed {
			t.Errorf("after two takes: %+v, want refused", d)
		}
	})
	t.Run("peek never counts and refuses when spent", func(t *testing.T) {
		h := newHarness(t)
		a, b := h.key("a"), h.key("b")
		for range 3 {
			takes := []otp.Take{{Key: a, Limit: hour(1), Kind: otp.TakePeek}, {Key: b, Limit: hour(5)}}
			if ds := allowAll(t, h, takes); !ds[0].Allowed || ds[0].Remaining != 0 {
				t.Fatalf("peek of a fresh key = %+v, want fits with Remaining 0", ds[0])
			}
		}
		allow(t, h, a, hour(1))
		takes := []otp.Take{{Key: b, Limit: hour(5)}, {Key: a, Limit: hour(1), Kind: otp.TakePeek}}
		ds := allowAll(t, h, takes)
		if ok, i := otp.Passed(takes, ds); ok || i != 1 || ds[1].RetryAfter <= 0 {
			t.Fatalf("peek of a spent key: passed %v by %d, %+v; want refused by the peek with a wait", ok, i, ds)
		}
		if d := allow(t, h, b, hour(5)); d.Remaining != 1 {
			t.Errorf("b after 3 passing batches and a refused one: %+v, want Remaining 1", d)
		}
	})
	t.Run("soft counts when it fits and never refuses", func(t *testing.T) {
		h := newHarness(t)
		a, s := h.key("a"), h.key("s")
		for i := range 3 {
			takes := []otp.Take{{Key: a, Limit: hour(10)}, {Key: s, Limit: hour(2), Kind: otp.TakeSoft}}
			ds := allowAll(t, h, takes)
			if ok, _ := otp.Passed(takes, ds); !ok {
				t.Fatalf("batch %d with a soft take: %+v, want passed", i, ds)
			}
			if want := i < 2; ds[1].Allowed != want {
				t.Errorf("batch %d: soft take allowed %v, want %v", i, ds[1].Allowed, want)
			}
		}
		if d := allow(t, h, a, hour(10)); d.Remaining != 6 {
			t.Errorf("a after 3 batches = %+v, want Remaining 6", d)
		}
	})
	t.Run("concurrent batches share the count", func(t *testing.T) {
		h := newHarness(t)
		a, b := h.key("a"), h.key("b")
		var passed atomic.Int64
		var wg sync.WaitGroup
		for g := range 20 {
			wg.Go(func() {
				for range 10 {
					// Order varies, so lock ordering matters.
					takes := []otp.Take{{Key: a, Limit: hour(25)}, {Key: b, Limit: hour(1000)}}
					if g%2 == 1 {
						takes[0], takes[1] = takes[1], takes[0]
					}
					ds, err := h.limiter.AllowAll(t.Context(), takes)
					if err != nil {
						t.Error(err)
						return
					}
					if ok, _ := otp.Passed(takes, ds); ok {
						passed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if got := passed.Load(); got != 25 {
			t.Errorf("200 concurrent batches passed %d, want 25", got)
		}
		if d := allow(t, h, b, hour(1000)); d.Remaining != 1000-26 {
			t.Errorf("b = %+v, want Remaining %d: counted by the passing batches only", d, 1000-26)
		}
	})
	t.Run("invalid limit", func(t *testing.T) {
		h := newHarness(t)
		if _, err := h.limiter.AllowAll(t.Context(), []otp.Take{{Key: h.key("a"), Limit: hour(1)}, {Key: h.key("b")}}); err == nil {
			t.Error("AllowAll with a zero limit: nil error, want one")
		}
	})
}

func allowAll(t *testing.T, h harness, takes []otp.Take) []otp.Decision {
	t.Helper()
	ds, err := h.limiter.AllowAll(t.Context(), takes)
	if err != nil {
		t.Fatalf("AllowAll(%+v): %v", takes, err)
	}
	if len(ds) != len(takes) {
		t.Fatalf("AllowAll: %d decisions for %d takes", len(ds), len(takes))
	}
	return ds
}
