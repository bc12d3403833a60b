package kookoo

import (
	"log/slog"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// The send and guess budgets' refusals (issue 16) in this dialect's shape.
func TestBudgetErrors(t *testing.T) {
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	dialecttest.CheckErrorShapes(t, d.writeError, []dialecttest.ErrorShape{
		{Err: dialecttest.SendBudgetSpent, Status: 200, Body: `"Error"`, RetryAfter: "60"},
		{Err: dialecttest.GuessBudgetSpent, Status: 200, Body: `Too many wrong codes`, RetryAfter: "60"},
	})
}
