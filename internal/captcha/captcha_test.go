package captcha_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/captcha"
	"github.com/otpd/otpd/internal/captcha/captchatest"
	"github.com/otpd/otpd/internal/otp"
)

func verifierFor(fake *captchatest.Server) *captcha.Verifier {
	return captcha.New(captcha.Config{TurnstileURL: fake.URL, ReCAPTCHAURL: fake.URL, HCaptchaURL: fake.URL, SmartCaptchaURL: fake.URL})
}

func check(fake *captchatest.Server, p otp.ChallengeProvider, token string) otp.ChallengeCheck {
	return otp.ChallengeCheck{Provider: p, SiteKey: fake.SiteKey(p), Secret: fake.Secret(p), Token: token, RemoteIP: "203.0.113.7"}
}

// TestEachProvider runs every provider's client against the fake: a good
// token passes once and reports where it was solved, the same token again
// is refused, an unknown one is refused, a wrong secret is told apart,
// and a provider answering 503 gives no verdict.
func TestEachProvider(t *testing.T) {
	score := 0.9
	for _, tc := range []struct {
		p          otp.ChallengeProvider
		reuse      string // reason for a token checked twice
		reuseCode  string // the provider's own words for it
		unknownErr string
	}{
		{otp.Turnstile, otp.ChallengeTokenUsed, "timeout-or-duplicate", "invalid-input-response"},
		{otp.ReCAPTCHA, otp.ChallengeTokenUsed, "timeout-or-duplicate", "invalid-input-response"},
		{otp.HCaptcha, otp.ChallengeTokenUsed, "already-seen-response", "invalid-input-response"},
		{otp.SmartCaptcha, otp.ChallengeInvalidToken, "Invalid or expired Token.", "Invalid or expired Token."},
	} {
		t.Run(string(tc.p), func(t *testing.T) {
			fake := captchatest.NewServer(t)
			v := verifierFor(fake)
			ctx := t.Context()
			tok := fake.Token(tc.p, captchatest.Solve{Hostname: "shop.example", Action: "login", Score: &score})

			ans, err := v.VerifyChallenge(ctx, check(fake, tc.p, tok))
			if err != nil || !ans.Success || ans.Hostname != "shop.example" || ans.Reason != "" {
				t.Fatalf("good token: %+v, %v; want success on shop.example", ans, err)
			}
			if wantScore := tc.p == otp.ReCAPTCHA; ans.HasScore != wantScore || wantScore && ans.Score != 0.9 {
				t.Errorf("score = %v (has %v); want 0.9 from reCAPTCHA only", ans.Score, ans.HasScore)
			}

			ans, err = v.VerifyChallenge(ctx, check(fake, tc.p, tok))
			if err != nil || ans.Success || ans.Reason != tc.reuse || !slices.Equal(ans.ProviderErrors, []string{tc.reuseCode}) {
				t.Errorf("reused token: %+v, %v; want refused as %s (%s)", ans, err, tc.reuse, tc.reuseCode)
			}

			ans, err = v.VerifyChallenge(ctx, check(fake, tc.p, "forged-token"))
			if err != nil || ans.Success || ans.Reason != otp.ChallengeInvalidToken || !slices.Equal(ans.ProviderErrors, []string{tc.unknownErr}) {
				t.Errorf("unknown token: %+v, %v; want refused as invalid_token (%s)", ans, err, tc.unknownErr)
			}

			bad := check(fake, tc.p, fake.Token(tc.p, captchatest.Solve{}))
			bad.Secret = "not-the-secret-0123456789"
			ans, err = v.VerifyChallenge(ctx, bad)
			if err != nil || ans.Success || ans.Reason != otp.ChallengeSecretRejected {
				t.Errorf("wrong secret: %+v, %v; want refused as secret_rejected", ans, err)
			}

			fake.FailWith(http.StatusServiceUnavailable)
			ans, err = v.VerifyChallenge(ctx, check(fake, tc.p, fake.Token(tc.p, captchatest.Solve{})))
			if err == nil {
				t.Errorf("provider down: %+v, nil error; want an error (no verdict)", ans)
			}

			for _, r := range fake.Requests() {
				if r.Method != http.MethodPost || r.RemoteIP != "203.0.113.7" {
					t.Errorf("request %+v; want a POST carrying the user's address", r)
				}
				if !userAgent.MatchString(r.UserAgent) {
					t.Errorf("User-Agent = %q, want otpd/x.y.z", r.UserAgent)
				}
				if tc.p == otp.HCaptcha && r.SiteKey != fake.SiteKey(otp.HCaptcha) {
					t.Errorf("hCaptcha request without the site key: %+v", r)
				}
			}
		})
	}
}

