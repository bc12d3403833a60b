package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/otpd/otpd/internal/captcha/captchatest"
	"github.com/otpd/otpd/internal/otp"
)

// shopSite is a site on another origin that embeds the widget in its own
// page, under a Content-Security-Policy as strict as the hosted page's
// that allows otpd's origin and nothing else. Its script (no inline
// script) mounts the widget and shows the token it is handed.
func shopSite(t *testing.T, otpdURL, publicKey string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; script-src 'self' %[1]s; style-src %[1]s; img-src %[1]s; connect-src %[1]s; base-uri 'none'; frame-ancestors 'none'", otpdURL))
		fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop checkout</title>
<script src="%s/static/otpd.js"></script></head>
<body><h1>Checkout</h1><div id="verify"></div><p>Token: <output id="token"></output></p>
<script src="/shop.js"></script></body></html>`, otpdURL)
	})
	mux.HandleFunc("GET /shop.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `otpd.mount(document.getElementById("verify"), {
  publicKey: %q,
  baseUrl: %q,
  onVerified(token) { document.getElementById("token").textContent = token; },
});`, publicKey, otpdURL)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestWidget mounts the widget (/static/otpd.js) in a page of another
// origin, which the application lists in its allowedOrigins, in headless
// Chromium: the page styles it from otpd's stylesheet under its own strict
// CSP; a person sends a code by SMS, asks for it again on WhatsApp (while
// SMS counts down and ignores clicks), and the code arrives through
// WebOTP, which checks it at once; onVerified gets a token that the
// application's server redeems once.
func TestWidget(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	app := newFlowApp(t, base, map[string]any{"codeLength": 4}, map[string]any{})
	site := shopSite(t, base, app.publicKey)
	if st, res := call(t, "PATCH", base+"/v1/applications/"+app.id, testAdminToken, map[string]any{"allowedOrigins": []string{site}}); st != 200 {
		t.Fatalf("allowedOrigins: %d %v", st, res)
	}

	b := newBrowser(t, chrome)
	b.onEveryPage(webOTPStub)
	b.do(chromedp.Navigate(site))
	b.waitText("#verify h2", "Verify your phone or email")
	// Styled by otpd.css, which the widget linked from otpd.
	if got := b.eval(`getComputedStyle(document.querySelector("#verify .otpd-button")).backgroundColor`); got != "rgb(29, 78, 216)" {
		t.Errorf("the widget's button background = %s, want otpd.css's accent", got)
	}
	if got := b.eval(`document.activeElement.tagName`); got != "BODY" {
		t.Errorf("the widget took the focus when mounted (%s): a site's page keeps it", got)
	}

	b.do(chromedp.SendKeys(chromedp.CSS("#verify input[name=to]"), "+14155552671"), chromedp.KeyEvent(kb.Enter))
	b.waitText("#verify .otpd-code-step .otpd-lead", "We sent a code by SMS to +14155552671.")
	if got := b.eval(`document.querySelector("#verify input[name=code]").placeholder`); got != "••••" {
		t.Errorf("code placeholder %q, want the project's 4 places", got)
	}

	// Again on WhatsApp; SMS is still counting down and a click does nothing.
	b.do(chromedp.Click(chromedp.CSS(`#verify [data-channel="whatsapp"]`)))
	b.waitText("#verify .otpd-code-step .otpd-lead", "We sent a code by WhatsApp to +14155552671.")
	b.do(chromedp.Click(chromedp.CSS(`#verify [data-channel="sms"]`)))
	b.wantText("#verify .otpd-code-step .otpd-lead", "by WhatsApp")
	if got := b.eval(`[...document.querySelectorAll("#verify .otpd-channel[aria-disabled=true]")].map((c) => c.dataset.channel).join()`); got != "sms,whatsapp" {
		t.Errorf("channels waiting = %s, want sms,whatsapp", got)
	}
	msg := inboxMessage(t, base, app, "+14155552671")
	if msg["channel"] != "whatsapp" {
		t.Errorf("newest message on %v, want whatsapp", msg["channel"])
	}

	// The SMS arrives: WebOTP hands the page its code, which it checks.
	if got := b.eval(`JSON.stringify(window.__webotp.asked)`); got != `["{\"transport\":[\"sms\"]}"]` {
		t.Errorf("WebOTP requests = %s, want one, for the SMS", got)
	}
	b.eval(fmt.Sprintf(`window.__webotp.resolve(%q), "ok"`, msg["code"].(string)))
	b.waitText("#token", "vt_")
	b.wantText("#verify .otpd-done", "Verified.")
	wantRedeemedOnce(t, base, app, b.text("#token"), "+14155552671", "whatsapp")
	b.assertNoConsoleErrors()
}

