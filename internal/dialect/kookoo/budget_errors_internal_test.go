package kookoo

import (
	"log/slog"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// The send and guess budgets' refusals (issue 16), and an unreachable
// database (issue 18: 503 with Retry-After, the engine's error hidden), in
// this dialect's shape.
func TestBudgetErrors(t *testing.T) {
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	dialecttest.CheckErrorShapes(t, d.writeError, []dialecttest.ErrorShape{
		{Err: dialecttest.SendBudgetSpent, Status: 200, Body: `"Error"`, RetryAfter: "60"},
		{Err: dialecttest.GuessBudgetSpent, Status: 200, Body: `Too many wrong codes`, RetryAfter: "60"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"status":"Error"`, RetryAfter: "5"}, // not 200: the error is otpd's, not the caller's
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `cannot reach its database`, RetryAfter: "5"},
	})
}
