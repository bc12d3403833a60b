package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/captcha"
	"github.com/otpd/otpd/internal/captcha/captchatest"
	"github.com/otpd/otpd/internal/otp"
)

// captchaHarness is a harness whose CAPTCHA providers are the fake.
func captchaHarness(t *testing.T) (*harness, *captchatest.Server) {
	fake := captchatest.NewServer(t)
	v := captcha.New(captcha.Config{TurnstileURL: fake.URL, ReCAPTCHAURL: fake.URL, HCaptchaURL: fake.URL, SmartCaptchaURL: fake.URL})
	return newHarness(t, harnessOptions{challenges: v}), fake
}

// challengeApp creates a project whose challenge is p's fake site, with
// the extra settings in extra, and a test application in it.
func challengeApp(h *harness, fake *captchatest.Server, p otp.ChallengeProvider, extra map[string]any) (projectID, key string) {
	h.t.Helper()
	c := map[string]any{"enabled": true, "provider": string(p), "siteKey": fake.SiteKey(p), "secretKey": fake.Secret(p)}
	for k, v := range extra {
		c[k] = v
	}
	projectID = h.mustStatus(h.do("POST", "/v1/projects", adminToken, map[string]any{"name": "captcha " + string(p), "policy": map[string]any{"challenge": c}}), 201).data()["id"].(string)
	r := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": projectID, "environment": "test"}), 201)
	return projectID, r.data()["apiKey"].(string)
}

func (r response) errDetail(name string) any {
	e, _ := r.body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d[name]
}

// TestChallengeEachProvider runs the enforcement against each provider's
// real client and the fake: a missing token, a good one, the same one
// again, one solved on another site, a low reCAPTCHA v3 score, a provider
// that is down; only the accepted request creates a verification and
// sends a message.
func TestChallengeEachProvider(t *testing.T) {
	low, high := 0.3, 0.9
	for _, p := range otp.ChallengeProviders {
		t.Run(string(p), func(t *testing.T) {
			h, fake := captchaHarness(t)
			extra := map[string]any{"hostnames": []string{"shop.example", "*.shop.example"}}
			if p == otp.ReCAPTCHA {
				extra["minScore"] = 0.5
			}
			_, key := challengeApp(h, fake, p, extra)
			body := map[string]any{"to": "+14155552671", "channel": "sms"}
			create := func(token string, extraBody map[string]any) response {
				b := map[string]any{}
				for k, v := range body {
					b[k] = v
				}
				for k, v := range extraBody {
					b[k] = v
				}
				if token == "" {
					return h.do("POST", "/v1/verifications", key, b)
				}
				return h.do("POST", "/v1/verifications", key, b, "X-Challenge-Token", token)
			}

			r := create("", nil)
			if r.status != 400 || r.errCode() != "CHALLENGE_REQUIRED" {
				t.Errorf("no token: %d %s, want 400 CHALLENGE_REQUIRED", r.status, r.raw)
			}

			good := fake.Token(p, captchatest.Solve{Hostname: "www.shop.example", Action: "login", Score: &high})
			r = create(good, map[string]any{"remoteIp": "198.51.100.23"})
			if r.status != 201 {
				t.Fatalf("good token: %d %s, want 201", r.status, r.raw)
			}
			reqs := fake.Requests()
			if last := reqs[len(reqs)-1]; last.RemoteIP != "198.51.100.23" || last.Token != good || last.Secret != fake.Secret(p) {
				t.Errorf("the provider was asked %+v; want the token, the project's secret and the user's address from remoteIp", last)
			}

			wantReuse := otp.ChallengeTokenUsed
			if p == otp.SmartCaptcha {
				wantReuse = otp.ChallengeInvalidToken // Yandex's one message covers forged, expired and reused
			}
			for _, tc := range []struct {
				name   string
				token  string
				reason string
			}{
				{"reused token", good, wantReuse},
				{"forged token", "forged." + string(p), otp.ChallengeInvalidToken},
				{"another site", fake.Token(p, captchatest.Solve{Hostname: "evil.example", Score: &high}), otp.ChallengeHostname},
				{"a look-alike site", fake.Token(p, captchatest.Solve{Hostname: "notshop.example", Score: &high}), otp.ChallengeHostname},
			} {
				r := create(tc.token, nil)
				if r.status != 403 || r.errCode() != "CHALLENGE_FAILED" || r.errDetail("reason") != tc.reason {
					t.Errorf("%s: %d %s, want 403 CHALLENGE_FAILED with reason %s", tc.name, r.status, r.raw, tc.reason)
				}
			}
			if p == otp.ReCAPTCHA {
				r := create(fake.Token(p, captchatest.Solve{Hostname: "shop.example", Score: &low}), nil)
				if r.status != 403 || r.errDetail("reason") != otp.ChallengeScoreTooLow {
					t.Errorf("score 0.3 under 0.5: %d %s, want 403 score_too_low", r.status, r.raw)
				}
				r = create(fake.Token(p, captchatest.Solve{Hostname: "shop.example"}), nil)
				if r.status != 403 || r.errDetail("reason") != otp.ChallengeScoreTooLow {
					t.Errorf("no score (a v2 key) with a minimum: %d %s, want 403 score_too_low", r.status, r.raw)
				}
			}

			fake.FailWith(503)
			r = create(fake.Token(p, captchatest.Solve{Hostname: "shop.example", Score: &high}), nil)
			if r.status != 503 || r.errCode() != "CHALLENGE_UNAVAILABLE" {
				t.Errorf("provider down: %d %s, want 503 CHALLENGE_UNAVAILABLE", r.status, r.raw)
			}
			fake.FailWith(0)

			if l := h.mustStatus(h.do("GET", "/v1/verifications", key, nil), 200).list(); len(l) != 1 {
				t.Errorf("%d verifications, want only the accepted one", len(l))
			}
			h.deliver()
			if l := h.mustStatus(h.do("GET", "/v1/test/messages?to=%2B14155552671", key, nil), 200).list(); len(l) != 1 {
				t.Errorf("%d messages sent, want only the accepted one's", len(l))
			}
		})
	}
}

