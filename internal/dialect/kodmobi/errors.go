package kodmobi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// The sys_message constants kod.mobi's SDK knows, and otpd's own two.
const (
	sysAccessDenied       = "ERROR_ACCESS_DENIED"
	sysBadRequest         = "ERROR_BAD_REQUEST"
	sysNoChannels         = "ERROR_PROJECT_HAS_NO_CHANNELS"
	sysNoChannel          = "ERROR_PROJECT_HAS_NO_CHANNEL"
	sysNotAuthorized      = "ERROR_USER_NOT_AUTHORIZE_ON_CHANNEL"
	sysSessionExpired     = "ERROR_SESSION_EXPIRED"
	sysWrongCode          = "ERROR_MESSAGE_WRONG_CODE"
	sysCountryNotAllowed  = "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY"
	sysMessageAttempt     = "ERROR_MESSAGE_ATTEMPT"
	sysPhoneBlocked       = "ERROR_PHONE_BLOCKED"
	sysBlocked            = "ERROR_BLOCKED"
	sysChallenge          = "ERROR_CHALLENGE"
	sysWrongBalance       = "ERROR_WRONG_BALANCE"
	sysVerifyTokenInvalid = "ERROR_VERIFY_TOKEN_INVALID" // otpd's: kod.mobi's verify is not published
	sysInternal           = "ERROR_INTERNAL"             // otpd's: kod.mobi names none
	sysUnavailable        = "ERROR_UNAVAILABLE"          // otpd's: the database is unreachable, retry later
)

// errorBody is kod.mobi's error answer.
type errorBody struct {
	Success    bool   `json:"success"`
	SysMessage string `json:"sys_message" description:"A constant to switch on, e.g. ERROR_SESSION_EXPIRED"`
	Message    string `json:"message" description:"What went wrong, in English or Russian (Accept-Language, or ?lang=ru)"`
	// Timeout is the seconds to wait (ERROR_MESSAGE_ATTEMPT, ERROR_PHONE_BLOCKED).
	Timeout *int `json:"timeout,omitempty" description:"Seconds to wait before trying again (ERROR_MESSAGE_ATTEMPT, ERROR_PHONE_BLOCKED)"`
	// AttemptsLeft is the wrong codes the session still takes (ERROR_MESSAGE_WRONG_CODE).
	AttemptsLeft *int `json:"attempts_left,omitempty" description:"Codes the session still takes (ERROR_MESSAGE_WRONG_CODE)"`
	// Errors are the invalid fields, each with its messages (ERROR_BAD_REQUEST).
	Errors map[string][]string `json:"errors,omitempty" description:"The invalid fields and what is wrong with each (ERROR_BAD_REQUEST)"`
}

var (
	errInternal = &otp.Error{Code: otp.CodeInternal, Key: "internal", Message: "Something went wrong on our side; it has been logged"}
	errMethod   = &otp.Error{Code: httpjson.CodeMethodNotAllowed, Key: "method_not_allowed", Message: "This method is not supported on this path"}
)

// sysOf is the status and sys_message of a domain error: by its key
// where kod.mobi tells cases apart that share a code, else by its code.
func sysOf(e *otp.Error) (int, string) {
	switch e.Key {
	case "session_expired":
		return http.StatusNotFound, sysSessionExpired
	case "session_blocked":
		return http.StatusForbidden, sysBlocked
	case "destination_blocked", "guess_budget_exceeded", "prefix_blocked":
		// The destination's wrong codes within the hour, or its prefix blocked.
		return http.StatusForbidden, sysPhoneBlocked
	case "wrong_code":
		return http.StatusBadRequest, sysWrongCode
	case "no_channels":
		return http.StatusBadRequest, sysNoChannels
	case "channel_disabled", "channel_unavailable", "no_channel_for_destination":
		return http.StatusBadRequest, sysNoChannel
	case "channel_not_linked":
		return http.StatusBadRequest, sysNotAuthorized
	case "verify_token_invalid":
		return http.StatusBadRequest, sysVerifyTokenInvalid
	}
	switch e.Code {
	case otp.CodeGeoNotAllowed:
		return http.StatusForbidden, sysCountryNotAllowed
	case otp.CodeNumberTypeNotAllowed:
		// kod.mobi names no refusal of a kind of number; a number the
		// project will not send to is, to its SDK, a blocked phone.
		return http.StatusForbidden, sysPhoneBlocked
	case otp.CodeUnauthenticated:
		return http.StatusUnauthorized, sysAccessDenied
	case otp.CodeForbidden:
		return http.StatusForbidden, sysAccessDenied
	case otp.CodeRateLimited, otp.CodeSendBudgetExceeded:
		return http.StatusTooManyRequests, sysMessageAttempt
	case otp.CodeInsufficientCredits, otp.CodeQuotaExceeded:
		return http.StatusPaymentRequired, sysWrongBalance
	case otp.CodeChallengeRequired, otp.CodeChallengeFailed:
		return http.StatusForbidden, sysChallenge
	case otp.CodeChallengeUnavailable:
		return http.StatusServiceUnavailable, sysChallenge
	case otp.CodeNotFound:
		return http.StatusNotFound, sysBadRequest
	case httpjson.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed, sysBadRequest
	case otp.CodePayloadTooLarge:
		return http.StatusRequestEntityTooLarge, sysBadRequest
	case httpjson.CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType, sysBadRequest
	case otp.CodeConflict:
		return http.StatusConflict, sysBadRequest
	case otp.CodeUnavailable:
		return http.StatusServiceUnavailable, sysUnavailable
	case otp.CodeInternal:
		return http.StatusInternalServerError, sysInternal
	}
	return http.StatusBadRequest, sysBadRequest
}

// writeError renders err in kod.mobi's shape. Errors without a
// caller-safe *otp.Error are internal: logged once here and hidden.
func (d *Dialect) writeError(w http.ResponseWriter, r *http.Request, ep endpoint, err error) {
	e := otp.ErrorOf(err)
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		if !errors.Is(err, errInternal) {
			d.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		e = errInternal
	}
	status, sys := sysOf(e)
	body := errorBody{SysMessage: sys, Message: httpjson.Localize(r, e)}
	if e.RetryAfter > 0 {
		secs := int((e.RetryAfter + time.Second - 1) / time.Second)
		body.Timeout = &secs
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	if n, ok := e.Params["attemptsLeft"].(int); ok && e.Key == "wrong_code" {
		body.AttemptsLeft = &n
	}
	if sys == sysBadRequest && e.Field != "" {
		body.Errors = map[string][]string{e.Field: {body.Message}}
	}
	// A page the application does not allow may not read the answer.
	if ep.browser && e.Key != "origin_not_allowed" {
		allowCORS(w, r)
	}
	httpjson.Write(w, status, body)
}

// writeOK renders an answer: bare, or in the legacy envelope.
func (d *Dialect) writeOK(w http.ResponseWriter, r *http.Request, ep endpoint, res any) {
	if ep.browser {
		allowCORS(w, r)
	}
	if ep.legacy {
		res = legacyBody{Success: true, Data: res}
	}
	httpjson.Write(w, http.StatusOK, res)
}

// legacyBody is the envelope of the query-string API's answers.
type legacyBody struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}
