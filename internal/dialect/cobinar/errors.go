package cobinar

import (
	"net/http"
	"strconv"
	"strings"

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

// statusOf maps the dialect's own codes to their status; the rest are
// otpd's (httpjson.Status).
var statusOf = map[string]int{
	CodeInvalidCode:     http.StatusBadRequest,
	CodeExpired:         http.StatusBadRequest,
	CodeMaxAttempts:     http.StatusBadRequest,
	CodeNotFound:        http.StatusNotFound,
	CodeAlreadyVerified: http.StatusConflict,
	CodeCanceled:        http.StatusConflict,
}

var errInternal = httpjson.ErrInternal

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
	e = cobinarFields(forbiddenByPolicy(e))
	status, ok := statusOf[e.Code]
	if !ok {
		if status, ok = httpjson.Status(e.Code); !ok {
			status = http.StatusBadRequest
		}
	}
	if e.Code == otp.CodeRateLimited || e.RetryAfter > 0 { // 429, and a 503 that knows when to retry
		w.Header().Set("Retry-After", strconv.Itoa(httpjson.RetryAfterSeconds(e.RetryAfter)))
	}
	httpjson.Write(w, status, httpjson.NewErrorBody(r, e))
}

// forbiddenByPolicy answers a send the project's geo permissions or
// number types refuse with Cobinar's documented FORBIDDEN, which is what
// it answered before those codes existed; details.reason keeps otpd's
// code, beside country, channel or numberType.
func forbiddenByPolicy(e *otp.Error) *otp.Error {
	if e.Code != otp.CodeGeoNotAllowed && e.Code != otp.CodeNumberTypeNotAllowed {
		return e
	}
	return httpjson.Recode(e, otp.CodeForbidden)
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
