package webhook

import (
	"testing"
	"time"
)

// pinJitter makes the jitter source return its lowest or highest value.
func pinJitter(t *testing.T, highest bool) {
	t.Helper()
	orig := randInt64N
	t.Cleanup(func() { randInt64N = orig })
	randInt64N = func(n int64) int64 {
		if highest {
			return n - 1
		}
		return 0
	}
}

// schedule follows NextAttempt from the first failure until it gives up
// and returns the delays it chose.
func schedule(t *testing.T) []time.Duration {
	t.Helper()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	var delays []time.Duration
	for attempt := 1; ; attempt++ {
		next, ok := NextAttempt(attempt, now)
		if !ok {
			if !next.IsZero() {
				t.Errorf("NextAttempt(%d) = %v, false; want the zero time with false", attempt, next)
			}
			break
		}
		if attempt > 100 {
			t.Fatal("NextAttempt never gives up")
		}
		delays = append(delays, next.Sub(now))
		now = next
	}
	return delays
}

func TestNextAttemptSchedule(t *testing.T) {
	for _, tt := range []struct {
		name    string
		highest bool
		lo, hi  time.Duration // bounds on the whole retry window
	}{
		{"shortest jitter", false, 24 * time.Hour, 32 * time.Hour},
		{"longest jitter", true, 24 * time.Hour, 48 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pinJitter(t, tt.highest)
			delays := schedule(t)
			if got, want := len(delays)+1, MaxAttempts; got != want {
				t.Errorf("attempts = %d, want MaxAttempts %d", got, want)
			}
			var total time.Duration
			for i, d := range delays {
				total += d
				base := retryDelays[i]
				if d < base*8/10 || d > base*12/10 {
					t.Errorf("delay %d = %v, want within ±20%% of %v", i+1, d, base)
				}
				if i > 0 && retryDelays[i] < retryDelays[i-1] {
					t.Errorf("base delay %d (%v) shorter than the one before", i+1, retryDelays[i])
				}
			}
			if total < tt.lo || total > tt.hi {
				t.Errorf("retry window = %v, want between %v and %v", total, tt.lo, tt.hi)
			}
			if first := delays[0]; first > 10*time.Second {
				t.Errorf("first retry after %v, want a quick one", first)
			}
		})
	}
}

func TestNextAttemptJitterVaries(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := map[time.Time]bool{}
	for range 50 {
		next, _ := NextAttempt(8, now)
		seen[next] = true
	}
	if len(seen) < 2 {
		t.Errorf("50 draws of NextAttempt(8) gave %d distinct times, want jitter", len(seen))
	}
}

func TestNextAttemptEdges(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if next, ok := NextAttempt(0, now); !ok || !next.Equal(now) {
		t.Errorf("NextAttempt(0) = %v, %v; want now, true", next, ok)
	}
	if _, ok := NextAttempt(MaxAttempts-1, now); !ok {
		t.Errorf("NextAttempt(%d) = false, want one more retry", MaxAttempts-1)
	}
	if _, ok := NextAttempt(MaxAttempts, now); ok {
		t.Errorf("NextAttempt(MaxAttempts) = true, want the message dead")
	}
}

func TestShouldDisable(t *testing.T) {
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		failingSince time.Time
		want         bool
	}{
		{"healthy", time.Time{}, false},
		{"failing for an hour", now.Add(-time.Hour), false},
		{"failing for just under 5 days", now.Add(-5*24*time.Hour + time.Second), false},
		{"failing for 5 days", now.Add(-5 * 24 * time.Hour), true},
		{"failing for a month", now.Add(-30 * 24 * time.Hour), true},
	}
	for _, tt := range tests {
		if got := ShouldDisable(tt.failingSince, now); got != tt.want {
			t.Errorf("%s: ShouldDisable = %v, want %v", tt.name, got, tt.want)
		}
	}
	// An endpoint is disabled only after more than one message could have
	// died on it.
	pinJitter(t, true)
	var window time.Duration
	for _, d := range schedule(t) {
		window += d
	}
	if DisableAfter <= window {
		t.Errorf("DisableAfter %v is not longer than a message's retry window %v", DisableAfter, window)
	}
}
