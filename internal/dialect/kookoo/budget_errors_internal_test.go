package kookoo

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// The send and guess budgets' refusals (issue 16) in this dialect's shape.
func TestBudgetErrors(t *testing.T) {
	budget := &otp.Error{Code: otp.CodeSendBudgetExceeded, Key: "send_budget_exceeded", Message: "The send budget of this project is spent: at most 3 sends a day",
		RetryAfter: time.Minute, Params: map[string]any{"scope": "project", "period": "day", "limit": 3}}
	guess := &otp.Error{Code: otp.CodeGuessBudgetExceeded, Key: "guess_budget_exceeded", Message: "Too many wrong codes were entered for this destination; no new code can be sent to it for now",
		RetryAfter: time.Minute, Params: map[string]any{"scope": "destination"}}
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		err    *otp.Error
		status int
		wire   string
		retry  string
	}{{budget, 200, `"Error"`, "60"}, {guess, 200, `Too many wrong codes`, "60"}} {
		w := httptest.NewRecorder()
		d.writeError(w, httptest.NewRequest("POST", "/", nil), tc.err)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.wire) || w.Header().Get("Retry-After") != tc.retry {
			t.Errorf("%s: %d %s (Retry-After %q), want %d with %s (Retry-After %q)", tc.err.Code, w.Code, w.Body, w.Header().Get("Retry-After"), tc.status, tc.wire, tc.retry)
		}
	}
}
