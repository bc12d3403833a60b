package captcha

import (
	"context"
	"net/http"
	"net/url"

	"github.com/otpd/otpd/internal/otp"
)

// turnstile speaks Cloudflare Turnstile's Siteverify API: POST secret,
// response, remoteip and idempotency_key; the answer is success,
// error-codes, challenge_ts, hostname, action and cdata.
type turnstile struct {
	endpoint string
	http     *http.Client
}

func (t turnstile) verify(ctx context.Context, c otp.ChallengeCheck) (otp.ChallengeAnswer, error) {
	form := url.Values{"secret": {c.Secret}, "response": {c.Token}}
	if c.RemoteIP != "" {
		form.Set("remoteip", c.RemoteIP)
	}
	// With the same idempotency key, Turnstile answers again for a token
	// it has already judged, so a retried request is not refused as a
	// duplicate because its first attempt timed out after the check.
	if c.IdempotencyKey != "" {
		form.Set("idempotency_key", c.IdempotencyKey)
	}
	var a siteverifyAnswer
	if err := postForm(ctx, t.http, t.endpoint, form, &a); err != nil {
		return otp.ChallengeAnswer{}, err
	}
	return a.answer()
}
