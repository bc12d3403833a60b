package kookoo

import (
	"log/slog"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// An unreachable database keeps its 503 (KooKoo's 200 is for the
// caller's errors) with Retry-After, the engine's error hidden.
func TestUnavailableError(t *testing.T) {
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	dialecttest.CheckErrorShapes(t, d.writeError, []dialecttest.ErrorShape{
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"status":"Error"`, RetryAfter: "5"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `cannot reach its database`, RetryAfter: "5"},
	})
}
