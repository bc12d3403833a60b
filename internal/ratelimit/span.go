package ratelimit

import (
	"context"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// startSpan starts the span of one limiter call of n takes on backend
// ("memory" or "redis"), under the caller's span if that records. The keys
// are never recorded: they hold destinations and client addresses.
func startSpan(ctx context.Context, backend string, n int) *telemetry.Span {
	_, span := telemetry.Child(ctx, "ratelimit.allow", telemetry.Internal)
	if span.IsRecording() {
		span.SetAttributes(telemetry.LimiterBackend.String(backend), telemetry.LimiterTakes.Int(n))
	}
	return span
}

// endSpan ends span with whether the call let the event through.
func endSpan(span *telemetry.Span, allowed bool, err error) {
	if err == nil && span.IsRecording() {
		span.SetAttributes(telemetry.LimiterAllowed.Bool(allowed))
	}
	telemetry.End(span, err)
}

// passed reports whether a batch with decisions ds passed; ds may be
// short when the call failed.
func passed(takes []otp.Take, ds []otp.Decision) bool {
	if len(ds) != len(takes) {
		return false
	}
	ok, _ := otp.Passed(takes, ds)
	return ok
}
