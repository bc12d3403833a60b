// Package telemetry holds otpd's tracing hooks: the span of each HTTP
// request, the child spans that adapters open at their choke points, and
// the propagation of the trace context to the HTTP servers otpd calls.
// It uses only the OpenTelemetry API and the global TracerProvider, so
// that with tracing off (no provider installed, see the otlp package
// below it) every hook costs next to nothing: child spans are opened only
// under a span that records, and the HTTP middleware is not installed.
//
// No attribute ever holds a phone number, an email address, a code, a key
// or a URL (a provider's URL may carry a token): only routes, statuses,
// names of providers, channels and engines, counts and opaque ids.
package telemetry

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Scope is the instrumentation scope of every otpd span.
const Scope = "github.com/otpd/otpd"

// tracer is otpd's tracer from the global provider. It is looked up on
// each use, which is cheap, so that a provider installed later (or by a
// test) is the one used.
func tracer() trace.Tracer { return otel.Tracer(Scope) }

// Child starts a span of kind named name under the span in ctx, only if
// that span records. Otherwise it returns ctx as it is and a no-op span,
// without allocating: the store and the limiter run on every request and
// in background loops, and their spans are worth having only as parts of
// a trace, never as roots of their own. The kind is a value rather than a
// start option so that nothing is built for a span that is not started;
// for the same reason, set attributes only inside `if span.IsRecording()`.
func Child(ctx context.Context, name string, kind trace.SpanKind) (context.Context, trace.Span) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, noop.Span{}
	}
	return tracer().Start(ctx, name, trace.WithSpanKind(kind))
}

// Start starts a span named name, a root one when ctx holds none: one
// delivery attempt or one webhook post, which run in background workers
// rather than in a request. With tracing off it is the global no-op.
func Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	return tracer().Start(ctx, name, opts...)
}

// End ends span, marking it failed when err is not nil. The error's text
// is not recorded: it may quote a destination or a provider's answer.
// A canceled context or a deadline is told apart, as the attribute
// error.type, since it usually says more about the caller than the callee.
func End(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.SetStatus(codes.Error, "")
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
