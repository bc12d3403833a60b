package httpjson

import (
	"net/http"
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// SetRateHeaders describes a rate limiter's decision in the headers every
// authenticated answer carries: X-RateLimit-Limit, -Remaining and -Reset
// (unix seconds).
//
// It stores the keys in their canonical form (what Header.Set would
// make of them, and what goes on the wire) with one slice for the three
// values: Header.Set allocates a canonical key and a slice per header,
// on every authenticated request.
func SetRateHeaders(w http.ResponseWriter, d otp.Decision) {
	h := w.Header()
	values := []string{strconv.Itoa(d.Limit), strconv.Itoa(d.Remaining), strconv.FormatInt(d.ResetAt.Unix(), 10)}
	h["X-Ratelimit-Limit"] = values[0:1:1]
	h["X-Ratelimit-Remaining"] = values[1:2:2]
	h["X-Ratelimit-Reset"] = values[2:3:3]
}

// RetryAfterSeconds is d in whole seconds for Retry-After, rounded up so
// that a client that waits that long succeeds, and at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}
