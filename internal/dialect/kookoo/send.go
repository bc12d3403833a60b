package kookoo

import (
	"net/http"
	"strings"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// smsParams are smsotp's parameters, in seed 003's order.
type smsParams struct {
	PhoneNo  string `json:"phone_no" required:"true" description:"The number to send the code to: 9812345678, 09812345678, 919812345678 and +919812345678 all mean +91 98123 45678; a number of another country needs its country code"`
	APIKey   string `json:"api_key" required:"true" description:"The otpd application's API key"`
	SenderID string `json:"sender_id" description:"The sender shown to the recipient where the provider allows it: an alphanumeric sender id of at most 11 characters (OZONTL) or a number, read as an Indian number when it is one"`
}

// callParams are callotp's parameters, in seed 003's order.
type callParams struct {
	APIKey   string `json:"api_key" required:"true" description:"The otpd application's API key"`
	CallerID string `json:"caller_id" description:"The number the call comes from where the provider allows it (914030123456, 04030123456 or +914030123456), or an alphanumeric id of at most 11 characters"`
	PhoneNo  string `json:"phone_no" required:"true" description:"The number to call: 9812345678, 09812345678, 919812345678 and +919812345678 all mean +91 98123 45678; a number of another country needs its country code"`
}

func (d *Dialect) smsOTP(w http.ResponseWriter, r *http.Request, form formValues) (answer, error) {
	var p smsParams
	form.decode(&p)
	v, refused, err := d.send(w, r, p.APIKey, p.PhoneNo, otp.SMS, p.SenderID, "sender_id")
	if refused != "" || err != nil {
		return failure(refused), err
	}
	return answer{Status: statusSuccess, Message: "SM" + strings.TrimPrefix(v.ID, "ver_")}, nil
}

func (d *Dialect) callOTP(w http.ResponseWriter, r *http.Request, form formValues) (answer, error) {
	var p callParams
	form.decode(&p)
	v, refused, err := d.send(w, r, p.APIKey, p.PhoneNo, otp.Voice, p.CallerID, "caller_id")
	if refused != "" || err != nil {
		return failure(refused), err
	}
	return answer{Status: statusQueued, Message: strings.TrimPrefix(v.To, "+")}, nil
}

// send creates a verification of phone on channel, as POST
// /v1/verifications does. A request KooKoo itself would refuse in its own
// words comes back as refused, the message; other failures as err.
// callerParam names the caller id's parameter in the message refusing it.
func (d *Dialect) send(w http.ResponseWriter, r *http.Request, key, phone string, channel otp.Channel, callerID, callerParam string) (v *otp.Verification, refused string, err error) {
	if key == "" || phone == "" {
		return nil, msgMissing, nil
	}
	app, err := d.authenticate(w, r, key)
	if err != nil {
		return nil, "", err
	}
	to, err := phoneNumber(phone)
	if err != nil {
		return nil, "", err
	}
	v, _, err = d.svc.CreateVerification(r.Context(), app, otp.CreateRequest{
		To: to, Channel: channel, Purpose: otp.PurposeVerification, CallerID: otp.CallerIDIn(callerID, Region),
	})
	if e := otp.ErrorOf(err); e != nil && e.Key == "invalid_caller_id" {
		return nil, "Invalid " + callerParam + ": use a phone number or a sender id of at most 11 letters and digits", nil
	}
	return v, "", err
}

// authenticate finds the application of an api_key as the native API
// finds a bearer key's, and sets the rate-limit headers. Every KooKoo
// call writes (a send, or a check counted against its attempts), whatever
// its HTTP method, so none is read-only.
func (d *Dialect) authenticate(w http.ResponseWriter, r *http.Request, key string) (*otp.Application, error) {
	app, dec, err := d.svc.AuthenticateCall(r.Context(), otp.APICall{Key: key, RemoteIP: httpjson.RemoteIP(r)})
	if app != nil {
		httpjson.SetRateHeaders(w, dec)
	}
	return app, err
}

// phoneNumber reads phone_no as an Indian user types it, in E.164.
// Whatever it is if not a number (an email address, well formed or not,
// or a value too long to be one) is KooKoo's one invalid-number answer.
func phoneNumber(phone string) (string, error) {
	dest, err := otp.ParseDestinationIn(phone, Region, "phone_no")
	if err != nil || !dest.IsPhone {
		return "", &otp.Error{Code: otp.CodeInvalidPhone, Key: "invalid_phone", Message: "The phone number format is invalid", Field: "phone_no"}
	}
	return dest.Value, nil
}
