package otp

import "time"

// CodeUnavailable is the database (or another dependency every request
// needs) not answering: unreachable, frozen past the request's deadline,
// full, or shutting down. The same request may be sent again after
// RetryAfter. Almost always nothing was done; but a database that froze
// after it received a write may commit it when it thaws, so a create is
// retried with the same Idempotency-Key, which then returns the first
// answer instead of sending a second code. HTTP 503 with Retry-After.
const CodeUnavailable = "UNAVAILABLE"

// UnavailableRetryAfter is what an UNAVAILABLE answer asks clients to
// wait: long enough not to hammer a database that is restarting, short
// enough that a blip costs a user a few seconds.
const UnavailableRetryAfter = 5 * time.Second

// ErrUnavailable matches, with errors.Is, any UNAVAILABLE error.
var ErrUnavailable = &Error{Code: CodeUnavailable}

// Unavailable returns the caller-safe UNAVAILABLE error. Store adapters
// return it joined with the engine's error (fmt.Errorf("%w: %w", …)), so
// that the cause stays in the chain for the log and is never shown.
func Unavailable() *Error {
	return &Error{Code: CodeUnavailable, Key: "unavailable",
		Message:    "The service cannot reach its database right now; retry shortly (a create with the same Idempotency-Key)",
		RetryAfter: UnavailableRetryAfter}
}
