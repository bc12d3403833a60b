package cobinar

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
		{Err: dialecttest.SendBudgetSpent, Status: 429, Body: `"code":"SEND_BUDGET_EXCEEDED"`, RetryAfter: "60"},
		{Err: dialecttest.GuessBudgetSpent, Status: 429, Body: `"code":"GUESS_BUDGET_EXCEEDED"`, RetryAfter: "60"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"code":"UNAVAILABLE"`, RetryAfter: "5"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"retryAfter":5`, RetryAfter: "5"},
	})
}
