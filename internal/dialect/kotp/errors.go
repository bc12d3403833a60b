package kotp

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// K-OTP's error codes: those its document lists, and those otpd adds
// where the document is silent (docs/dialects.md).
const (
	codeInvalidRequest   = "INVALID_REQUEST"   // the body is not a JSON object
	codeInvalidParameter = "INVALID_PARAMETER" // a field is missing, of the wrong type or out of range
	codeInvalidAPIKey    = "INVALID_API_KEY"
	codeOTPNotFound      = "OTP_NOT_FOUND"
	codeOTPExpired       = "OTP_EXPIRED"
	codeInvalidCode      = "INVALID_CODE"
	codeMaxAttempts      = "MAX_ATTEMPTS"
	codeAlreadyVerified  = "OTP_ALREADY_VERIFIED"
	codeOTPCanceled      = "OTP_CANCELED"
	codeInternal         = "INTERNAL_ERROR"
)

// statusOf is the one table from K-OTP error code to HTTP status; a code
// missing here is a 400.
var statusOf = map[string]int{
	codeInvalidRequest:            http.StatusBadRequest,
	codeInvalidParameter:          http.StatusBadRequest,
	otp.CodeInvalidPhone:          http.StatusBadRequest,
	otp.CodeInvalidEmail:          http.StatusBadRequest,
	codeInvalidAPIKey:             http.StatusUnauthorized,
	otp.CodeInsufficientCredits:   http.StatusPaymentRequired,
	otp.CodeQuotaExceeded:         http.StatusPaymentRequired,
	otp.CodeForbidden:             http.StatusForbidden,
	codeOTPNotFound:               http.StatusNotFound,
	httpjson.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	otp.CodeConflict:              http.StatusConflict,
	otp.CodePayloadTooLarge:       http.StatusRequestEntityTooLarge,
	httpjson.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	otp.CodeRateLimited:           http.StatusTooManyRequests,
	codeOTPExpired:                http.StatusBadRequest,
	codeInvalidCode:               http.StatusBadRequest,
	codeMaxAttempts:               http.StatusBadRequest,
	codeAlreadyVerified:           http.StatusBadRequest,
	codeOTPCanceled:               http.StatusBadRequest,
	otp.CodeChallengeRequired:     http.StatusBadRequest,
	otp.CodeChallengeFailed:       http.StatusForbidden,
	otp.CodeChallengeUnavailable:  http.StatusServiceUnavailable,
	otp.CodeUnavailable:           http.StatusServiceUnavailable,
	codeInternal:                  http.StatusInternalServerError,
}

// wireField names a domain request field as K-OTP's request names it.
var wireField = map[string]string{
	"channel":     "method",
	"purpose":     "type",
	"codeLength":  "length",
	"transaction": "metadata", // a transaction's amount and payee come from the metadata
}

var errInternal = &otp.Error{Code: otp.CodeInternal, Key: "internal", Message: "Something went wrong on our side; it has been logged"}

// errorBody is K-OTP's error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Details has field (the request field at fault) and value (what the
	// request gave for it) when a field is at fault, and what else the
	// error tells, e.g. attempts_remaining or retry_after.
	Details map[string]any `json:"details"`
}

// requestError is an error of a request together with the request's
// field values, so that the answer can show the value at fault.
type requestError struct {
	err    error
	values map[string]any
	// domain says err comes from otp.Service, which names fields as
	// otpd's native API does (see wireField).
	domain bool
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// withValues attaches the request's field values to err, an error of
// this package or of decoding the request, if any.
func withValues(err error, values map[string]any) error {
	if err == nil {
		return nil
	}
	return &requestError{err: err, values: values}
}

// fromDomain attaches the request's field values to err, an error of
// otp.Service, if any.
func fromDomain(err error, values map[string]any) error {
	if err == nil {
		return nil
	}
	return &requestError{err: err, values: values, domain: true}
}

// writeError renders err in K-OTP's shape. Errors that are not a
// caller-safe *otp.Error are internal: logged once here, hidden from the
// client.
func (d *Dialect) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var values map[string]any
	domain := true // an error without a request's context comes from authentication
	var re *requestError
	if errors.As(err, &re) {
		values, domain = re.values, re.domain
	}
	e := otp.ErrorOf(err)
	if e == nil || e.Code == otp.CodeInternal || e.Message == "" {
		if !errors.Is(err, errInternal) {
			d.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		e = errInternal
	}
	e = translate(e, domain)
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusBadRequest
	}
	details := map[string]any{}
	for k, v := range e.Params {
		details[k] = v
	}
	if e.Field != "" {
		details["field"] = e.Field
		if v, ok := values[e.Field]; ok {
			details["value"] = v
		}
	}
	if e.Code == otp.CodeRateLimited || e.Code == otp.CodeUnavailable {
		secs := httpjson.RetryAfterSeconds(e.RetryAfter)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		details["retry_after"] = secs
	}
	httpjson.Write(w, status, errorBody{Error: errorPayload{Code: e.Code, Message: httpjson.Localize(r, e), Details: details}})
}

// translate returns e in K-OTP's vocabulary: its code and, for an error
// of the domain, the field as K-OTP's request names it.
func translate(e *otp.Error, domain bool) *otp.Error {
	out := *e
	if f, ok := wireField[out.Field]; ok && domain {
		out.Field = f
	}
	switch e.Code {
	case otp.CodeSendBudgetExceeded, otp.CodeGuessBudgetExceeded, otp.CodePrefixBlocked:
		// K-OTP's one 429 code; details keep otpd's code as reason and
		// the budget's scope, period and limit, or the blocked prefix.
		out.Code, out.Params = otp.CodeRateLimited, httpjson.Recode(e, otp.CodeRateLimited).Params
	case otp.CodeInvalidParameter:
		out.Code = codeInvalidParameter
		if e.Key == "channel_mismatch" {
			// The method cannot reach the destination: the destination is
			// not a phone number (sms, voice) or not an email address.
			out.Field, out.Params = "to", nil
			out.Code, out.Key, out.Message = otp.CodeInvalidPhone, "invalid_phone", "The phone number format is invalid"
			if e.Params["channel"] == string(otp.Email) {
				out.Code, out.Key, out.Message = otp.CodeInvalidEmail, "invalid_email", "The email address format is invalid"
			}
		}
	case otp.CodeGeoNotAllowed, otp.CodeNumberTypeNotAllowed:
		// K-OTP's document names no refusal of a destination; FORBIDDEN,
		// otpd's addition, is what it answered before these codes, and
		// details.reason keeps otpd's code.
		out.Code, out.Params = otp.CodeForbidden, httpjson.Recode(e, otp.CodeForbidden).Params
	case httpjson.CodeInvalidJSON:
		out.Code = codeInvalidRequest
	case otp.CodeUnauthenticated:
		out.Code = codeInvalidAPIKey
	case otp.CodeNotFound:
		out = *errOTPNotFound
	case otp.CodeInternal:
		out.Code = codeInternal
	}
	return &out
}

// errOTPNotFound answers an unknown id and another application's alike.
var errOTPNotFound = &otp.Error{Code: codeOTPNotFound, Key: "otp_not_found", Message: "OTP ID not found", Field: "id"}