// TestHostedPageCaptcha runs the hosted page for a project with each
// CAPTCHA provider (the repo's fake, at the address the configuration
// file names): the page's CSP allows that host for the provider's script
// and frame, the provider's widget renders and is solved, and the create
// carries its token, which the provider is asked about once. No console
// error, so no CSP violation.
func TestHostedPageCaptcha(t *testing.T) {
	chrome := chromiumPath(t)
	fake := captchatest.NewServer(t)
	path := writeConfig(t, fmt.Sprintf("captcha:\n  turnstile_url: %[1]s\n  recaptcha_url: %[1]s\n  hcaptcha_url: %[1]s\n  smartcaptcha_url: %[1]s\n", fake.URL))
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": path})
	back := returnSite(t) + "/verified"
	b := newBrowser(t, chrome)
	for _, p := range []otp.ChallengeProvider{otp.Turnstile, otp.ReCAPTCHA, otp.HCaptcha, otp.SmartCaptcha} {
		t.Run(string(p), func(t *testing.T) {
			b.t = t
			app := newFlowApp(t, base, map[string]any{"challenge": map[string]any{
				"enabled": true, "provider": string(p), "siteKey": fake.SiteKey(p), "secretKey": fake.Secret(p),
			}}, map[string]any{"returnUrls": []string{back}})
			hosted := base + "/hosted/" + app.publicKey
			res, _ := fetchPage(t, hosted, nil)
			csp := res.Header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self' ", "frame-src "} {
				i := strings.Index(csp, want)
				if i < 0 || !strings.Contains(strings.SplitN(csp[i:], ";", 2)[0], fake.URL) {
					t.Errorf("CSP %q: %s… does not allow %s", csp, want, fake.URL)
				}
			}

			b.do(chromedp.Navigate(hosted))
			b.waitText("main h1", "Verify your phone or email")
			b.do(chromedp.WaitVisible(chromedp.CSS(`.otpd-captcha[data-otpd-captcha="solved"] iframe`)))
			if got := b.eval(`document.querySelector(".otpd-captcha iframe").src`); !strings.HasPrefix(got, fake.URL+"/widget-frame?") {
				t.Errorf("CAPTCHA frame from %s, want the provider's (%s)", got, fake.URL)
			}
			before := len(fake.Requests())
			b.do(chromedp.SendKeys(chromedp.CSS("input[name=to]"), "+14155552671"), chromedp.KeyEvent(kb.Enter))
			b.waitText(".otpd-code-step .otpd-lead", "We sent a code by SMS")
			reqs := fake.Requests()[before:]
			if len(reqs) != 1 || reqs[0].Provider != p || !strings.HasPrefix(reqs[0].Token, string(p)+".") || reqs[0].RemoteIP != "127.0.0.1" {
				t.Errorf("the provider was asked %+v, want once about the widget's token, with the person's address", reqs)
			}
			// The widget is reset for a next create: its token was spent.
			var reloaded bool
			b.pollJSON(`document.querySelector(".otpd-captcha iframe").src.includes("load=1")`, &reloaded)
			code := inboxMessage(t, base, app, "+14155552671")["code"].(string)
			b.do(chromedp.SendKeys(chromedp.CSS("input[name=code]"), code))
			href := b.waitLocation(back + "?verify_token=")
			wantRedeemedOnce(t, base, app, strings.TrimPrefix(href, back+"?verify_token="), "+14155552671", "sms")
			b.assertNoConsoleErrors()
		})
	}
}