// userAgent is the User-Agent every verification request carries.
var userAgent = regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`)

// TestTurnstileIdempotentRetry: with the same idempotency key Turnstile
// answers again for a token it has judged; with another key it does not.
func TestTurnstileIdempotentRetry(t *testing.T) {
	fake := captchatest.NewServer(t)
	v := verifierFor(fake)
	c := check(fake, otp.Turnstile, fake.Token(otp.Turnstile, captchatest.Solve{Hostname: "a.example"}))
	c.IdempotencyKey = "5e6ad7f4-3b0c-8c1e-9d2f-0a1b2c3d4e5f"
	for i := range 2 {
		if ans, err := v.VerifyChallenge(t.Context(), c); err != nil || !ans.Success {
			t.Fatalf("check %d with the same key: %+v, %v; want success", i+1, ans, err)
		}
	}
	if got := fake.Requests()[0].IdempotencyKey; got != c.IdempotencyKey {
		t.Errorf("idempotency_key sent = %q, want %q", got, c.IdempotencyKey)
	}
	c.IdempotencyKey = "00000000-0000-8000-8000-000000000000"
	if ans, err := v.VerifyChallenge(t.Context(), c); err != nil || ans.Success || ans.Reason != otp.ChallengeTokenUsed {
		t.Errorf("another key: %+v, %v; want refused as a duplicate", ans, err)
	}
}

// TestNoVerdict covers answers that are not a verdict: they must be
// errors, never a success and never a plain refusal.
func TestNoVerdict(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>maintenance</html>")) }},
		{"JSON without success", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"hostname":"x"}`)) }},
		{"Turnstile internal-error", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"success":false,"error-codes":["internal-error"]}`))
		}},
		{"rate limited", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://elsewhere.example/", http.StatusFound)
		}},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"success":true,"hostname":"` + strings.Repeat("a", 70<<10) + `"}`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			v := captcha.New(captcha.Config{TurnstileURL: srv.URL})
			ans, err := v.VerifyChallenge(t.Context(), otp.ChallengeCheck{Provider: otp.Turnstile, Secret: "s", Token: "t"})
			if err == nil {
				t.Errorf("answer %+v, nil error; want an error", ans)
			}
		})
	}
}

// TestTimeout: a provider that never answers is given up on, with an
// error, once the configured timeout passes.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	v := captcha.New(captcha.Config{SmartCaptchaURL: srv.URL, Timeout: 20 * time.Millisecond})
	_, err := v.VerifyChallenge(t.Context(), otp.ChallengeCheck{Provider: otp.SmartCaptcha, Secret: "s", Token: "t"})
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("err = %v, want the deadline exceeded", err)
	}
}

// TestSecretNotInErrors: errors are logged, so they must not carry the
// secret, whatever went wrong.
func TestSecretNotInErrors(t *testing.T) {
	v := captcha.New(captcha.Config{ReCAPTCHAURL: "http://127.0.0.1:1"})
	_, err := v.VerifyChallenge(t.Context(), otp.ChallengeCheck{Provider: otp.ReCAPTCHA, Secret: "TOPSECRET-abcdef", Token: "tok"})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("err = %v; want an error without the secret", err)
	}
}
