package httpjson

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
)

// TestSetRateHeadersAsHeaderSet: the headers are those Header.Set writes,
// under the same canonical keys, and adding to one leaves the others.
func TestSetRateHeadersAsHeaderSet(t *testing.T) {
	d := otp.Decision{Limit: 1000, Remaining: 998, ResetAt: time.Unix(1_790_000_060, 0)}
	rec := httptest.NewRecorder()
	SetRateHeaders(rec, d)
	want := http.Header{}
	want.Set("X-RateLimit-Limit", "1000")
	want.Set("X-RateLimit-Remaining", "998")
	want.Set("X-RateLimit-Reset", "1790000060")
	if diff := cmp.Diff(want, rec.Header()); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	rec.Header().Add("X-RateLimit-Limit", "extra")
	if got := rec.Header().Values("X-RateLimit-Remaining"); len(got) != 1 || got[0] != "998" {
		t.Errorf("X-RateLimit-Remaining after adding to X-RateLimit-Limit: %q, want [998]", got)
	}
}
