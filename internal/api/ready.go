package api

import (
	"context"
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// ReadyCheck is one thing /v1/ready asks before it says otpd is ready:
// the database, Redis, whether otpd is shutting down. Check returns nil
// when the thing is fine and an error saying what is wrong otherwise.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
	// Degrades marks a check whose failure leaves otpd serving, worse
	// (Redis: limits per instance): it is reported as "degraded" and
	// /v1/ready stays 200, since taking the instance out of rotation
	// would not help.
	Degrades bool
}

// readyCheckTimeout bounds each check: a database that takes longer to
// answer a ping is not ready to serve requests.
const readyCheckTimeout = 2 * time.Second

// readyView is the answer of /v1/ready: ready or not, and each check.
type readyView struct {
	Status string            `json:"status" description:"ready, or unavailable"`
	Checks []readyCheckState `json:"checks"`
}

type readyCheckState struct {
	Name   string `json:"name"`
	Status string `json:"status" description:"ok, degraded (otpd serves, worse), or failed"`
	Error  string `json:"error,omitempty" description:"what is wrong, when failed"`
}

// ready answers 200 when every check passes, else 503 UNAVAILABLE with
// Retry-After and each check's state in details.checks. The checks run
// one after the other, each within readyCheckTimeout.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	view := readyView{Status: "ready", Checks: []readyCheckState{}}
	for _, c := range s.readyChecks {
		ctx, cancel := context.WithTimeout(r.Context(), readyCheckTimeout)
		err := c.Check(ctx)
		cancel()
		state := readyCheckState{Name: c.Name, Status: "ok"}
		switch {
		case err != nil && c.Degrades:
			state.Status, state.Error = "degraded", err.Error()
		case err != nil:
			view.Status = "unavailable"
			state.Status, state.Error = "failed", err.Error()
		}
		view.Checks = append(view.Checks, state)
	}
	if view.Status != "ready" {
		e := otp.Unavailable()
		e.Key, e.Message = "not_ready", "otpd is not ready to serve requests; see details.checks"
		e.Params = map[string]any{"checks": view.Checks}
		return e
	}
	writeData(w, http.StatusOK, view)
	return nil
}
