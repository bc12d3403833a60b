package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// otpd answers from the moment it listens, in three phases: starting
// (store opened and migrated; /v1/health 200, everything else 503),
// serving (the real handler), draining (after SIGTERM: /v1/ready 503 and
// every answer closes its connection). serve.go moves between them.

// phasedHandler serves the handler of the current phase. The real
// handler replaces the starting one atomically, so that no request sees
// half a server.
type phasedHandler struct {
	current  atomic.Pointer[http.Handler]
	draining atomic.Bool
}

func newPhasedHandler() *phasedHandler {
	p := &phasedHandler{}
	p.set(startingHandler())
	return p
}

// set makes h the handler of every request from now on.
func (p *phasedHandler) set(h http.Handler) { p.current.Store(&h) }

// drain marks otpd as shutting down: /v1/ready fails from now on, and
// each answer asks its client to close the connection, so that clients
// on keep-alive connections reconnect to another instance.
func (p *phasedHandler) drain() { p.draining.Store(true) }

func (p *phasedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.draining.Load() {
		w.Header().Set("Connection", "close")
	}
	(*p.current.Load()).ServeHTTP(w, r)
}

// errDraining is the shutdown check's failure.
var errDraining = errors.New("otpd is shutting down and finishing the requests in flight")

// shutdownCheck is the readiness check that fails once drain is called.
func (p *phasedHandler) shutdownCheck() api.ReadyCheck {
	return api.ReadyCheck{Name: "shutdown", Check: func(context.Context) error {
		if p.draining.Load() {
			return errDraining
		}
		return nil
	}}
}

// startingHandler answers while the store opens and migrates: liveness
// yes, everything else 503 with Retry-After.
func startingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/health" {
			httpjson.Write(w, http.StatusOK, map[string]any{"data": map[string]string{"status": "starting", "service": "otpd"}})
			return
		}
		e := otp.Unavailable()
		e.Key, e.Message = "starting", "otpd is starting: the database is being opened and migrated; retry shortly"
		w.Header().Set("Retry-After", strconv.Itoa(httpjson.RetryAfterSeconds(e.RetryAfter)))
		httpjson.Write(w, http.StatusServiceUnavailable, httpjson.NewErrorBody(r, e))
	})
}
