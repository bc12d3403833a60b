package httpjson

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// ErrorBody is otpd's error shape, {"error":{"code","message","details"}}:
// the native API's, and Cobinar's, whose document shares it.
type ErrorBody struct {
	Error ErrorPayload `json:"error"`
}

// ErrorPayload is the inside of ErrorBody.
type ErrorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// ErrInternal is what a caller is shown of an error that is not safe to
// show; the error itself is logged.
var ErrInternal = &otp.Error{Code: otp.CodeInternal, Key: "internal", Message: "Something went wrong on our side; it has been logged"}

// statusOf is the one table from error code to HTTP status in otpd's
// shape, for the domain's codes and this package's.
var statusOf = map[string]int{
	otp.CodeInvalidParameter:     http.StatusBadRequest,
	otp.CodeInvalidPhone:         http.StatusBadRequest,
	otp.CodeInvalidEmail:         http.StatusBadRequest,
	CodeInvalidJSON:              http.StatusBadRequest,
	otp.CodeUnauthenticated:      http.StatusUnauthorized,
	otp.CodeForbidden:            http.StatusForbidden,
	otp.CodeNotFound:             http.StatusNotFound,
	CodeMethodNotAllowed:         http.StatusMethodNotAllowed,
	otp.CodeConflict:             http.StatusConflict,
	otp.CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	CodeUnsupportedMedia:         http.StatusUnsupportedMediaType,
	CodeHeadersTooLarge:          http.StatusRequestHeaderFieldsTooLarge,
	otp.CodeRateLimited:          http.StatusTooManyRequests,
	otp.CodeSendBudgetExceeded:   http.StatusTooManyRequests,
	otp.CodeGuessBudgetExceeded:  http.StatusTooManyRequests,
	otp.CodePrefixBlocked:        http.StatusTooManyRequests,
	otp.CodeInsufficientCredits:  http.StatusPaymentRequired,
	otp.CodeQuotaExceeded:        http.StatusForbidden,
	otp.CodeGeoNotAllowed:        http.StatusForbidden,
	otp.CodeNumberTypeNotAllowed: http.StatusForbidden,
	otp.CodeChallengeRequired:    http.StatusBadRequest,
	otp.CodeChallengeFailed:      http.StatusForbidden,
	otp.CodeChallengeUnavailable: http.StatusServiceUnavailable,
	otp.CodeIdentityUnavailable:  http.StatusServiceUnavailable,
	otp.CodeBusy:                 http.StatusServiceUnavailable,
	otp.CodeUnavailable:          http.StatusServiceUnavailable,
	otp.CodeInternal:             http.StatusInternalServerError,
}

// Status is the HTTP status of an error code in otpd's shape, and
// whether the table has the code.
func Status(code string) (int, bool) {
	s, ok := statusOf[code]
	return s, ok
}

// NewErrorBody returns e in otpd's error shape: its message in the
// language r asks for, and in details the request field at fault, the
// error's parameters and, for a rate limit, the seconds to wait.
func NewErrorBody(r *http.Request, e *otp.Error) ErrorBody {
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
			details["retryAfter"] = RetryAfterSeconds(e.RetryAfter)
		}
	}
	return ErrorBody{Error: ErrorPayload{Code: e.Code, Message: Localize(r, e), Details: details}}
}
