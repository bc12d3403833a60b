package kookoo

import (
	"net/http"

	"github.com/otpd/otpd/internal/httpjson"
)

// answer is KooKoo's one answer shape, for successes and errors alike.
type answer struct {
	Status  string `json:"status" enum:"success,queued,Error" description:"success (smsotp, verifyotp), queued (callotp) or Error, capitalised as KooKoo writes it"`
	Message string `json:"message" description:"smsotp: SM and the verification id's hex digits; callotp: the number called, E.164 without +; verifyotp: a sentence; Error: what went wrong, in English"`
}

// The statuses of an answer.
const (
	statusSuccess = "success"
	statusQueued  = "queued"
	statusError   = "Error"
)

// KooKoo's documented messages, copied from seed 003.
const (
	msgAuthentication = "Authentication Error"
	msgMissing        = "API key or Phone Number Missing"
	msgVerifyFailed   = "Your Mobile Number OTP code verification failed"
	msgVerified       = "Your Mobile Number OTP code is verified!"
)

// otpd's messages where KooKoo documents none, written in its style.
const (
	msgInvalidPhone = "Invalid Phone Number"
	msgNoEndpoint   = "Not Found"
	msgInternal     = "Internal Error: something went wrong on our side; it has been logged, try again later"
	msgChallenge    = "CAPTCHA Required: this project requires a CAPTCHA token, which the KooKoo API cannot carry; " +
		"send its codes through the native API or turn its challenge off"
)

// failure is an error answer with message.
func failure(message string) answer { return answer{Status: statusError, Message: message} }

// writeAnswer writes a as JSON with status.
func writeAnswer(w http.ResponseWriter, status int, a answer) { httpjson.Write(w, status, a) }