// TestChallengeTokenPlacesAndMessages: the token may come in the header,
// the legacy Turnstile header or the body; errors are in English or
// Russian.
func TestChallengeTokenPlacesAndMessages(t *testing.T) {
	h, fake := captchaHarness(t)
	_, key := challengeApp(h, fake, otp.Turnstile, nil)
	for i, place := range []string{"X-Challenge-Token", "X-CF-Turnstile-Token", "body"} {
		tok := fake.Token(otp.Turnstile, captchatest.Solve{Hostname: "a.example"})
		body := map[string]any{"to": fmt.Sprintf("+1415555267%d", i), "channel": "sms"}
		var r response
		if place == "body" {
			body["challengeToken"] = tok
			r = h.do("POST", "/v1/verifications", key, body)
		} else {
			r = h.do("POST", "/v1/verifications", key, body, place, tok)
		}
		if r.status != 201 {
			t.Errorf("token in %s: %d %s, want 201", place, r.status, r.raw)
		}
	}
	r := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}, "Accept-Language", "ru")
	if r.errCode() != "CHALLENGE_REQUIRED" || !strings.Contains(r.errMessage(), "токен CAPTCHA") {
		t.Errorf("Russian CHALLENGE_REQUIRED: %s", r.raw)
	}
	r = h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}, "X-Challenge-Token", "forged", "Accept-Language", "ru")
	if r.errCode() != "CHALLENGE_FAILED" || !strings.Contains(r.errMessage(), "CAPTCHA не пройдена (invalid_token)") {
		t.Errorf("Russian CHALLENGE_FAILED: %s", r.raw)
	}
	fake.FailWith(502)
	r = h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}, "X-Challenge-Token", "t", "Accept-Language", "ru")
	if r.errCode() != "CHALLENGE_UNAVAILABLE" || !strings.Contains(r.errMessage(), "провайдеру CAPTCHA") {
		t.Errorf("Russian CHALLENGE_UNAVAILABLE: %s", r.raw)
	}
}

