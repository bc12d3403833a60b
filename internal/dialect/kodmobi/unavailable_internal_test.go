package kodmobi

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// An unreachable database is 503 ERROR_UNAVAILABLE with timeout and
// Retry-After, the engine's error hidden.
func TestUnavailableError(t *testing.T) {
	d := &Dialect{log: slog.New(slog.DiscardHandler)}
	dialecttest.CheckErrorShapes(t, func(w http.ResponseWriter, r *http.Request, err error) { d.writeError(w, r, endpoint{}, err) }, []dialecttest.ErrorShape{
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"sys_message":"ERROR_UNAVAILABLE"`, RetryAfter: "5"},
		{Err: dialecttest.DatabaseUnavailable, Status: 503, Body: `"timeout":5`, RetryAfter: "5"},
	})
}
