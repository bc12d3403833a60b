package captcha

import (
	"context"
	"net/http"
	"net/url"

	"github.com/otpd/otpd/internal/otp"
)

// recaptcha speaks Google reCAPTCHA's siteverify API: POST secret,
// response and remoteip; the answer is success, challenge_ts, hostname,
// error-codes and, for v3 keys, score and action.
type recaptcha struct {
	endpoint string
	http     *http.Client
}

func (r recaptcha) verify(ctx context.Context, c otp.ChallengeCheck) (otp.ChallengeAnswer, error) {
	form := url.Values{"secret": {c.Secret}, "response": {c.Token}}
	if c.RemoteIP != "" {
		form.Set("remoteip", c.RemoteIP)
	}
	var a siteverifyAnswer
	if err := postForm(ctx, r.http, r.endpoint, form, &a); err != nil {
		return otp.ChallengeAnswer{}, err
	}
	return a.answer()
}
