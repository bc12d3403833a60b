package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/captcha/captchatest"
	"github.com/otpd/otpd/internal/otp"
)

// TestCaptchaEndToEnd runs otpd with the captcha section of its
// configuration file pointing at the fake providers: a project that turns
// Turnstile on refuses a send without a token and accepts one with a token
// the fake hands out, once.
func TestCaptchaEndToEnd(t *testing.T) {
	fake := captchatest.NewServer(t)
	path := writeConfig(t, fmt.Sprintf("captcha:\n  timeout: 3s\n  turnstile_url: %s\n  recaptcha_url: %s\n  hcaptcha_url: %s\n  smartcaptcha_url: %s\n",
		fake.URL, fake.URL, fake.URL, fake.URL))
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": path}
	base, _, _ := startServe(t, env)

	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "captcha", "policy": map[string]any{"challenge": map[string]any{
		"enabled": true, "provider": "turnstile", "siteKey": fake.SiteKey(otp.Turnstile), "secretKey": fake.Secret(otp.Turnstile),
	}}})
	if st != 201 {
		t.Fatalf("create project: %d %v", st, p)
	}
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "web", "projectId": data(p)["id"], "environment": "test"})
	if st != 201 {
		t.Fatalf("create application: %d %v", st, a)
	}
	key := data(a)["apiKey"].(string)

	send := func(token string) (int, string) {
		b, _ := json.Marshal(map[string]any{"to": "+14155552671", "channel": "sms"})
		req, _ := http.NewRequest("POST", base+"/v1/verifications", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		if token != "" {
			req.Header.Set("X-Challenge-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		json.NewDecoder(res.Body).Decode(&body)
		e, _ := body["error"].(map[string]any)
		code, _ := e["code"].(string)
		return res.StatusCode, code
	}
	if st, code := send(""); st != 400 || code != "CHALLENGE_REQUIRED" {
		t.Errorf("without a token: %d %s, want 400 CHALLENGE_REQUIRED", st, code)
	}
	tok := fake.Token(otp.Turnstile, captchatest.Solve{Hostname: "shop.example"})
	if st, _ := send(tok); st != 201 {
		t.Errorf("with a good token: %d, want 201", st)
	}
	if st, code := send(tok); st != 403 || code != "CHALLENGE_FAILED" {
		t.Errorf("the same token again: %d %s, want 403 CHALLENGE_FAILED", st, code)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("the fake was asked %d times, want 2 (the request without a token asks no one)", n)
	}
}

func TestCaptchaConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"unknown key", "captcha:\n  turnstile: https://x.example\n", `captcha: unknown key "turnstile"`},
		{"negative timeout", "captcha:\n  timeout: -1s\n", "captcha.timeout: must be between"},
		{"timeout too long", "captcha:\n  timeout: 5m\n", "captcha.timeout: must be between"},
		{"url with a path", "captcha:\n  recaptcha_url: https://www.google.com/recaptcha/api/siteverify\n", "captcha.recaptcha_url: want a base URL"},
		{"url without a scheme", "captcha:\n  hcaptcha_url: api.hcaptcha.com\n", "captcha.hcaptcha_url: want a base URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfigFile(writeConfig(t, tc.text), envOf(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
