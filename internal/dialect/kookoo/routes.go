package kookoo

import (
	"net/http"
)

// endpoint is one KooKoo endpoint. The same table serves requests and
// generates the OpenAPI document, so the two cannot drift apart.
type endpoint struct {
	path        string
	operation   string // the OpenAPI operationId's stem
	summary     string
	description string
	// params is the endpoint's parameters as a struct of string fields:
	// their json tags are the parameter names the request is decoded by
	// and the document lists.
	params any
	// success is the answer of a request that did what it asked.
	success answer
	// errors are the documented failures the endpoint answers, for the
	// document's examples.
	errors []string
	serve  func(w http.ResponseWriter, r *http.Request, form formValues) (answer, error)
}

// routes lists every KooKoo endpoint.
func (d *Dialect) routes() []endpoint {
	return []endpoint{
		{
			path: "/api/v1/TwoFactor/smsotp", operation: "SmsOtp", summary: "Send a code by SMS",
			description: "Generates a code for phone_no and sends it by SMS, with sender_id as the sender where the provider allows it. " +
				"message is \"SM\" followed by the hex digits of otpd's verification id (ver_<hex> in the console and the native API).",
			params:  smsParams{},
			success: answer{Status: statusSuccess, Message: "SM0193a6f4c2e87d01a5f3c6b2e4d10f29"},
			errors:  []string{msgAuthentication, msgMissing, msgInvalidPhone},
			serve:   d.smsOTP,
		},
		{
			path: "/api/v1/TwoFactor/callotp", operation: "CallOtp", summary: "Send a code by a voice call",
			description: "Generates a code for phone_no and places a voice call that reads it aloud, from caller_id where the provider allows it. " +
				"message is the number called, in digits with its country code (E.164 without \"+\").",
			params:  callParams{},
			success: answer{Status: statusQueued, Message: "919812345678"},
			errors:  []string{msgAuthentication, msgMissing, msgInvalidPhone},
			serve:   d.callOTP,
		},
		{
			path: "/api/v1/TwoFactor/verifyotp", operation: "VerifyOtp", summary: "Check a code",
			description: "Checks otp against the newest pending verification of phone_no, whichever channel sent it. " +
				"A wrong, expired or used-up code, a missing otp and a number with no pending code are all the verification-failed answer; " +
				"each check counts against the verification's attempts.",
			params:  verifyParams{},
			success: answer{Status: statusSuccess, Message: msgVerified},
			errors:  []string{msgAuthentication, msgMissing, msgVerifyFailed},
			serve:   d.verifyOTP,
		},
	}
}

// ServeHTTP answers the KooKoo endpoints and the OpenAPI document.
func (d *Dialect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer d.recoverPanic(w, r)
	if r.URL.Path == docPath {
		w.Header().Set("Content-Type", "application/json")
		w.Write(d.doc)
		return
	}
	for _, ep := range d.endpoints {
		if r.URL.Path != ep.path {
			continue
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			d.writeError(w, r, errMethod)
			return
		}
		form, err := readForm(w, r)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		a, err := ep.serve(w, r, form)
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		writeAnswer(w, http.StatusOK, a)
		return
	}
	writeAnswer(w, http.StatusNotFound, failure(msgNoEndpoint))
}
