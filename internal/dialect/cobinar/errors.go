package cobinar

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// Codes of a verify that did not verify. Cobinar's document names none;
// they are K-OTP's, which Cobinar's clients meet in otpd's other phone
// dialect too, in the native error shape Cobinar shares.
const (
	CodeInvalidCode     = "INVALID_CODE"         // 400, details.attempts_remaining
	CodeExpired         = "OTP_EXPIRED"          // 400
	CodeMaxAttempts     = "MAX_ATTEMPTS"         // 400, also for the right code afterwards
	CodeNotFound        = "OTP_NOT_FOUND"        // 404, also another application's requestId
	CodeAlreadyVerified = "OTP_ALREADY_VERIFIED" // 409
	CodeCanceled        = "OTP_CANCELED"         // 409
)

// statusOf maps each error code the dialect answers with to its status.
var statusOf = map[string]int{
	otp.CodeInvalidParameter:      http.StatusBadRequest,
	otp.CodeInvalidPhone:          http.StatusBadRequest,
	otp.CodeInvalidEmail:          http.StatusBadRequest,
	httpjson.CodeInvalidJSON:      http.StatusBadRequest,
	otp.CodeUnauthenticated:       http.StatusUnauthorized,
	otp.CodeForbidden:             http.StatusForbidden,
	otp.CodeNotFound:              http.StatusNotFound,
	otp.CodeConflict:              http.StatusConflict,
	otp.CodePayloadTooLarge:       http.StatusRequestEntityTooLarge,
	httpjson.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	otp.CodeRateLimited:           http.StatusTooManyRequests,
	otp.CodeInsufficientCredits:   http.StatusPaymentRequired,
	otp.CodeQuotaExceeded:         http.StatusForbidden,
	otp.CodeChallengeRequired:     http.StatusBadRequest,
	otp.CodeChallengeFailed:       http.StatusForbidden,
	otp.CodeChallengeUnavailable:  http.StatusServiceUnavailable,
	otp.CodeInternal:              http.StatusInternalServerError,
	CodeInvalidCode:               http.StatusBadRequest,
	CodeExpired:                   http.StatusBadRequest,
	CodeMaxAttempts:               http.StatusBadRequest,
	CodeNotFound:                  http.StatusNotFound,
	CodeAlreadyVerified:           http.StatusConflict,
	CodeCanceled:                  http.StatusConflict,
}

var errInternal = &otp.Error{Code: otp.CodeInternal, Key: "internal", Message: "Something went wrong on our side; it has been logged"}

// errorBody is the native error shape, which Cobinar's document shares:
// {"error":{"code","message","details"}}.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// handlerFunc is a handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle answers a returned error, and a panic as a logged 500.
func (d *Dialect) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				d.log.Error("panic in cobinar handler", "path", r.URL.Path, "panic", p)
				d.writeError(w, r, errInternal)
			}
		}()
		if err := h(w, r); err != nil {
			d.writeError(w, r, err)
		}
	})
}

// writeError renders err in the native shape, localised by
// Accept-Language. An error without a caller-safe *otp.Error is internal:
// logged once here and hidden.
func (d *Dialect) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := otp.ErrorOf(err)
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		if e != errInternal {
			d.log.Error("internal error", "path", r.URL.Path, "err", err)
		}
		e = errInternal
	}
	e = cobinarFields(e)
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusBadRequest
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
			details["retryAfter"] = retryAfterSeconds(e.RetryAfter)
		}
	}
	if e.Code == otp.CodeRateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(e.RetryAfter)))
	}
	httpjson.Write(w, status, errorBody{Error: errorPayload{Code: e.Code, Message: httpjson.Localize(r, e), Details: details}})
}

// fieldNames renames the domain's request fields to Cobinar's.
var fieldNames = map[string]string{"to": "phone", "id": "requestId"}

// cobinarFields returns e with the request field it names, and the same
// name at the start of its message, as Cobinar's body calls it.
func cobinarFields(e *otp.Error) *otp.Error {
	name, ok := fieldNames[e.Field]
	if !ok {
		return e
	}
	c := *e
	c.Field = name
	if rest, ok := strings.CutPrefix(c.Message, e.Field+" "); ok {
		c.Message = name + " " + rest
	}
	return &c
}

// retryAfterSeconds rounds up, so a client that waits that long succeeds.
func retryAfterSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

// setRateHeaders describes a limiter's decision, as the native API does.
func setRateHeaders(w http.ResponseWriter, d otp.Decision) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.ResetAt.Unix(), 10))
}
