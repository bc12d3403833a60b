package cobinar

import (
	"log/slog"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// An unreachable database is 503 UNAVAILABLE with Retry-After, the
// engine's error hidden.
func TestUnavailableError(t *testing.T) {
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	dialecttest.CheckErrorShapes(t, d.writeError, []dialecttest.ErrorShape{
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"code":"UNAVAILABLE"`, RetryAfter: "5"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"retryAfter":5`, RetryAfter: "5"},
	})
}
