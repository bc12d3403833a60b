// Package telemetry is otpd's tracing: spans in the W3C trace-context
// model that OpenTelemetry uses, the span of each HTTP request, the child
// spans that adapters open at their choke points, and the traceparent
// header on the HTTP requests otpd makes. The otlp package below installs
// a Tracer that sends the spans to an OpenTelemetry collector; until then
// tracing is off and every hook costs next to nothing: no span is made,
// nothing allocates, and the HTTP middleware is not installed.
//
// It is otpd's own rather than the OpenTelemetry Go modules, whose API
// and SDK add 1.3 MB to a binary that the image budget (40 MB) leaves
// 0.9 MB to grow (docs/design-notes.md).
//
// No attribute ever holds a phone number, an email address, a code, a key
// or a URL (a provider's URL may carry a token): only routes, statuses,
// names of providers, channels and engines, counts and opaque ids.
package telemetry

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// End ends span, marking it failed when err is not nil. The error's text
// is not recorded: it may quote a destination or a provider's answer. A
// canceled context or a deadline is told apart, as the attribute
// error.type, since it usually says more about the caller than the callee.
func End(span *Span, err error) {
	if err != nil && span.IsRecording() {
		span.Fail()
		span.SetAttributes(ErrorType.String(errorType(err)))
	}
	span.End()
}

func errorType(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}

// Traceparent is the W3C traceparent header of span: version 00, its
// trace and span ids, and whether it is sampled.
func Traceparent(s *Span) string {
	flags := "00"
	if s.sampled {
		flags = "01"
	}
	return fmt.Sprintf("00-%x-%x-%s", s.traceID, s.spanID, flags)
}

// ParseTraceparent reads a W3C traceparent header as the remote parent of
// the spans this process makes for it. ok is false for a malformed
// header, which is then ignored, as the specification says.
func ParseTraceparent(h string) (parent *Span, ok bool) {
	parts := strings.Split(strings.TrimSpace(h), "-")
	if len(parts) < 4 || len(parts[0]) != 2 || parts[0] == "ff" || (parts[0] == "00" && len(parts) != 4) {
		return nil, false
	}
	s := &Span{remote: true}
	tid, err1 := hex.DecodeString(parts[1])
	sid, err2 := hex.DecodeString(parts[2])
	flags, err3 := hex.DecodeString(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || len(tid) != 16 || len(sid) != 8 || len(flags) != 1 {
		return nil, false
	}
	copy(s.traceID[:], tid)
	copy(s.spanID[:], sid)
	if s.traceID == ([16]byte{}) || s.spanID == ([8]byte{}) {
		return nil, false
	}
	s.sampled = flags[0]&1 == 1
	return s, true
}
