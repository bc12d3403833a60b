package telemetry

import (
	"context"
	"encoding/hex"
	"sync"
	"time"
)

// Kind is a span's kind, numbered as OTLP numbers them.
type Kind uint8

// Span kinds.
const (
	Internal Kind = 1
	Server   Kind = 2
	Client   Kind = 3
)

// Span is one operation of a trace. A nil *Span is the span of no trace:
// every method does nothing on it, so that code with tracing off neither
// allocates nor checks. A span that is not sampled still carries its
// trace's ids, for propagation, but records nothing.
type Span struct {
	tracer       *Tracer // nil unless the span records
	traceID      [16]byte
	spanID       [8]byte
	parentID     [8]byte // zero for a root
	remote       bool    // the span came in a traceparent header
	parentRemote bool    // its parent did
	sampled      bool
	kind         Kind
	start        time.Time

	mu     sync.Mutex
	name   string
	attrs  []Attr
	failed bool
	end    time.Time
}

// IsRecording reports whether s records: whether setting attributes on
// it is worth building them.
func (s *Span) IsRecording() bool { return s != nil && s.tracer != nil }

// SetAttributes adds attributes to a recording span.
func (s *Span) SetAttributes(attrs ...Attr) {
	if !s.IsRecording() {
		return
	}
	s.mu.Lock()
	s.attrs = append(s.attrs, attrs...)
	s.mu.Unlock()
}

// SetName renames a recording span.
func (s *Span) SetName(name string) {
	if !s.IsRecording() {
		return
	}
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
}

// Fail marks a recording span as failed (OTLP's status Error).
func (s *Span) Fail() {
	if !s.IsRecording() {
		return
	}
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
}

// End ends a recording span and hands it to its tracer, once.
func (s *Span) End() {
	if !s.IsRecording() {
		return
	}
	s.mu.Lock()
	first := s.end.IsZero()
	if first {
		s.end = time.Now()
	}
	s.mu.Unlock()
	if first {
		s.tracer.ended(s)
	}
}

// The accessors below read an ended span, for exporters and tests.

func (s *Span) Name() string       { s.mu.Lock(); defer s.mu.Unlock(); return s.name }
func (s *Span) Kind() Kind         { return s.kind }
func (s *Span) TraceID() [16]byte  { return s.traceID }
func (s *Span) SpanID() [8]byte    { return s.spanID }
func (s *Span) ParentID() [8]byte  { return s.parentID }
func (s *Span) RemoteParent() bool { return s.parentRemote }
func (s *Span) Sampled() bool      { return s.sampled }
func (s *Span) Failed() bool       { s.mu.Lock(); defer s.mu.Unlock(); return s.failed }
func (s *Span) Times() (time.Time, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.start, s.end
}

// Attrs returns a copy of the span's attributes.
func (s *Span) Attrs() []Attr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Attr(nil), s.attrs...)
}

// Attr returns the value of attribute key as text, "" when absent.
func (s *Span) Attr(key Key) string {
	for _, a := range s.Attrs() {
		if a.Key == key {
			return a.Text()
		}
	}
	return ""
}

// TraceIDHex and SpanIDHex are the ids as traceparent writes them.
func (s *Span) TraceIDHex() string { return hex.EncodeToString(s.traceID[:]) }
func (s *Span) SpanIDHex() string  { return hex.EncodeToString(s.spanID[:]) }

type spanKey struct{}

// FromContext returns the span in ctx, or nil.
func FromContext(ctx context.Context) *Span {
	s, _ := ctx.Value(spanKey{}).(*Span)
	return s
}

// ContextWith returns ctx carrying s.
func ContextWith(ctx context.Context, s *Span) context.Context {
	return context.WithValue(ctx, spanKey{}, s)
}
