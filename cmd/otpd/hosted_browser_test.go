package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/otpd/otpd/internal/postgres/pgtest"
)

// flowApp is a test application of the session flow and its keys.
type flowApp struct{ id, apiKey, publicKey string }

// newFlowApp creates a project with policy and a test application, and
// sets the application's browser settings (allowedOrigins, returnUrls).
func newFlowApp(t *testing.T, base string, policy, browser map[string]any) flowApp {
	t.Helper()
	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "Shop", "policy": policy})
	if st != 201 {
		t.Fatalf("create project: %d %v", st, p)
	}
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "web", "projectId": data(p)["id"], "environment": "test"})
	if st != 201 {
		t.Fatalf("create application: %d %v", st, a)
	}
	app := flowApp{id: data(a)["id"].(string), apiKey: data(a)["apiKey"].(string), publicKey: data(a)["publicKey"].(string)}
	if st, res := call(t, "PATCH", base+"/v1/applications/"+app.id, testAdminToken, browser); st != 200 {
		t.Fatalf("browser settings: %d %v", st, res)
	}
	return app
}

// inboxMessage is the newest test-inbox message to to, read through the
// native API with the application's API key.
func inboxMessage(t *testing.T, base string, app flowApp, to string) map[string]any {
	t.Helper()
	st, res := call(t, "GET", base+"/v1/test/messages?to="+url.QueryEscape(to), app.apiKey, nil)
	list, _ := res["data"].([]any)
	if st != 200 || len(list) == 0 {
		t.Fatalf("test inbox of %s: %d %v", to, st, res)
	}
	return list[0].(map[string]any)
}

// redeem is the application's server redeeming a verify token with its
// secret key (kod.mobi's POST /v2/verify).
func redeem(t *testing.T, base string, app flowApp, token string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"verify_token": token})
	req, _ := http.NewRequest("POST", base+"/v2/verify", bytes.NewReader(body))
	req.Header.Set("x-api-key", app.apiKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// wantRedeemedOnce checks that the application's server accepts token
// once, for to on channel, and refuses it after.
func wantRedeemedOnce(t *testing.T, base string, app flowApp, token, to, channel string) {
	t.Helper()
	st, res := redeem(t, base, app, token)
	if st != 200 || res["success"] != true || res["to"] != to || res["channel"] != channel || res["is_test"] != true {
		t.Errorf("verify the token: %d %v, want success for %s by %s", st, res, to, channel)
	}
	if st, res := redeem(t, base, app, token); st != 400 || res["sys_message"] != "ERROR_VERIFY_TOKEN_INVALID" {
		t.Errorf("verify the token again: %d %v, want 400 ERROR_VERIFY_TOKEN_INVALID", st, res)
	}
}

// returnSite is the application's own site, where the hosted page sends
// people back; it shows what it got.
func returnSite(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Shop</title><h1>Welcome back</h1>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// webOTPStub stands in for the browser's WebOTP (an SMS's code read by
// the phone): it records each request and its abort, and the test
// resolves it with __webotp.resolve(code).
const webOTPStub = `(() => {
  window.OTPCredential = window.OTPCredential || function OTPCredential() {};
  const state = window.__webotp = { asked: [], aborted: 0, resolve: null };
  Object.defineProperty(navigator, "credentials", { configurable: true, value: { get(opts) {
    state.asked.push(JSON.stringify(opts.otp));
    return new Promise((resolve, reject) => {
      state.resolve = (code) => resolve({ type: "otp", id: "", code: code });
      opts.signal.addEventListener("abort", () => { state.aborted++; reject(new DOMException("aborted", "AbortError")); });
    });
  } } });
})();`

// onEveryPage runs script in every document the tab opens, before the
// page's own scripts.
func (b *browser) onEveryPage(script string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}))
}

