package api

import (
	"errors"
	"net/http"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	otp.CodeInvalidParameter:      http.StatusBadRequest,
	otp.CodeInvalidPhone:          http.StatusBadRequest,
	otp.CodeInvalidEmail:          http.StatusBadRequest,
	httpjson.CodeInvalidJSON:      http.StatusBadRequest,
	otp.CodeUnauthenticated:       http.StatusUnauthorized,
	otp.CodeForbidden:             http.StatusForbidden,
	otp.CodeNotFound:              http.StatusNotFound,
	httpjson.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	otp.CodeConflict:              http.StatusConflict,
	otp.CodePayloadTooLarge:       http.StatusRequestEntityTooLarge,
	httpjson.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	otp.CodeRateLimited:           http.StatusTooManyRequests,
	otp.CodeInsufficientCredits:   http.StatusPaymentRequired,
	otp.CodeQuotaExceeded:         http.StatusForbidden,
	otp.CodeChallengeRequired:     http.StatusBadRequest,
	otp.CodeChallengeFailed:       http.StatusForbidden,
	otp.CodeChallengeUnavailable:  http.StatusServiceUnavailable,
	otp.CodeIdentityUnavailable:   http.StatusServiceUnavailable,
	otp.CodeInternal:              http.StatusInternalServerError,
}

var errInternal = &otp.Error{Code: otp.CodeInternal, Key: "internal", Message: "Something went wrong on our side; it has been logged"}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

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
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusBadRequest
	}
	if e.Code == otp.CodeRateLimited {
		w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	var details map[string]any
	if e.Field != "" || len(e.Params) > 0 || e.RetryAfter > 0 {
		details = map[string]any{}
		for k, v := range e.Params {
			details[k] = v
		}
		if e.Field != "" {
			details["field"] = e.Field
		}
		if e.RetryAfter > 0 {
			details["retryAfter"] = int(e.RetryAfter.Seconds() + 0.999)
		}
	}
	writeJSON(w, status, errorBody{Error: errorPayload{Code: e.Code, Message: httpjson.Localize(r, e), Details: details}})
}

// errorStatus is the HTTP status writeError answers err with.
func errorStatus(err error) int {
	e := otp.ErrorOf(err)
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		return http.StatusInternalServerError
	}
	if status, ok := statusOf[e.Code]; ok {
		return status
	}
	return http.StatusBadRequest
}