// TestChallengeIdempotentRetry: a retry of an accepted create with its
// Idempotency-Key replays the first answer without asking the provider
// again, whatever token it carries; a refused create stores nothing, so
// the same key works once the user solves the CAPTCHA.
func TestChallengeIdempotentRetry(t *testing.T) {
	h, fake := captchaHarness(t)
	_, key := challengeApp(h, fake, otp.HCaptcha, nil)
	body := `{"to":"+14155552671","channel":"sms"}`

	r := h.do("POST", "/v1/verifications", key, body, "Idempotency-Key", "k-1", "X-Challenge-Token", "forged")
	if r.status != 403 {
		t.Fatalf("forged token: %d %s, want 403", r.status, r.raw)
	}
	tok := fake.Token(otp.HCaptcha, captchatest.Solve{Hostname: "a.example"})
	first := h.mustStatus(h.do("POST", "/v1/verifications", key, body, "Idempotency-Key", "k-1", "X-Challenge-Token", tok), 201)
	asked := len(fake.Requests())

	for _, retry := range []struct {
		name    string
		body    string
		headers []string
	}{
		{"same token", body, []string{"X-Challenge-Token", tok}},
		{"no token", body, nil},
		{"a new token in the body", `{"channel":"sms","to":"+14155552671","challengeToken":"another","remoteIp":"192.0.2.1"}`, nil},
	} {
		again := h.do("POST", "/v1/verifications", key, retry.body, append([]string{"Idempotency-Key", "k-1"}, retry.headers...)...)
		if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || again.data()["id"] != first.data()["id"] {
			t.Errorf("retry with %s: %d %s, want the first answer replayed", retry.name, again.status, again.raw)
		}
	}
	if n := len(fake.Requests()); n != asked {
		t.Errorf("the provider was asked %d more times, want none for replays", n-asked)
	}
	other := h.do("POST", "/v1/verifications", key, `{"to":"+14155552672","channel":"sms"}`, "Idempotency-Key", "k-1", "X-Challenge-Token", "x")
	if other.status != 409 {
		t.Errorf("same key, another request: %d %s, want 409", other.status, other.raw)
	}
}

// TestChallengeOnlyOnCreate: resend and check need no token, and a
// project without a challenge ignores one.
func TestChallengeOnlyOnCreate(t *testing.T) {
	h, fake := captchaHarness(t)
	project, key := challengeApp(h, fake, otp.SmartCaptcha, nil)
	h.mustStatus(h.do("PATCH", "/v1/projects/"+project, adminToken, map[string]any{"policy": map[string]any{"resendCooldown": 0}}), 200)
	tok := fake.Token(otp.SmartCaptcha, captchatest.Solve{Hostname: "a.example"})
	id := h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}, "X-Challenge-Token", tok), 201).data()["id"].(string)
	h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/resend", key, nil), 200)
	code := h.inboxCode(key, "+14155552671")
	if v := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data(); v["valid"] != true {
		t.Errorf("check: %v, want valid", v)
	}

	_, plain := h.createApp("test")
	asked := len(fake.Requests())
	h.mustStatus(h.do("POST", "/v1/verifications", plain, map[string]any{"to": "+14155552672", "channel": "sms"}, "X-Challenge-Token", "whatever"), 201)
	if len(fake.Requests()) != asked {
		t.Error("a project without a challenge asked the provider")
	}
}

// TestChallengeWithoutVerifier: a deployment without CAPTCHA clients
// refuses the sends of a project that needs one rather than let them through.
func TestChallengeWithoutVerifier(t *testing.T) {
	h := newHarness(t)
	fake := captchatest.NewServer(t)
	_, key := challengeApp(h, fake, otp.Turnstile, nil)
	r := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}, "X-Challenge-Token", "t")
	if r.status != 503 || r.errCode() != "CHALLENGE_UNAVAILABLE" {
		t.Errorf("%d %s, want 503 CHALLENGE_UNAVAILABLE", r.status, r.raw)
	}
}

