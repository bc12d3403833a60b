package telemetry

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Tracer makes the spans of a process: it samples new traces and hands
// the spans that end to its exporter's queue. Install makes it the
// process's; there is none until then, and tracing is off.
type Tracer struct {
	// Sample decides whether a new trace, with no parent, is recorded:
	// true for all, false for none, or a ratio of trace ids.
	Sample func(traceID [16]byte) bool
	// FollowParent has a span with a parent recorded if and only if the
	// parent was (OpenTelemetry's parentbased_ samplers, the default).
	FollowParent bool
	// Ended receives each recording span as it ends; it must not block.
	Ended func(*Span)
}

// current is the installed Tracer, nil when tracing is off. It is the one
// piece of process-wide state tracing has, like OpenTelemetry's global
// provider: the hooks sit in adapters that have no other way to reach it.
var current atomic.Pointer[Tracer]

// Install makes t the process's tracer; nil turns tracing off.
func Install(t *Tracer) { current.Store(t) }

func (t *Tracer) ended(s *Span) { t.Ended(s) }

// start makes a span under parent (nil for a root).
func (t *Tracer) start(parent *Span, name string, kind Kind) *Span {
	s := &Span{kind: kind, name: name}
	if parent != nil {
		s.traceID, s.parentID, s.sampled, s.parentRemote = parent.traceID, parent.spanID, parent.sampled, parent.remote
	} else {
		binary.BigEndian.PutUint64(s.traceID[:8], rand.Uint64())
		binary.BigEndian.PutUint64(s.traceID[8:], rand.Uint64()|1) // never all zero
	}
	binary.BigEndian.PutUint64(s.spanID[:], rand.Uint64()|1)
	if parent == nil || !t.FollowParent {
		s.sampled = t.Sample(s.traceID)
	}
	if s.sampled {
		s.tracer, s.start = t, time.Now()
	}
	return s
}

// Child starts a span of kind named name under the span in ctx, only if
// that span records. Otherwise it returns ctx as it is and a nil span,
// without allocating: the store and the limiter run on every request and
// in background loops, and their spans are worth having only as parts of
// a trace, never as roots of their own. Set attributes only inside
// `if span.IsRecording()`, so that building them costs nothing when off.
func Child(ctx context.Context, name string, kind Kind) (context.Context, *Span) {
	parent := FromContext(ctx)
	if !parent.IsRecording() {
		return ctx, nil
	}
	s := parent.tracer.start(parent, name, kind)
	return ContextWith(ctx, s), s
}

// Start starts a span named name under the span in ctx, a root one when
// ctx holds none: a delivery attempt or a webhook post, which run in
// background workers rather than in a request. With tracing off it
// returns ctx and a nil span.
func Start(ctx context.Context, name string, kind Kind) (context.Context, *Span) {
	t := current.Load()
	if t == nil {
		return ctx, nil
	}
	s := t.start(FromContext(ctx), name, kind)
	return ContextWith(ctx, s), s
}

// StartRoot is Start ignoring any span in ctx: work that ctx's request
// only queued.
func StartRoot(ctx context.Context, name string, kind Kind) (context.Context, *Span) {
	t := current.Load()
	if t == nil {
		return ctx, nil
	}
	s := t.start(nil, name, kind)
	return ContextWith(ctx, s), s
}
