package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

var errInternal = httpjson.ErrInternal

// writeError renders err. Errors without a caller-safe *otp.Error are
// internal: logged once here and hidden from the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := otp.ErrorOf(err)
	// A bare sentinel from a store (no message) is a bug that must not
	// reach the client as an empty message; it is internal.
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		if !errors.Is(err, errInternal) {
			s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		e = errInternal
	}
	status, ok := httpjson.Status(e.Code)
	if !ok {
		status = http.StatusBadRequest
	}
	if e.Code == otp.CodeRateLimited || e.RetryAfter > 0 { // 429, and a 503 that knows when to retry
		w.Header().Set("Retry-After", strconv.Itoa(httpjson.RetryAfterSeconds(e.RetryAfter)))
	}
	writeJSON(w, status, httpjson.NewErrorBody(r, e))
}

// errorStatus is the HTTP status writeError answers err with.
func errorStatus(err error) int {
	e := otp.ErrorOf(err)
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		return http.StatusInternalServerError
	}
	if status, ok := httpjson.Status(e.Code); ok {
		return status
	}
	return http.StatusBadRequest
}
