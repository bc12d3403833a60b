package kodmobi

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// The send and guess budgets' refusals (issue 16), and an unreachable
// database (issue 18: 503 with Retry-After, the engine's error hidden), in
// this dialect's shape.
func TestBudgetErrors(t *testing.T) {
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	dialecttest.CheckErrorShapes(t, func(w http.ResponseWriter, r *http.Request, err error) { d.writeError(w, r, endpoint{}, err) }, []dialecttest.ErrorShape{
		{Err: dialecttest.SendBudgetSpent, Status: 429, Body: `"sys_message":"ERROR_MESSAGE_ATTEMPT"`, RetryAfter: "60"},
		{Err: dialecttest.GuessBudgetSpent, Status: 403, Body: `"sys_message":"ERROR_PHONE_BLOCKED"`, RetryAfter: ""},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"sys_message":"ERROR_UNAVAILABLE"`, RetryAfter: "5"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"timeout":5`, RetryAfter: "5"},
	})
}
