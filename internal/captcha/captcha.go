// Package captcha asks CAPTCHA providers whether a token from their
// browser widget is good: Cloudflare Turnstile, Google reCAPTCHA, hCaptcha
// and Yandex SmartCaptcha, each through its documented server-side
// verification endpoint, with plain net/http.
package captcha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/version"
)

// The providers' own addresses; Config overrides them for tests or for a
// mirror such as www.recaptcha.net.
const (
	TurnstileURL    = "https://challenges.cloudflare.com"
	ReCAPTCHAURL    = "https://www.google.com"
	HCaptchaURL     = "https://api.hcaptcha.com"
	SmartCaptchaURL = "https://smartcaptcha.yandexcloud.net"
)

// DefaultTimeout bounds one question to a provider: a user waits for it
// before any code is sent.
const DefaultTimeout = 5 * time.Second

// Config sets where the providers are and how long to wait for them.
type Config struct {
	// Base URLs (scheme and host, no path); empty means the provider's own.
	TurnstileURL, ReCAPTCHAURL, HCaptchaURL, SmartCaptchaURL string
	Timeout                                                  time.Duration // default DefaultTimeout
	HTTPClient                                               *http.Client  // default: one without redirects
	// Logger, if set, records each time a provider could not be asked,
	// so an operator sees an outage that users see as refused sends.
	Logger *slog.Logger
}

// Verifier asks the provider a check names. It is safe for concurrent use.
type Verifier struct {
	clients map[otp.ChallengeProvider]client
	timeout time.Duration
	log     *slog.Logger
}

var _ otp.ChallengeVerifier = (*Verifier)(nil)

// client speaks one provider's verification protocol.
type client interface {
	verify(ctx context.Context, c otp.ChallengeCheck) (otp.ChallengeAnswer, error)
}

// New returns a Verifier for every provider.
func New(c Config) *Verifier {
	hc := c.HTTPClient
	if hc == nil {
		// A verification endpoint never redirects; following one could
		// send the secret somewhere else.
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	base := func(v, def string) string { return strings.TrimSuffix(or(v, def), "/") }
	return &Verifier{
		clients: map[otp.ChallengeProvider]client{
			otp.Turnstile:    turnstile{endpoint: base(c.TurnstileURL, TurnstileURL) + "/turnstile/v0/siteverify", http: hc},
			otp.ReCAPTCHA:    recaptcha{endpoint: base(c.ReCAPTCHAURL, ReCAPTCHAURL) + "/recaptcha/api/siteverify", http: hc},
			otp.HCaptcha:     hcaptcha{endpoint: base(c.HCaptchaURL, HCaptchaURL) + "/siteverify", http: hc},
			otp.SmartCaptcha: smartcaptcha{endpoint: base(c.SmartCaptchaURL, SmartCaptchaURL) + "/validate", http: hc},
		},
		timeout: c.Timeout,
		log:     c.Logger,
	}
}

// VerifyChallenge asks c.Provider about c.Token. An error means the
// provider gave no verdict (unreachable, too slow, a server error, or an
// answer outside its protocol); the caller must then refuse, not allow.
func (v *Verifier) VerifyChallenge(ctx context.Context, c otp.ChallengeCheck) (otp.ChallengeAnswer, error) {
	cl, ok := v.clients[c.Provider]
	if !ok {
		return otp.ChallengeAnswer{}, fmt.Errorf("captcha: unknown provider %q", c.Provider)
	}
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	ans, err := cl.verify(ctx, c)
	if err != nil {
		err = fmt.Errorf("captcha %s: %w", c.Provider, err)
		if v.log != nil {
			v.log.Warn("CAPTCHA provider gave no verdict", "provider", string(c.Provider), "err", err)
		}
	}
	return ans, err
}

// maxAnswer bounds a provider's answer; real ones are a few hundred bytes.
const maxAnswer = 64 << 10

// postForm posts form to endpoint and decodes the JSON answer into out.
// Server errors and rate limiting are errors: the token was not judged.
// Other statuses count when they carry an answer in the protocol's shape,
// which is how some providers refuse a malformed request.
func postForm(ctx context.Context, hc *http.Client, endpoint string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent())
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests || res.StatusCode < 200 || res.StatusCode >= 300 && res.StatusCode < 400 {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if len(body) > maxAnswer {
		return errors.New("answer too large")
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("status %d, answer not in the protocol: %w", res.StatusCode, err)
	}
	return nil
}

// siteverifyAnswer is the answer shape Turnstile, reCAPTCHA and hCaptcha
// share. Success is a pointer so that an answer without it is refused as
// outside the protocol instead of read as a failure.
type siteverifyAnswer struct {
	Success     *bool    `json:"success"`
	ErrorCodes  []string `json:"error-codes"`
	Hostname    string   `json:"hostname"`
	Action      string   `json:"action"`
	Score       *float64 `json:"score"`
	ChallengeTS string   `json:"challenge_ts"`
}

// answer turns a siteverify answer into a verdict. Codes that mean the
// provider itself failed are no verdict at all.
func (a siteverifyAnswer) answer() (otp.ChallengeAnswer, error) {
	if a.Success == nil {
		return otp.ChallengeAnswer{}, errors.New("answer without success")
	}
	out := otp.ChallengeAnswer{Success: *a.Success, Hostname: a.Hostname, Action: a.Action, ProviderErrors: a.ErrorCodes}
	if a.Score != nil {
		out.Score, out.HasScore = *a.Score, true
	}
	if out.Success {
		out.ProviderErrors = nil
		return out, nil
	}
	out.Reason = otp.ChallengeInvalidToken
	for _, code := range a.ErrorCodes {
		switch code {
		case "internal-error":
			// Turnstile: "An internal error happened while validating the response. The request can be retried."
			return otp.ChallengeAnswer{}, errors.New("provider internal-error")
		case "timeout-or-duplicate", "already-seen-response", "invalid-or-already-seen-response", "expired-input-response":
			out.Reason = otp.ChallengeTokenUsed
		case "missing-input-secret", "invalid-input-secret", "sitekey-secret-mismatch", "invalid-sitekey":
			out.Reason = otp.ChallengeSecretRejected
			return out, nil
		}
	}
	return out, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