// TestChallengeSecretIsWriteOnly: the secret key is never in an answer —
// the project, the list, the audit log — only whether it is set and a
// masked preview; leaving it out keeps it, changing the provider drops it.
func TestChallengeSecretIsWriteOnly(t *testing.T) {
	h, _ := captchaHarness(t)
	secret := "0x4AAAAAAA-very-secret-turnstile-key"
	r := h.mustStatus(h.do("POST", "/v1/projects", adminToken, map[string]any{"name": "P", "policy": map[string]any{"challenge": map[string]any{
		"enabled": true, "provider": "turnstile", "siteKey": "0x4AAAAAAAsite", "secretKey": secret, "hostnames": []string{"Shop.Example"},
	}}}), 201)
	id := r.data()["id"].(string)
	c := r.data()["policy"].(map[string]any)["challenge"].(map[string]any)
	if c["secretKeySet"] != true || c["secretKeyPreview"] != "****-key" || c["enabled"] != true || fmt.Sprint(c["hostnames"]) != "[shop.example]" {
		t.Errorf("challenge = %v; want enabled, secretKeySet, a masked preview and the host name in lower case", c)
	}
	if _, ok := c["secretKey"]; ok {
		t.Errorf("the answer has a secretKey field: %v", c)
	}

	// A change without secretKey keeps the secret.
	r = h.mustStatus(h.do("PATCH", "/v1/projects/"+id, adminToken, map[string]any{"policy": map[string]any{"challenge": map[string]any{"siteKey": "0x4AAAAAAAother"}}}), 200)
	if c := r.data()["policy"].(map[string]any)["challenge"].(map[string]any); c["secretKeySet"] != true || c["siteKey"] != "0x4AAAAAAAother" || c["enabled"] != true {
		t.Errorf("after a site key change: %v, want the secret kept", c)
	}
	// The console sends back what it read, with an empty secretKey.
	r = h.mustStatus(h.do("PATCH", "/v1/projects/"+id, adminToken, map[string]any{"policy": map[string]any{"challenge": map[string]any{
		"enabled": true, "provider": "turnstile", "siteKey": "0x4AAAAAAAother", "secretKey": "", "secretKeySet": true, "secretKeyPreview": "****-key", "minScore": 0, "hostnames": []string{},
	}}}), 200)
	if c := r.data()["policy"].(map[string]any)["challenge"].(map[string]any); c["secretKeySet"] != true {
		t.Errorf("after an empty secretKey: %v, want the secret kept", c)
	}
	// Another provider needs its own secret.
	r = h.do("PATCH", "/v1/projects/"+id, adminToken, map[string]any{"policy": map[string]any{"challenge": map[string]any{"provider": "hcaptcha"}}})
	if r.status != 400 || r.errField() != "policy.challenge.secretKey" {
		t.Errorf("new provider without a secret: %d %s, want 400 on policy.challenge.secretKey", r.status, r.raw)
	}

	if audit := string(h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).raw); !strings.Contains(audit, "PATCH /v1/projects/{id}") {
		t.Errorf("the audit log lacks the settings changes: %s", audit)
	}
	for _, path := range []string{"/v1/projects/" + id, "/v1/projects", "/v1/audit", "/openapi.json"} {
		raw := string(h.mustStatus(h.do("GET", path, adminToken, nil), 200).raw)
		if strings.Contains(raw, secret) || strings.Contains(raw, "very-secret") {
			t.Errorf("GET %s shows the secret key", path)
		}
	}
	// The stored form is sealed: the store's copy does not hold the plaintext.
	p, err := h.svc.GetProject(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(p.Policy.Challenge.SecretSealed), secret) || !p.Policy.Challenge.SecretSet() {
		t.Errorf("sealed secret %q; want it set and not in plaintext", p.Policy.Challenge.SecretSealed)
	}
}

// TestChallengeTenantIsolation: another developer neither sees nor
// changes a project's challenge.
func TestChallengeTenantIsolation(t *testing.T) {
	h, _ := captchaHarness(t)
	a := h.developer("a@example.com")
	b := h.developer("b@example.com")
	id := h.mustStatus(h.do("POST", "/v1/projects", a, map[string]any{"name": "A's", "policy": map[string]any{"challenge": map[string]any{
		"enabled": true, "provider": "recaptcha", "siteKey": "6Le-site", "secretKey": "6Le-secret-of-developer-a",
	}}}), 201).data()["id"].(string)
	for _, r := range []response{
		h.do("GET", "/v1/projects/"+id, b, nil),
		h.do("PATCH", "/v1/projects/"+id, b, map[string]any{"policy": map[string]any{"challenge": map[string]any{"enabled": false}}}),
	} {
		if r.status != 404 || strings.Contains(string(r.raw), "6Le") {
			t.Errorf("another developer: %d %s, want 404 and nothing of the project", r.status, r.raw)
		}
	}
	c := h.mustStatus(h.do("GET", "/v1/projects/"+id, a, nil), 200).data()["policy"].(map[string]any)["challenge"].(map[string]any)
	if c["enabled"] != true {
		t.Errorf("the owner's challenge = %v, want still enabled", c)
	}
}

// TestChallengeNotAskedOfConsoleTestSends: the console's test send comes
// from a signed-in developer, so it needs no CAPTCHA and asks no provider;
// the same project's API key still does.
func TestChallengeNotAskedOfConsoleTestSends(t *testing.T) {
	h, fake := captchaHarness(t)
	project, key := challengeApp(h, fake, otp.Turnstile, nil)
	apps := h.mustStatus(h.do("GET", "/v1/applications?projectId="+project, adminToken, nil), 200).list()
	appID := apps[0].(map[string]any)["id"].(string)

	asked := len(fake.Requests())
	h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/test-send", adminToken, map[string]any{"to": "+14155552671", "channel": "sms"}), 201)
	if len(fake.Requests()) != asked {
		t.Error("the console's test send asked the CAPTCHA provider")
	}
	if r := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552672", "channel": "sms"}); r.errCode() != "CHALLENGE_REQUIRED" {
		t.Errorf("the API key without a token: %d %s, want CHALLENGE_REQUIRED", r.status, r.raw)
	}
}
