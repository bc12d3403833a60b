package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an error answer of otpd: {"error":{"code","message","details"}}
// with its HTTP status. Get it with errors.As.
type Error struct {
	// StatusCode is the HTTP status, e.g. 429.
	StatusCode int
	// Code is the stable upper-snake code, e.g. RATE_LIMITED or
	// INVALID_PHONE: compare this, not Message.
	Code string
	// Message is for people, in English or Russian by Accept-Language.
	Message string
	// Details are what the error is about, e.g. "field" (the request
	// field at fault) or "reason"; numbers are float64 as encoding/json
	// gives them.
	Details map[string]any
	// RetryAfter is the Retry-After header (429, and a 503 that knows
	// when otpd will be back); 0 when the answer had none.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("otpd: %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// Field is details.field, the request field at fault, or "".
func (e *Error) Field() string {
	f, _ := e.Details["field"].(string)
	return f
}

// IsCode reports whether err is, or wraps, an *Error with the code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// newError reads an error answer. One that is not in otpd's shape (a
// proxy's 502 page, say) still becomes an *Error, with the status's own
// name as Code so that callers need no second path.
func newError(res *http.Response, raw []byte) *Error {
	e := &Error{StatusCode: res.StatusCode, RetryAfter: retryAfter(res.Header.Get("Retry-After"))}
	var body struct {
		Error struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Details = body.Error.Code, body.Error.Message, body.Error.Details
		return e
	}
	e.Code = "HTTP_" + strconv.Itoa(res.StatusCode)
	e.Message = strings.TrimSpace(string(raw))
	if len(e.Message) > 200 {
		e.Message = strings.ToValidUTF8(e.Message[:200], "")
	}
	if e.Message == "" {
		e.Message = http.StatusText(res.StatusCode)
	}
	return e
}

// retryAfter reads Retry-After in seconds (what otpd sends) or as an
// HTTP date (what a proxy may send); anything else is 0.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}
