package otp

import (
	"errors"
	"fmt"
	"time"
)

// Error codes are stable, upper-snake identifiers that clients can switch on.
// Transports map each to a status; the list is closed.
const (
	CodeInvalidParameter    = "INVALID_PARAMETER"
	CodeInvalidPhone        = "INVALID_PHONE"
	CodeInvalidEmail        = "INVALID_EMAIL"
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeForbidden           = "FORBIDDEN"
	CodeNotFound            = "NOT_FOUND"
	CodeConflict            = "CONFLICT"
	CodeRateLimited         = "RATE_LIMITED"
	CodeInsufficientCredits = "INSUFFICIENT_CREDITS"
	CodePayloadTooLarge     = "PAYLOAD_TOO_LARGE"
	CodeInternal            = "INTERNAL"
	// CodeGeoNotAllowed refuses a send to a country or number prefix the
	// project's geo permissions (or its policy's countries) exclude.
	CodeGeoNotAllowed = "GEO_NOT_ALLOWED"
	// CodeNumberTypeNotAllowed refuses a send to a kind of phone number
	// (premium rate, shared cost, …) the project does not send to.
	CodeNumberTypeNotAllowed = "NUMBER_TYPE_NOT_ALLOWED"
	// CodeSendBudgetExceeded is a send beyond one of the project's send
	// budgets (issue 16): details say the scope (project, ip, country,
	// prefix), the period (hour, day) and the limit. HTTP 429.
	CodeSendBudgetExceeded = "SEND_BUDGET_EXCEEDED"
	// CodeGuessBudgetExceeded is a new verification to a destination that
	// took too many wrong codes within the hour. HTTP 429.
	CodeGuessBudgetExceeded = "GUESS_BUDGET_EXCEEDED"
)

// Error is a failure whose code and message are safe to show to the caller.
// Key names the message in the translation catalogues; Params fill it.
type Error struct {
	Code    string
	Key     string         // message key, e.g. "invalid_phone"
	Message string         // English message
	Field   string         // the request field at fault, if any
	Params  map[string]any // values shown in details and used by translations
	// RetryAfter is set on RATE_LIMITED errors.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

// Is makes errors.Is(err, ErrNotFound) match any error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Key == ""
}

// Sentinel errors compared with errors.Is; they match any Error of their code.
var (
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrConflict        = &Error{Code: CodeConflict}
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated}
	ErrForbidden       = &Error{Code: CodeForbidden}
	ErrRateLimited     = &Error{Code: CodeRateLimited}
	ErrInvalid         = &Error{Code: CodeInvalidParameter}
)

// ErrorOf returns the *Error in err's chain, or nil if there is none
// (an internal error that must not be shown).
func ErrorOf(err error) *Error {
	// AsType, not As: As's target escapes, an allocation on every call,
	// and the request path asks for every error, nil ones included.
	e, _ := errors.AsType[*Error](err)
	return e
}

func notFound(what string) *Error {
	return &Error{Code: CodeNotFound, Key: "not_found", Message: what + " not found", Params: map[string]any{"resource": what}}
}

func conflict(key, msg string) *Error {
	return &Error{Code: CodeConflict, Key: key, Message: msg}
}

func invalidField(field, key, msg string) *Error {
	return &Error{Code: CodeInvalidParameter, Key: key, Message: msg, Field: field}
}

func rateLimited(key, msg string, retryAfter time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Key: key, Message: msg, RetryAfter: retryAfter}
}

// CodePrefixBlocked: sends to the number's prefix are paused, by the
// pumping detector or by hand (429, retry when the block ends).
const CodePrefixBlocked = "PREFIX_BLOCKED"
