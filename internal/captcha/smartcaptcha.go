package captcha

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// smartcaptcha speaks Yandex SmartCaptcha's validate API: POST secret,
// token and ip as a form; the answer is status ("ok" or "failed"),
// message, and host when the status is ok.
type smartcaptcha struct {
	endpoint string
	http     *http.Client
}

type smartcaptchaAnswer struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Host    string `json:"host"`
}

func (s smartcaptcha) verify(ctx context.Context, c otp.ChallengeCheck) (otp.ChallengeAnswer, error) {
	// Always a POST body: in a GET the secret would be in the URL, and
	// URLs end up in error messages and proxy logs.
	form := url.Values{"secret": {c.Secret}, "token": {c.Token}}
	if c.RemoteIP != "" {
		form.Set("ip", c.RemoteIP)
	}
	var a smartcaptchaAnswer
	if err := postForm(ctx, s.http, s.endpoint, form, &a); err != nil {
		return otp.ChallengeAnswer{}, err
	}
	switch a.Status {
	case "ok":
		return otp.ChallengeAnswer{Success: true, Hostname: a.Host}, nil
	case "failed":
		ans := otp.ChallengeAnswer{Reason: otp.ChallengeInvalidToken}
		if a.Message != "" {
			ans.ProviderErrors = []string{a.Message}
		}
		// Yandex asks not to branch on the message, except that a refused
		// secret is a setting to fix, not a robot.
		if strings.HasPrefix(a.Message, "Authentication failed") {
			ans.Reason = otp.ChallengeSecretRejected
		}
		return ans, nil
	default:
		return otp.ChallengeAnswer{}, fmt.Errorf("answer with status %q", a.Status)
	}
}