// waitLocation waits until the tab has navigated to an address that
// starts with prefix and returns it. Asking while the tab navigates fails,
// so it asks again until its deadline.
func (b *browser) waitLocation(prefix string) string {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var href string
		err := b.step(func(ctx context.Context) (err error) {
			href, err = chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
			return err
		})
		if err == nil && strings.HasPrefix(href, prefix) {
			return href
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the tab is at %s (%v), want %s…", href, err, prefix)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fetchPage GETs a page without a browser, for its status and headers.
func fetchPage(t *testing.T, u string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// TestHostedPage drives the hosted page in headless Chromium, on SQLite
// and PostgreSQL, as a person sent there by a site would: the page comes
// with a strict Content-Security-Policy; they type their phone number,
// get a code by SMS (the channels show with their icons and the SMS
// countdown; WebOTP is asked for the code), type a wrong one and see the
// server's message and the attempts left (which ends the WebOTP request),
// type the right one from the test inbox, and land on the application's
// return URL with a verify token that the application's server redeems
// once with its secret key. The page fits a 375 px screen and the browser
// reports no error and no CSP violation. A return URL the application did
// not register gets an error page instead, and so does an unknown key.
//
// With OTPD_SCREENSHOTS_DIR set it saves hosted-page.png there
// (scripts/screenshots).
func TestHostedPage(t *testing.T) {
	chrome := chromiumPath(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken}
			if engine == "postgres" {
				env["OTPD_DATABASE_URL"] = pgtest.NewSchema(t)
			}
			base, _, _ := startServe(t, env)
			back := returnSite(t) + "/verified?order=42"
			app := newFlowApp(t, base, map[string]any{"codeLength": 6}, map[string]any{"returnUrls": []string{back, "https://shop.example/other"}})
			hosted := base + "/hosted/" + app.publicKey + "?return_url=" + url.QueryEscape(back)

			// The page and its headers.
			res, body := fetchPage(t, hosted, nil)
			wantHeaders := map[string]string{
				"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           "no-store",
			}
			if res.StatusCode != 200 {
				t.Fatalf("hosted page: %d %s", res.StatusCode, body)
			}
			for k, want := range wantHeaders {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Error("the hosted page has an inline script or style")
			}
			// A return URL the application did not register, and an unknown key.
			for _, u := range []string{
				base + "/hosted/" + app.publicKey + "?return_url=" + url.QueryEscape("https://evil.example/steal"),
				base + "/hosted/" + app.publicKey, // two registered: one must be named
				base + "/hosted/otpd_test_pk_unknown?return_url=" + url.QueryEscape(back),
				base + "/hosted/" + app.apiKey + "?return_url=" + url.QueryEscape(back), // the secret key names no page
			} {
				res, body := fetchPage(t, u, nil)
				if res.StatusCode != 400 && res.StatusCode != 404 || strings.Contains(body, "data-otpd-hosted") || strings.Contains(body, "otpd.js") {
					t.Errorf("GET %s: %d, want an error page without the flow:\n%s", u, res.StatusCode, body)
				}
			}

			b := newBrowser(t, chrome)
			b.onEveryPage(webOTPStub)
			b.do(chromedp.Navigate(hosted))
			b.waitText("main h1", "Verify your phone or email")
			b.wantText("main .otpd-project", "Shop")
			if got := b.eval(`document.activeElement.getAttribute("autocomplete") + " " + document.activeElement.labels[0].textContent`); got != "username Phone number or email" {
				t.Errorf("focused at load: %q, want the destination field, labelled", got)
			}

			// An empty destination is refused by the page itself.
			b.clickButton("Get a code")
			b.waitText(".otpd-alert", "Enter where to send the code.")
			// The server's message for a destination it cannot reach.
			b.do(chromedp.SendKeys(chromedp.CSS("input[name=to]"), "not a number"), chromedp.KeyEvent(kb.Enter))
			b.waitText(".otpd-alert", "The phone number format is invalid")
			if got := b.eval(`document.querySelector("input[name=to]").getAttribute("aria-invalid")`); got != "true" {
				t.Errorf("destination aria-invalid = %q, want true", got)
			}
			b.retype("input[name=to]", "+1 415 555 2671")
			b.clickButton("Get a code")
			b.waitText(".otpd-code-step .otpd-lead", "We sent a code by SMS to +1 415 555 2671.")

			// The code field, focused, fit for one-time codes.
			if got := b.eval(`[document.activeElement.name, document.activeElement.autocomplete, document.activeElement.inputMode].join(" ")`); got != "code one-time-code numeric" {
				t.Errorf("focused after the send: %q, want the code field with one-time-code and numeric", got)
			}
			// The channels that reach a phone, with their icons; SMS waits.
			var channels [][]string
			b.pollJSON(`(() => { const imgs = [...document.querySelectorAll(".otpd-channel img")];
				return imgs.length && imgs.every((i) => i.complete && i.naturalWidth > 0) &&
					[...document.querySelectorAll(".otpd-channel")].map((c) => [c.dataset.channel, new URL(c.querySelector("img").src).pathname,
						c.querySelector(".otpd-wait").textContent, String(c.getAttribute("aria-disabled"))]); })()`, &channels)
			var types []string
			for _, c := range channels {
				types = append(types, c[0])
				if c[1] != "/static/channels/"+c[0]+".svg" {
					t.Errorf("channel %s icon %s, want otpd's own", c[0], c[1])
				}
				waits := regexp.MustCompile(`^[01]:[0-5]\d$`).MatchString(c[2])
				if c[0] == "sms" && (!waits || c[3] != "true") {
					t.Errorf("sms channel countdown %q, disabled %s: want a countdown from 1:00 and disabled", c[2], c[3])
				}
				if c[0] != "sms" && (c[2] != "" || c[3] != "null") {
					t.Errorf("channel %s countdown %q, disabled %s: want none", c[0], c[2], c[3])
				}
			}
			if got := strings.Join(types, ","); got != "sms,voice,telegram,whatsapp" {
				t.Errorf("channels = %s, want sms,voice,telegram,whatsapp", got)
			}
			if got := b.eval(`JSON.stringify(window.__webotp.asked)`); got != `["{\"transport\":[\"sms\"]}"]` {
				t.Errorf("WebOTP requests = %s, want one for sms", got)
			}
			b.shot("hosted-page")

			// At 375 px nothing overflows sideways.
			b.do(chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile))
			if got := b.eval(`String(document.documentElement.scrollWidth)`); got != "375" {
				t.Errorf("at 375 px the page is %s px wide", got)
			}
			b.do(chromedp.EmulateViewport(1280, 900))

			// A wrong code: the server's message and the attempts left;
			// typing ended the WebOTP request.
			code := inboxMessage(t, base, app, "+14155552671")["code"].(string)
			b.do(chromedp.SendKeys(chromedp.CSS("input[name=code]"), wrongCode(code)))
			b.waitText(".otpd-code-step .otpd-alert", "The code is wrong; further wrong codes close the session Attempts left: 4.")
			if got := b.eval(`String(window.__webotp.aborted) + " " + document.querySelector("input[name=code]").getAttribute("aria-invalid")`); got != "1 true" {
				t.Errorf("after a typed wrong code [WebOTP aborts, aria-invalid] = %s, want 1 true", got)
			}

			// The right code: back to the application with a token.
			b.retype("input[name=code]", code)
			href := b.waitLocation(back)
			token, ok := strings.CutPrefix(href, back+"&verify_token=")
			if !ok || !regexp.MustCompile(`^vt_[A-Za-z0-9_-]+$`).MatchString(token) {
				t.Fatalf("returned to %s, want %s&verify_token=vt_…", href, back)
			}
			b.waitText("h1", "Welcome back")
			wantRedeemedOnce(t, base, app, token, "+14155552671", "sms")
			b.assertNoConsoleErrors()
		})
	}
}

