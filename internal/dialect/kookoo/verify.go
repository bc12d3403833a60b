package kookoo

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// verifyParams are verifyotp's parameters, in seed 003's order.
type verifyParams struct {
	PhoneNo string `json:"phone_no" required:"true" description:"The number the code was sent to, in any of the forms smsotp and callotp take"`
	OTP     string `json:"otp" required:"true" description:"The code the user typed"`
	APIKey  string `json:"api_key" required:"true" description:"The otpd application's API key"`
}

// verifyOTP checks a code against the newest pending verification of the
// number, as POST /v1/verifications/check does. Every way of not being
// verified (a wrong, expired or used-up code, no pending code, no code
// at all) is KooKoo's one verification-failed answer.
func (d *Dialect) verifyOTP(w http.ResponseWriter, r *http.Request, form formValues) (answer, error) {
	var p verifyParams
	form.decode(&p)
	if p.APIKey == "" || p.PhoneNo == "" {
		return failure(msgMissing), nil
	}
	app, err := d.authenticate(w, r, p.APIKey)
	if err != nil {
		return answer{}, err
	}
	to, err := phoneNumber(p.PhoneNo)
	if err != nil {
		return answer{}, err
	}
	res, err := d.svc.CheckDestination(r.Context(), app, to, p.OTP)
	switch e := otp.ErrorOf(err); {
	case e != nil && (e.Code == otp.CodeNotFound || e.Code == otp.CodeInvalidParameter):
		return failure(msgVerifyFailed), nil // no pending verification; otp missing or too long
	case err != nil:
		return answer{}, err
	case !res.Valid:
		return failure(msgVerifyFailed), nil
	}
	return answer{Status: statusSuccess, Message: msgVerified}, nil
}
