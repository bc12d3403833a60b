package api

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/otpd/otpd/internal/otp"
)

// An unreachable database is 503 UNAVAILABLE with Retry-After and
// details.retryAfter, the engine's error hidden; writeError does not log
// it (the store logs an outage once, not once a request).
func TestUnavailableIs503WithRetryAfterAndNotLogged(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	err := fmt.Errorf("create verification: %w: %w", otp.Unavailable(), errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"))
	w := httptest.NewRecorder()
	s.writeError(w, httptest.NewRequest("POST", "/v1/verifications", nil), err)
	body := w.Body.String()
	if w.Code != 503 || w.Header().Get("Retry-After") != "5" || !strings.Contains(body, `"code":"UNAVAILABLE"`) ||
		!strings.Contains(body, `"retryAfter":5`) || strings.Contains(body, "refused") {
		t.Errorf("%d (Retry-After %q) %s", w.Code, w.Header().Get("Retry-After"), body)
	}
	if logs.Len() != 0 {
		t.Errorf("logged per request:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "connection refused") {
		t.Error("the engine's error reached the log line of a request")
	}
}