// wrongCode is a code of the same length that is not code.
func wrongCode(code string) string {
	if code[0] == '1' {
		return "2" + code[1:]
	}
	return "1" + code[1:]
}

// TestHostedPageRussian runs the hosted page in Russian (?lang=ru) with the
// message in German (?locale=de): the page's texts and the server's
// messages are Russian, the email with the code German. The project's
// codes are letters, so the code field takes text, and the code typed in
// lower case passes. The only return URL is used without being named.
func TestHostedPageRussian(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	back := returnSite(t) + "/verified"
	app := newFlowApp(t, base, map[string]any{"codeLength": 6, "codeDigits": false, "codeLetters": true}, map[string]any{"returnUrls": []string{back}})

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base + "/hosted/" + app.publicKey + "?lang=ru&locale=de"))
	b.waitText("main h1", "Подтвердите телефон или почту")
	if got := b.eval(`document.documentElement.lang + " " + document.title`); got != "ru Shop · Подтверждение" {
		t.Errorf("lang and title = %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("input[name=to]"), "Person@Example.com"))
	b.clickButton("Получить код")
	b.waitText(".otpd-code-step .otpd-lead", "Мы отправили код через Email на Person@Example.com.")
	msg := inboxMessage(t, base, app, "person@example.com")
	if body := msg["body"].(string); !strings.Contains(body, "Gib diesen Code ein") {
		t.Errorf("the email with the code is not German:\n%s", body)
	}
	code := msg["code"].(string)
	if got := b.eval(`[document.activeElement.name, document.activeElement.inputMode, document.activeElement.autocapitalize, document.querySelector(".otpd-code-step .otpd-hint").textContent].join(" ")`); got != "code text characters Букв: 6" {
		t.Errorf("code field = %q, want one for 6 letters", got)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("input[name=code]"), wrongCode(code)))
	b.waitText(".otpd-code-step .otpd-alert", "Неверный код; после нескольких неверных кодов сессия будет закрыта Осталось попыток: 4.")
	b.retype("input[name=code]", strings.ToLower(code))
	href := b.waitLocation(back)
	token, _ := strings.CutPrefix(href, back+"?verify_token=")
	wantRedeemedOnce(t, base, app, token, "person@example.com", "email")
	b.assertNoConsoleErrors()
}
