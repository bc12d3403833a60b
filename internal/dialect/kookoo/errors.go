package kookoo

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// writeError answers err. A mistake of HTTP keeps its status; every other
// error a caller can cause is HTTP 200 with "status":"Error", as KooKoo
// answers its own errors. An error that is not a caller-safe *otp.Error
// is internal: logged here, once, with the request's path (never its
// query string, which carries the API key) and hidden from the caller.
func (d *Dialect) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		if he == errMethod {
			w.Header().Set("Allow", "GET, POST")
		}
		writeAnswer(w, he.status, failure(he.message))
		return
	}
	e := otp.ErrorOf(err)
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		d.log.Error("internal error", "dialect", "kookoo", "method", r.Method, "path", r.URL.Path, "err", err)
		writeAnswer(w, http.StatusInternalServerError, failure(msgInternal))
		return
	}
	if e.Code == otp.CodeRateLimited || e.RetryAfter > 0 { // the budgets and blocked prefixes say when too
		w.Header().Set("Retry-After", strconv.Itoa(httpjson.RetryAfterSeconds(e.RetryAfter)))
	}
	status := http.StatusOK
	if e.Code == otp.CodeUnavailable {
		// Not the caller's error but otpd's: like a mistake of HTTP it
		// keeps its status, so that clients and proxies retry.
		status = http.StatusServiceUnavailable
	}
	writeAnswer(w, status, failure(message(e)))
}

// message is KooKoo's message for a domain error: the documented one where
// KooKoo documents the case, otherwise the domain's English message. The
// Accept-Language header is not read: KooKoo has no localisation, and its
// clients may compare messages.
func message(e *otp.Error) string {
	switch {
	case e.Code == otp.CodeUnauthenticated:
		return msgAuthentication
	case e.Code == otp.CodeForbidden: // a disabled application, a key refused to this call
		return msgAuthentication + ": " + e.Message
	case e.Code == otp.CodeInvalidPhone:
		return msgInvalidPhone
	case e.Code == otp.CodeChallengeRequired:
		return msgChallenge
	}
	return capitalised(e.Message)
}

func capitalised(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// recoverPanic turns a handler's panic into a logged internal error
// instead of a dropped connection; the dialect is mounted on the API's
// mux directly, outside the native API's own recovery.
func (d *Dialect) recoverPanic(w http.ResponseWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	d.log.Error("panic in handler", "dialect", "kookoo", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
	writeAnswer(w, http.StatusInternalServerError, failure(msgInternal))
}
