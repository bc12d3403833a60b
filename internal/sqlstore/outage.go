package sqlstore

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// outageTracker logs a database outage twice: once when the first store
// call fails because the database is unavailable, and once when a call
// succeeds again, with how long it lasted and how many calls failed in
// between. Without it, every refused request logged its own ERROR line
// (2,279 lines in 15 seconds in a probe), which buries the one line an
// operator needs.
type outageTracker struct {
	now func() time.Time
	log atomic.Pointer[slog.Logger]

	// down is read without the lock on every successful call, so that
	// the healthy path costs one atomic load.
	down atomic.Bool

	mu      sync.Mutex
	since   time.Time // when the outage began
	refused int       // failed calls since, the first included
}

func newOutageTracker(now func() time.Time, log *slog.Logger) *outageTracker {
	t := &outageTracker{now: now}
	t.log.Store(log)
	return t
}

// failed records a store call that failed with err, an unavailable
// database; the first of an outage is logged.
func (t *outageTracker) failed(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down.Load() {
		t.refused++
		return
	}
	t.down.Store(true)
	t.since, t.refused = t.now(), 1
	t.log.Load().Error("database unavailable", "err", err)
}

// succeeded records a store call that succeeded; the first after an
// outage ends it and is logged.
func (t *outageTracker) succeeded() {
	if !t.down.Load() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.down.Load() {
		return
	}
	t.down.Store(false)
	t.log.Load().Info("database available again",
		"duration", t.now().Sub(t.since).Round(time.Millisecond).String(), "failed_calls", t.refused)
}
