package kotp

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// verifyRequest is the body of POST /v1/verify.
type verifyRequest struct {
	ID   string `json:"id" description:"OTP ID from send response"`
	Code string `json:"code" description:"OTP code entered by user"`
}

// verifiedOTP is the answer of POST /v1/verify to the right code.
type verifiedOTP struct {
	Valid      bool      `json:"valid"`
	ID         string    `json:"id"`
	VerifiedAt time.Time `json:"verified_at"`
	// Attempts counts the checks made, this one included.
	Attempts int `json:"attempts"`
	// Metadata is the object sent with the OTP; {} when there was none.
	Metadata json.RawMessage `json:"metadata" openapi:"object"`
}

// verify answers POST /v1/verify: the right code is 200 with valid true;
// every other outcome is an error naming why.
func (d *Dialect) verify(w http.ResponseWriter, r *http.Request, a *otp.Application) error {
	var req verifyRequest
	values, err := decodeBody(w, r, &req)
	if err != nil {
		return err
	}
	if req.ID == "" {
		return withValues(invalid("id", "required", "id is required: the id POST /v1/send answered"), values)
	}
	id, ok := domainID(req.ID)
	if !ok {
		return withValues(errOTPNotFound, values)
	}
	res, err := d.svc.Check(r.Context(), a, id, req.Code)
	if err != nil {
		return fromDomain(err, values)
	}
	v := res.Verification
	if !res.Valid {
		return withValues(checkFailure(res), values)
	}
	metadata := v.Metadata
	if len(metadata) == 0 {
		metadata = json.RawMessage(`{}`)
	}
	httpjson.Write(w, http.StatusOK, verifiedOTP{Valid: true, ID: wireID(v.ID), VerifiedAt: wireTime(v.VerifiedAt),
		Attempts: v.Attempts, Metadata: metadata})
	return nil
}

// checkFailure is the error of a check that did not succeed: a wrong
// code while attempts remain (the last attempt too), or why the OTP
// cannot be verified any more.
func checkFailure(res otp.CheckResult) error {
	v := res.Verification
	if res.Evaluated {
		return &otp.Error{Code: codeInvalidCode, Key: "code_incorrect", Field: "code", Message: "The OTP code is incorrect",
			Params: map[string]any{"attempts_remaining": v.AttemptsRemaining()}}
	}
	switch v.Status {
	case otp.StatusExpired:
		return &otp.Error{Code: codeOTPExpired, Key: "otp_expired", Message: "The OTP has expired; send a new one"}
	case otp.StatusMaxAttempts:
		return &otp.Error{Code: codeMaxAttempts, Key: "max_attempts", Message: "The maximum number of verification attempts was reached; send a new OTP",
			Params: map[string]any{"attempts_remaining": 0}}
	case otp.StatusVerified:
		return &otp.Error{Code: codeAlreadyVerified, Key: "otp_already_verified", Message: "The OTP was already verified; it can be verified only once"}
	case otp.StatusCanceled:
		return &otp.Error{Code: codeOTPCanceled, Key: "otp_canceled", Message: "The OTP was canceled; send a new one"}
	}
	return &otp.Error{Code: codeInvalidCode, Key: "code_incorrect", Field: "code", Message: "The OTP code is incorrect",
		Params: map[string]any{"attempts_remaining": v.AttemptsRemaining()}}
}
