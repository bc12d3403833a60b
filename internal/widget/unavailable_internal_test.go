package widget

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// The hosted page with the database down is a 503 page saying to reload
// in a moment, with Retry-After; nothing is logged per request.
func TestHostedPageUnavailable(t *testing.T) {
	var logs bytes.Buffer
	h := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	err := fmt.Errorf("get application: %w: %w", otp.Unavailable(), errors.New("connection refused"))
	w := httptest.NewRecorder()
	h.writeError(w, httptest.NewRequest("GET", "/hosted/pk_x", nil), "en", err)
	if w.Code != 503 || w.Header().Get("Retry-After") != "5" || !strings.Contains(w.Body.String(), "Reload it in a moment") {
		t.Errorf("%d (Retry-After %q) %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if logs.Len() != 0 {
		t.Errorf("logged per request: %s", logs.String())
	}
}
