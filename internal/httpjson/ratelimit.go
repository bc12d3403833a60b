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
func SetRateHeaders(w http.ResponseWriter, d otp.Decision) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.ResetAt.Unix(), 10))
}

// RetryAfterSeconds is d in whole seconds for Retry-After, rounded up so
// that a client that waits that long succeeds, and at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}
