// Package client is a typed Go client for otpd's native API, the routes
// an application calls with its API key: send a code
// (CreateVerification), check it (Check, CheckDestination), read, resend
// and cancel verifications, list a verification's messages, read and
// erase users, and read a test application's inbox (TestMessages).
//
// The console's routes (projects, applications, webhooks, analytics, the
// audit log, developers) take an admin or session token and are out of
// this package's scope; the wire dialects (K-OTP, Cobinar, KooKoo,
// kod.mobi) have their own documents and are out of scope too.
//
// # Errors
//
// Every call that otpd answers with an error returns an *Error carrying
// the HTTP status, the stable code (RATE_LIMITED, INVALID_PHONE, …), the
// message, the details and the Retry-After header as a time.Duration.
// Use errors.As, or IsCode(err, "RATE_LIMITED") for the code alone.
// Transport failures (a refused connection, a context deadline) are
// returned as they are, wrapped.
//
// # Retries
//
// The client never retries by itself. A create that times out or is
// answered 503 may or may not have sent a code: give every create an
// IdempotencyKey (one per intended send, e.g. a UUID kept with the
// sign-in attempt) and retry with the same key and body; within 24 hours
// otpd answers the retry with the first answer (Verification.Replayed)
// and sends nothing again.
//
// Reads may be retried as they are; a cancel retried after it took
// effect answers CONFLICT (no longer pending). A check by id retried
// after its answer was lost answers Valid false with Status "verified":
// the first try succeeded, so treat Status "verified" as success (a
// check by destination answers NOT_FOUND then, there being no pending
// verification left). A resend retried sends the code once more.
package client
