package dialecttest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Budget refusals as the domain makes them (issue 16), for each dialect's
// test that it answers them in its own shape.
var (
	SendBudgetSpent = &otp.Error{Code: otp.CodeSendBudgetExceeded, Key: "send_budget_exceeded",
		Message:    "The send budget of this project is spent: at most 3 sends a day",
		RetryAfter: time.Minute, Params: map[string]any{"scope": "project", "period": "day", "limit": 3}}
	GuessBudgetSpent = &otp.Error{Code: otp.CodeGuessBudgetExceeded, Key: "guess_budget_exceeded",
		Message:    "Too many wrong codes were entered for this destination; no new code can be sent to it for now",
		RetryAfter: time.Minute, Params: map[string]any{"scope": "destination"}}
)

// DatabaseUnavailable is the store's answer when the database cannot be
// reached (issue 18): the caller-safe UNAVAILABLE joined with the
// engine's error, which must be neither shown nor logged per request.
var DatabaseUnavailable = fmt.Errorf("create verification: %w: %w", otp.Unavailable(),
	errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"))

// ErrorShape is how a dialect must answer one error: its HTTP status, a
// fragment of its body and its Retry-After header ("" for none).
type ErrorShape struct {
	Err        error
	Status     int
	Body       string
	RetryAfter string
}

// CheckErrorShapes answers each shape's error with write, a dialect's
// error writer, and reports the answers that differ from the shape.
func CheckErrorShapes(t *testing.T, write func(http.ResponseWriter, *http.Request, error), shapes []ErrorShape) {
	t.Helper()
	for _, s := range shapes {
		w := httptest.NewRecorder()
		write(w, httptest.NewRequest("POST", "/", nil), s.Err)
		if w.Code != s.Status || !strings.Contains(w.Body.String(), s.Body) || w.Header().Get("Retry-After") != s.RetryAfter {
			t.Errorf("%v: %d %s (Retry-After %q), want %d with %s (Retry-After %q)",
				s.Err, w.Code, w.Body, w.Header().Get("Retry-After"), s.Status, s.Body, s.RetryAfter)
		}
	}
}
