package cobinar

import (
	"net/http"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// sendRequest is POST /v1/otp/send's body.
type sendRequest struct {
	// Phone is the number to send the code to, as people type it
	// ("+999 482 918 102").
	Phone string `json:"phone"`
}

// sentOTPView is what POST /v1/otp/send answers in data: the OTP request.
type sentOTPView struct {
	RequestID string `json:"requestId" description:"Identifies the OTP request: give it to POST /v1/otp/verify"`
	Phone     string `json:"phone" description:"The number, in E.164"`
	Status    string `json:"status" enum:"pending"`
	ExpiresAt string `json:"expiresAt" description:"When the code stops working (ISO 8601, UTC)"`
}

// verifyRequest is POST /v1/otp/verify's body.
type verifyRequest struct {
	RequestID string `json:"requestId"`
	Code      string `json:"code"`
}

// verifiedOTPView is what a successful POST /v1/otp/verify answers in data.
type verifiedOTPView struct {
	RequestID  string `json:"requestId"`
	Status     string `json:"status" enum:"verified"`
	Phone      string `json:"phone" description:"The number, in E.164"`
	VerifiedAt string `json:"verifiedAt" description:"ISO 8601, UTC"`
}

type dataBody struct {
	Data any `json:"data"`
}

// isoTime writes t as Cobinar's JavaScript backend does (toISOString):
// UTC with milliseconds, 2026-07-03T14:22:10.000Z.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// decode reads the JSON body into v strictly: an unknown field, a wrong
// type or malformed JSON is a 400 naming what is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := httpjson.ReadBody(w, r, maxBody)
	if err != nil {
		return err
	}
	return httpjson.Decode(body, v, false)
}

func required(field string) error {
	return &otp.Error{Code: otp.CodeInvalidParameter, Key: "required", Field: field, Message: field + " is required"}
}

func (d *Dialect) send(w http.ResponseWriter, r *http.Request) error {
	a, err := d.authenticate(w, r)
	if err != nil {
		return err
	}
	if err := d.limit(w, r, a, otp.AppSend, SendsPerMinute); err != nil {
		return err
	}
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Phone) == "":
		return required("phone")
	case strings.Contains(req.Phone, "@"):
		// Cobinar sends to phones only; otpd would take an address.
		return &otp.Error{Code: otp.CodeInvalidPhone, Key: "invalid_phone", Field: "phone", Message: "The phone number format is invalid"}
	}
	v, _, err := d.svc.CreateVerification(r.Context(), a, otp.CreateRequest{
		To: req.Phone, ChallengeToken: r.Header.Get("X-Challenge-Token"),
	})
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, dataBody{Data: sentOTPView{RequestID: v.ID, Phone: v.To, Status: status(v), ExpiresAt: isoTime(v.ExpiresAt)}})
	return nil
}

func (d *Dialect) verify(w http.ResponseWriter, r *http.Request) error {
	a, err := d.authenticate(w, r)
	if err != nil {
		return err
	}
	if err := d.limit(w, r, a, otp.AppCheck, ChecksPerMinute); err != nil {
		return err
	}
	var req verifyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.RequestID) == "" {
		return required("requestId")
	}
	res, err := d.svc.Check(r.Context(), a, req.RequestID, req.Code)
	if err != nil {
		if e := otp.ErrorOf(err); e != nil && e.Code == otp.CodeNotFound {
			return &otp.Error{Code: CodeNotFound, Key: "cobinar_otp_not_found", Field: "requestId",
				Message: "No OTP request with this requestId"}
		}
		return err
	}
	v := res.Verification
	if !res.Valid {
		return notVerified(v)
	}
	httpjson.Write(w, http.StatusOK, dataBody{Data: verifiedOTPView{RequestID: v.ID, Status: status(v), Phone: v.To, VerifiedAt: isoTime(v.VerifiedAt)}})
	return nil
}

// notVerified is the error of a verify that did not verify v, by where v
// stands after it. The attempt that uses up the last one answers
// MAX_ATTEMPTS: nothing can verify the request any more.
func notVerified(v *otp.Verification) error {
	switch v.Status {
	case otp.StatusExpired:
		return &otp.Error{Code: CodeExpired, Key: "cobinar_otp_expired", Message: "The code has expired: send a new one"}
	case otp.StatusMaxAttempts:
		return &otp.Error{Code: CodeMaxAttempts, Key: "cobinar_max_attempts", Message: "Too many wrong codes: this request can no longer be verified; send a new one"}
	case otp.StatusVerified:
		return &otp.Error{Code: CodeAlreadyVerified, Key: "cobinar_already_verified", Message: "This request was verified already"}
	case otp.StatusCanceled:
		return &otp.Error{Code: CodeCanceled, Key: "cobinar_otp_canceled", Message: "This request was canceled: send a new one"}
	}
	n := v.AttemptsRemaining()
	return &otp.Error{Code: CodeInvalidCode, Key: "cobinar_invalid_code", Field: "code",
		Message: "The code is incorrect", Params: map[string]any{"attempts_remaining": n}}
}

// status is Cobinar's one status of a verification: pending, verified,
// expired, failed (its attempts used up) or canceled.
func status(v *otp.Verification) string {
	switch v.Status {
	case otp.StatusMaxAttempts:
		return "failed"
	default:
		return string(v.Status)
	}
}
