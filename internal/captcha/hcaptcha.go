package captcha

import (
	"context"
	"net/http"
	"net/url"

	"github.com/otpd/otpd/internal/otp"
)

// hcaptcha speaks hCaptcha's siteverify API: POST secret, response,
// remoteip and sitekey; the answer is success, challenge_ts, hostname,
// credit and error-codes (and a score on Enterprise, which is not used:
// its scale runs the other way).
type hcaptcha struct {
	endpoint string
	http     *http.Client
}

func (h hcaptcha) verify(ctx context.Context, c otp.ChallengeCheck) (otp.ChallengeAnswer, error) {
	form := url.Values{"secret": {c.Secret}, "response": {c.Token}}
	if c.RemoteIP != "" {
		form.Set("remoteip", c.RemoteIP)
	}
	// The site key makes hCaptcha refuse a token solved on another site
	// of the same account.
	if c.SiteKey != "" {
		form.Set("sitekey", c.SiteKey)
	}
	var a siteverifyAnswer
	if err := postForm(ctx, h.http, h.endpoint, form, &a); err != nil {
		return otp.ChallengeAnswer{}, err
	}
	ans, err := a.answer()
	ans.Score, ans.HasScore = 0, false
	return ans, err
}
