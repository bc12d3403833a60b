// Package telemetrytest records the spans otpd makes, for tests: it
// installs a telemetry.Tracer that records every span, until the test
// ends. Tests that use it change process-wide state and must not run in
// parallel.
package telemetrytest

import (
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/telemetry"
)

// Recorder holds the spans that ended, in order.
type Recorder struct {
	mu    sync.Mutex
	ended []*telemetry.Span
}

// Record installs a tracer that records every span into the Recorder it
// returns. Tracing is off again when t ends.
func Record(t testing.TB) *Recorder {
	t.Helper()
	rec := &Recorder{}
	telemetry.Install(&telemetry.Tracer{Sample: func([16]byte) bool { return true }, FollowParent: true, Ended: rec.add})
	t.Cleanup(func() { telemetry.Install(nil) })
	return rec
}

func (r *Recorder) add(s *telemetry.Span) {
	r.mu.Lock()
	r.ended = append(r.ended, s)
	r.mu.Unlock()
}

// Ended returns the spans that ended so far.
func (r *Recorder) Ended() []*telemetry.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*telemetry.Span(nil), r.ended...)
}

// Named returns the ended spans called name, in the order they ended.
func Named(r *Recorder, name string) []*telemetry.Span {
	var out []*telemetry.Span
	for _, s := range r.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}
