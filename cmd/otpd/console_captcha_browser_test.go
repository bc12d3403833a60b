package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/otpd/otpd/internal/captcha/captchatest"
	"github.com/otpd/otpd/internal/otp"
)

// TestConsoleCaptchaSettings turns the CAPTCHA on from a project's
// settings page, with the keyboard where a person would use it: turning
// it on without a secret key shows the server's error by that field; with
// one it saves, the page never shows the key again, and the project then
// refuses a send without a token and accepts one the (fake) provider
// vouches for.
func TestConsoleCaptchaSettings(t *testing.T) {
	chrome := chromiumPath(t)
	fake := captchatest.NewServer(t)
	path := writeConfig(t, fmt.Sprintf("captcha:\n  turnstile_url: %s\n", fake.URL))
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": path})
	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "Shop"})
	if st != 201 {
		t.Fatal(st, p)
	}
	projectID := data(p)["id"].(string)
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "web", "projectId": projectID, "environment": "test"})
	if st != 201 {
		t.Fatal(st, a)
	}
	apiKey := data(a)["apiKey"].(string)
	secret := fake.Secret(otp.Turnstile)

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#console-token")))
	b.do(chromedp.SendKeys(chromedp.CSS("#console-token"), testAdminToken))
	b.clickButton("Sign in")
	b.waitText("main h1", "Projects")
	b.do(chromedp.Navigate(base + "/console/#/projects/" + projectID + "/settings"))
	b.waitText("main form", "CAPTCHA")

	// Every control of the section is labelled.
	section := `//fieldset[legend[normalize-space()="CAPTCHA"]]`
	unlabelled := b.eval(fmt.Sprintf(`String([...document.evaluate(%q, document, null, 9, null).singleNodeValue.querySelectorAll("input, select, textarea")].filter((c) => c.labels.length === 0).length)`, section))
	if unlabelled != "0" {
		t.Errorf("%s unlabelled controls in the CAPTCHA section, want none", unlabelled)
	}

	// On, by keyboard: focus the checkbox and press space; then the
	// provider, the site key and an allowed host, but no secret key yet.
	enabled := `[data-field="policy.challenge.enabled"] input`
	b.do(chromedp.Focus(chromedp.CSS(enabled)), chromedp.KeyEvent(" "))
	if got := b.eval(fmt.Sprintf(`String(document.querySelector(%q).checked)`, enabled)); got != "true" {
		t.Fatalf("checkbox after space = %s, want checked", got)
	}
	b.do(chromedp.Focus(chromedp.CSS(`[data-field="policy.challenge.provider"] select`)), chromedp.KeyEvent("Cloudflare"))
	b.do(chromedp.SendKeys(chromedp.CSS(`[data-field="policy.challenge.siteKey"] input`), fake.SiteKey(otp.Turnstile)),
		chromedp.SendKeys(chromedp.CSS(`[data-field="policy.challenge.hostnames"] textarea`), "shop.example"))
	b.clickButton("Save settings")
	b.waitText(`[data-field="policy.challenge.secretKey"] .field-error`, "secretKey is required")

	secretInput := `[data-field="policy.challenge.secretKey"] input`
	if got := b.eval(fmt.Sprintf(`document.querySelector(%q).type`, secretInput)); got != "password" {
		t.Errorf("secret key input type = %q, want password", got)
	}
	b.do(chromedp.SendKeys(chromedp.CSS(secretInput), secret), chromedp.KeyEvent(kb.Enter))
	b.waitText("#status", "Settings saved.")
	b.waitText(`[data-field="policy.challenge.secretKey"] .hint`, "A secret key is saved (****")
	if got := b.eval(fmt.Sprintf(`document.querySelector(%q).value`, secretInput)); got != "" {
		t.Errorf("secret key field after saving = %q, want it emptied", got)
	}

	// After a reload: the settings are there, the key is not.
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(enabled)))
	b.waitText("main form", "CAPTCHA")
	got := b.eval(`JSON.stringify([document.querySelector('[data-field="policy.challenge.enabled"] input').checked,
		document.querySelector('[data-field="policy.challenge.provider"] select').value,
		document.querySelector('[data-field="policy.challenge.siteKey"] input').value,
		document.querySelector('[data-field="policy.challenge.secretKey"] input').value,
		document.querySelector('[data-field="policy.challenge.hostnames"] textarea').value])`)
	if want := fmt.Sprintf(`[true,"turnstile",%q,"","shop.example"]`, fake.SiteKey(otp.Turnstile)); got != want {
		t.Errorf("settings after reload = %s, want %s", got, want)
	}
	b.wantText(`[data-field="policy.challenge.secretKey"] .hint`, "A secret key is saved")
	if b.eval(fmt.Sprintf(`String(document.documentElement.outerHTML.includes(%q))`, secret)) != "false" {
		t.Error("the page holds the secret key")
	}
	b.shot("project-captcha")
	b.assertNoConsoleErrors()

	// The project now asks for the CAPTCHA, with the key the console saved.
	send := func(token string) int {
		body, _ := json.Marshal(map[string]any{"to": "+14155552671", "channel": "sms"})
		req, _ := http.NewRequest("POST", base+"/v1/verifications", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		if token != "" {
			req.Header.Set("X-Challenge-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := send(""); st != 400 {
		t.Errorf("send without a token: %d, want 400", st)
	}
	if st := send(fake.Token(otp.Turnstile, captchatest.Solve{Hostname: "shop.example"})); st != 201 {
		t.Errorf("send with a good token: %d, want 201", st)
	}
	if reqs := fake.Requests(); len(reqs) != 1 || reqs[0].Secret != secret || !strings.HasPrefix(reqs[0].Token, "turnstile.") {
		t.Errorf("the provider was asked %+v, want once with the saved secret key", reqs)
	}
}
