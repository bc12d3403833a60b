package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleBrowser drives the web console in headless Chromium against an
// in-process otpd, as a person would: sign in with the token, create a
// project and a test application and read its credentials once, save the
// project's settings (the server's field errors show by their fields),
// register a webhook and send it a test event, rotate the API key with a
// grace period, create a read-only API key with an IP allow-list (a bad
// entry is shown by its field), see it listed masked and revoke it, set
// the application's allowed origins and return URLs, send a test
// verification from the console form, find it in the list and check its
// code from the test inbox, see the user and the events, open analytics,
// fit a 375 px screen, sign out, and fall back to
// sign-in when the token is refused. Every assertion reads the page's DOM.
//
// With OTPD_SCREENSHOTS_DIR set it also saves full-page PNGs of the main
// pages there (scripts/screenshots).
func TestConsoleBrowser(t *testing.T) {
	chrome := chromiumPath(t)

	// A webhook receiver on loopback, so "Send test" has something to reach.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"received":true}`)
	}))
	defer hook.Close()

	base, _, _ := startServe(t, map[string]string{
		"OTPD_ADDR":                  "127.0.0.1:0",
		"OTPD_DATA_DIR":              t.TempDir(),
		"OTPD_ADMIN_TOKEN":           testAdminToken,
		"OTPD_WEBHOOK_ALLOW_PRIVATE": "1",
	})
	b := newBrowser(t, chrome)

	// Sign in.
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#console-token")))
	b.wantText("label[for='console-token']", "Console token")
	b.do(chromedp.SendKeys(chromedp.CSS("#console-token"), testAdminToken))
	b.clickButton("Sign in")
	b.waitText("main h1", "Projects")
	if got := b.eval(`JSON.stringify([sessionStorage.getItem("otpd.console.token"), localStorage.length, document.cookie])`); got != fmt.Sprintf(`[%q,0,""]`, testAdminToken) {
		t.Errorf("after sign-in [sessionStorage token, localStorage length, cookie] = %s, want the token in sessionStorage only", got)
	}

	// Create a project; the console opens it.
	b.do(chromedp.SendKeys(chromedp.CSS(`form input[name="name"]`), "Demo project"),
		chromedp.SendKeys(chromedp.CSS(`form input[name="description"]`), "Made by the browser test"))
	b.clickButton("Create project")
	b.waitText("main h1", "Demo project")

	// Create a test application: its credentials are shown once.
	b.do(chromedp.SendKeys(chromedp.CSS(`form input[name="name"]`), "web"))
	if got := b.eval(`String(document.querySelector('input[type="radio"][value="test"]').checked)`); got != "true" {
		t.Errorf("environment test checked = %s, want true by default", got)
	}
	b.clickButton("Create application")
	b.do(chromedp.WaitVisible(chromedp.CSS("#credentials-dialog")))
	for sel, prefix := range map[string]string{
		"#cred-apiKey":        "otpd_test_api_",
		"#cred-clientSecret":  "otpd_test_secret_",
		"#cred-clientId":      "otpd_test_client_",
		"#cred-publicKey":     "otpd_test_pk_",
		"#cred-webhookSecret": "whsec_",
	} {
		if got := b.text(sel); !strings.HasPrefix(got, prefix) {
			t.Errorf("credentials dialog %s = %q, want prefix %q", sel, got, prefix)
		}
	}
	b.wantText("#credentials-dialog", "will not be shown again")
	b.shot("credentials")
	b.clickButton("I have stored them")
	b.do(chromedp.WaitNotPresent(chromedp.CSS("#credentials-dialog")))
	b.waitText("main table", "otpd_test_api_****")

	// Project settings: the server's field errors show next to their
	// field; a valid policy saves and is there after a reload.
	b.do(chromedp.Click(chromedp.CSS(`nav.subnav a[href$="/settings"]`)))
	b.waitText("main form", "Template overrides")
	codeLength := `[data-field="policy.codeLength"] input`
	b.retype(codeLength, "99")
	b.clickButton("Save settings")
	b.waitText(`[data-field="policy.codeLength"] .field-error`, "between 4 and 10")
	if got := b.eval(`document.querySelector('[data-field="policy.codeLength"] input').getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("code length aria-invalid = %q, want true", got)
	}
	b.retype(codeLength, "8")
	b.clickButton("Add template")
	body := `[data-field="policy.messages.templates[0].body"] textarea`
	b.retype(body, "Hello from Demo")
	b.clickButton("Save settings")
	b.waitText(`[data-field="policy.messages.templates[0]"] .field-error`, "code")
	if got := b.eval(`String(document.querySelectorAll("main .field-error").length)`); got != "1" {
		t.Errorf("%s field errors shown, want only the template's (the code length error must be gone)", got)
	}
	b.retype(body, "{{.Code}} is your Demo code")
	b.do(chromedp.Click(chromedp.CSS(`input[data-channel="email"]`)),
		chromedp.Click(chromedp.CSS(`input[data-channel="sms"]`)),
		chromedp.Click(chromedp.CSS(`[data-move="up-email"]`)),
		chromedp.Click(chromedp.CSS(`[data-move="up-email"]`)))
	b.clickButton("Save settings")
	b.waitText("#status", "Settings saved.")
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-field="policy.codeLength"] input`)))
	saved := b.eval(`JSON.stringify([document.querySelector('[data-field="policy.codeLength"] input').value,
		[...document.querySelectorAll(".order-list input:checked")].map((c) => c.dataset.channel),
		document.querySelector('[data-field="policy.messages.templates[0].body"] textarea').value])`)
	if want := `["8",["email","sms"],"{{.Code}} is your Demo code"]`; saved != want {
		t.Errorf("settings after reload = %s, want %s", saved, want)
	}
	b.shot("project-settings")
	b.nav("projects", "Projects")
	b.waitText("main table", "Demo project")
	b.shot("projects")

	// Webhooks: register the loopback receiver and send it a test event.
	b.nav("webhooks", "Webhooks")
	b.do(chromedp.WaitVisible(chromedp.CSS(`input[name="url"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="url"]`), hook.URL+"/otpd"))
	b.clickButton("Create endpoint")
	b.waitText("main table", hook.URL+"/otpd")
	b.clickButton("Send test")
	b.waitText("#status", "Test event delivered: HTTP 200")
	b.shot("webhooks")

	// Rotate the API key with a grace period: the new key is shown once,
	// and the console uses it for the test verification below.
	b.nav("applications", "Applications")
	b.do(chromedp.Click(chromedp.Search(`//main//table//a[normalize-space()="web"]`)))
	b.waitText("main h1", "web")
	b.do(chromedp.Click(chromedp.CSS(`[data-rotate="api"]`)),
		chromedp.WaitVisible(chromedp.CSS("#rotate-grace")),
		chromedp.SetValue(chromedp.CSS("#rotate-grace"), "3600"))
	b.clickButton("Rotate api key")
	b.do(chromedp.WaitVisible(chromedp.CSS("#rotated-value")))
	if got := b.text("#rotated-value"); !strings.HasPrefix(got, "otpd_test_api_") {
		t.Errorf("rotated API key = %q, want prefix otpd_test_api_", got)
	}
	b.wantText("dialog", "previous one keeps working until")
	b.clickButton("I have stored them")
	b.do(chromedp.WaitNotPresent(chromedp.CSS("#rotated-value")))

	// The webhook secret, which receivers need in full, can be revealed.
	b.do(chromedp.Click(chromedp.CSS(`[data-reveal="webhook_secret"]`)),
		chromedp.WaitVisible(chromedp.CSS("#revealed-webhook-secret")))
	if got := b.text("#revealed-webhook-secret"); !strings.HasPrefix(got, "whsec_") || len(got) < 30 {
		t.Errorf("revealed webhook secret = %q, want the whole whsec_ secret", got)
	}
	b.clickButton("I have stored them")
	b.do(chromedp.WaitNotPresent(chromedp.CSS("#revealed-webhook-secret")))

	// API keys: the application's own is listed; a read-only key with an
	// allow-list is refused a bad entry by its field, then shown once,
	// listed masked with its networks, and revoked after a confirmation.
	b.waitText("#api-keys", "otpd_test_api_****")
	b.do(chromedp.SetValue(chromedp.CSS("#api-key-scope"), "read"),
		chromedp.SendKeys(chromedp.CSS("#api-key-name"), "monitoring"),
		chromedp.SendKeys(chromedp.CSS("#api-key-allowed"), "203.0.113.0/24\nnot-an-address"))
	b.clickButton("Create API key")
	b.waitText(`[data-field="allowedIps"] .field-error`, "“not-an-address”")
	if got := b.eval(`document.querySelector("#api-key-allowed").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("allowed IPs aria-invalid = %q, want true", got)
	}
	b.retype("#api-key-allowed", "203.0.113.0/24\n2001:db8::1")
	b.clickButton("Create API key")
	b.do(chromedp.WaitVisible(chromedp.CSS("#api-key-dialog")))
	readKey := b.text("#new-api-key")
	if !strings.HasPrefix(readKey, "otpd_test_read_") || len(readKey) != len("otpd_test_read_")+48 {
		t.Fatalf("new API key = %q, want otpd_test_read_ and 48 hex digits", readKey)
	}
	b.wantText("#api-key-dialog", "will not be shown again")
	b.wantText("#api-key-dialog", "only from 203.0.113.0/24, 2001:db8::1/128")
	b.shot("api-key")
	b.clickButton("I have stored them")
	b.do(chromedp.WaitNotPresent(chromedp.CSS("#api-key-dialog")))
	readPreview := "otpd_test_read_****" + readKey[len(readKey)-4:]
	var keyRow []string
	b.pollJSON(fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll("#api-keys tbody tr")].find((r) => r.cells[0].textContent.includes(%q));
		return tr ? [...tr.cells].map((c) => c.textContent) : null;
	})()`, readPreview), &keyRow)
	// Columns: Key, Scope, Allowed IPs, Created, Actions.
	if len(keyRow) < 3 || !strings.Contains(keyRow[0], "monitoring") || keyRow[1] != "read" || keyRow[2] != "203.0.113.0/24, 2001:db8::1/128" {
		t.Errorf("API keys row = %q, want name monitoring, scope read, both networks", keyRow)
	}
	if strings.Contains(b.text("main"), readKey) {
		t.Error("the page shows the new key in full after its dialog closed")
	}
	b.shot("application")
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[aria-label="Revoke API key %s"]`, readPreview))))
	b.wantText("dialog", "cannot be undone")
	b.clickButton("Revoke key")
	b.waitText("#status", "revoked")
	var gone bool
	b.pollJSON(fmt.Sprintf(`!!document.querySelector("#api-keys table") && !document.querySelector("#api-keys").textContent.includes(%q)`, readPreview), &gone)
	b.wantText("#api-keys", "otpd_test_api_****") // the application's own key stays

	// Browser access of the session flow: a malformed origin is refused
	// next to its field; valid ones are saved, normalised, and shown
	// again when the page is opened anew, with the return URLs.
	origins := `#browser-form textarea[name="allowedOrigins"]`
	b.retype(origins, "https://shop.example/checkout")
	b.clickButton("Save browser settings")
	b.waitText(`[data-field="allowedOrigins"] .field-error`, "scheme://host[:port]")
	b.retype(origins, "https://Shop.Example:443\nhttp://localhost:3000")
	b.retype(`#browser-form textarea[name="returnUrls"]`, "https://shop.example/verified")
	b.clickButton("Save browser settings")
	b.waitText("#status", "Browser settings saved.")
	// Leave and come back (a reload would drop the rotated key the
	// console keeps in memory for the test send below).
	b.nav("applications", "Applications")
	b.do(chromedp.Click(chromedp.Search(`//main//table//a[normalize-space()="web"]`)))
	b.waitText("main h1", "web")
	b.do(chromedp.WaitVisible(chromedp.CSS(origins)))
	web := b.eval(`JSON.stringify([document.querySelector('#browser-form textarea[name="allowedOrigins"]').value,
		document.querySelector('#browser-form textarea[name="returnUrls"]').value])`)
	if want := `["https://shop.example\nhttp://localhost:3000","https://shop.example/verified"]`; web != want {
		t.Errorf("browser settings when opened anew = %s, want %s", web, want)
	}
	b.shot("application-browser-access")

	// Send a test verification from the console form and find it listed.
	b.nav("verifications", "Verifications")
	b.do(chromedp.WaitEnabled(chromedp.CSS("#test-send")))
	if got := b.eval(`document.querySelector("#test-channel").value`); got != "sms" {
		t.Errorf("test form channel = %q, want sms by default", got)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#test-to"), "+1 415 555 2671"))
	b.do(chromedp.Click(chromedp.CSS("#test-send")))
	b.waitText("#test-result", "ver_")
	id := b.text("#test-result a code")
	var row []string
	b.pollJSON(fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll("#verifications-results tbody tr")].find((r) => r.cells[0].textContent === %q);
		return tr ? [...tr.cells].map((c) => c.textContent) : null;
	})()`, id), &row)
	// Columns: ID, Application, To, Channel, Status, Delivery, Created.
	if len(row) < 5 || row[1] != "web" || row[2] != "+14155552671" || row[3] != "sms" || row[4] != "pending" {
		t.Errorf("verifications row of %s = %q, want application web, to +14155552671, channel sms, status pending", id, row)
	}
	// The console reads the code back from the test inbox and checks it;
	// it has the 8 digits the project's settings now ask for.
	b.waitMatch("#test-code", regexp.MustCompile(`^\d{8}$`))
	b.shot("verifications")
	code := b.text("#test-code")
	b.do(chromedp.SendKeys(chromedp.CSS(`#test-result input[autocomplete="one-time-code"]`), code))
	b.clickButton("Check")
	b.waitText("#test-result", "Valid: the verification is verified.")

	// Its page shows the events from the log.
	b.do(chromedp.Click(chromedp.CSS("#test-result a")))
	b.waitText("main h1", "Verification")
	b.waitText("main", "otp.verified")

	// The number that verified is a user now, and the log has the events.
	b.nav("users", "Users")
	b.waitText("main table", "+14155552671")
	b.nav("logs", "Logs")
	b.waitText("main .feed", "otp.verified")

	// The endpoint's delivery log fills as the events fan out.
	b.nav("webhooks", "Webhooks")
	b.do(chromedp.Click(chromedp.Search(fmt.Sprintf(`//main//table//a[normalize-space()=%q]`, hook.URL+"/otpd"))))
	b.waitText("main h1", "Webhook endpoint")
	b.waitText("main", "Delivery log")
	b.retryUntil(`!!document.querySelector("main table code")`)
	b.shot("webhook-deliveries")

	// Analytics: totals, the chart and the breakdowns.
	b.nav("analytics", "Analytics")
	b.waitText("main", "OTP requests")
	b.do(chromedp.WaitVisible(chromedp.CSS("main svg.chart")))
	b.retryUntil(`[...document.querySelectorAll(".stat")].some((s) => s.textContent.startsWith("OTP requests") && !s.textContent.endsWith("0"))`)
	b.shot("analytics")

	// A phone-sized screen: nothing may overflow sideways. (A mobile
	// viewport widens to fit its content, so compare with 375, not with
	// innerWidth.)
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	for _, section := range []string{"projects", "applications", "webhooks", "analytics", "users", "logs", "verifications"} {
		b.nav(section, "")
		b.do(chromedp.WaitNotPresent(chromedp.CSS("main .loading")))
		if got := b.eval(`String(document.documentElement.scrollWidth)`); got != "375" {
			t.Errorf("at 375 px the %s page is %s px wide", section, got)
		}
	}
	b.shot("mobile-verifications-375")
	b.do(chromedp.EmulateViewport(1280, 900))

	b.assertNoConsoleErrors()

	// Sign out forgets the token.
	b.do(chromedp.Click(chromedp.CSS("#sign-out")))
	b.waitText("main h1", "Sign in")
	if got := b.eval(`String(sessionStorage.getItem("otpd.console.token"))`); got != "null" {
		t.Errorf("token after sign-out = %q, want none", got)
	}

	// A token the server refuses (401) returns to sign-in, saying why.
	b.eval(`sessionStorage.setItem("otpd.console.token", "wrong"), "ok"`)
	b.do(chromedp.Navigate(base + "/console/#/projects?x=1"))
	b.waitText("main h1", "Sign in")
	b.waitText("#status", "not accepted")
}

// chromiumPath finds the browser, skipping the test without one, except on
// CI, which installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must install it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed; skipping the console browser test")
	return ""
}

// browser is one headless Chromium tab with test helpers that fail the test.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string // OTPD_SCREENSHOTS_DIR, or "" for none

	mu     sync.Mutex
	errors []string // console errors and uncaught exceptions
}

func newBrowser(t *testing.T, chrome string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// Registered after t.TempDir, so the browser is gone before its
	// profile directory is removed.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx, shots: os.Getenv("OTPD_SCREENSHOTS_DIR")}
	// The first call starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// An API error answer is logged by the browser too; the
			// console and the session flow's pages show those (the
			// tests provoke some), so only scripts, CSP violations and
			// assets count.
			apiAnswer := (strings.Contains(m.URL, "/v1/") || strings.Contains(m.URL, "/v2/")) &&
				strings.HasPrefix(m.Text, "Failed to load resource: the server responded with a status of 4")
			if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && !apiAnswer {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// step runs fn with a deadline, so a missing element fails the test instead
// of hanging it.
func (b *browser) step(fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	return fn(ctx)
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.step(func(ctx context.Context) error { return chromedp.Do(ctx, actions...) }); err != nil {
		b.t.Fatalf("browser: %v\n%s", err, b.context())
	}
}

// context describes the page for a failure message: its address, heading
// and status line.
func (b *browser) context() string {
	var out string
	b.step(func(ctx context.Context) error {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + " | h1: " + (document.querySelector("main h1")?.textContent ?? "") + " | status: " + (document.querySelector("#status")?.textContent ?? "")`))
		out = "page: " + s
		return err
	})
	return out
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	err := b.step(func(ctx context.Context) (err error) {
		s, err = chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		return err
	})
	if err != nil {
		b.t.Fatalf("text of %s: %v\n%s", sel, err, b.context())
	}
	return strings.TrimSpace(s)
}

func (b *browser) eval(expr string) string {
	b.t.Helper()
	var s string
	err := b.step(func(ctx context.Context) (err error) {
		s, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		return err
	})
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// pollJSON waits until expr is truthy and decodes its value into v.
func (b *browser) pollJSON(expr string, v any) {
	b.t.Helper()
	var raw []byte
	err := b.step(func(ctx context.Context) (err error) {
		raw, err = chromedp.Run(ctx, chromedp.Poll[[]byte](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
		return err
	})
	if err != nil {
		b.t.Fatalf("waiting for %s: %v\n%s", expr, err, b.context())
	}
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("decode %s: %v", raw, err)
	}
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "").includes(%q)`, sel, want)
	err := b.step(func(ctx context.Context) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
		return err
	})
	if err != nil {
		got := b.eval(fmt.Sprintf(`document.querySelector(%q)?.textContent ?? "(no element)"`, sel))
		b.t.Fatalf("%s: text %q does not contain %q (%v)\n%s", sel, got, want, err, b.context())
	}
}

// wantText checks the element's text now.
func (b *browser) wantText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Errorf("%s: text %q does not contain %q", sel, got, want)
	}
}

// waitMatch waits until the element's whole text matches re.
func (b *browser) waitMatch(sel string, re *regexp.Regexp) {
	b.t.Helper()
	expr := fmt.Sprintf(`new RegExp(%q).test((document.querySelector(%q)?.textContent ?? "").trim())`, re.String(), sel)
	err := b.step(func(ctx context.Context) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
		return err
	})
	if err != nil {
		b.t.Fatalf("%s: text %q does not match %s (%v)", sel, b.text(sel), re, err)
	}
}

// retryUntil reloads the page until expr holds, for data that background
// workers produce (webhook deliveries, analytics rollups). It only waits:
// the screenshots look better with the data, and the assertions above do
// not depend on it.
func (b *browser) retryUntil(expr string) {
	b.t.Helper()
	for range 20 {
		ok := b.eval(fmt.Sprintf(`String(!document.querySelector("main .loading") && (%s))`, expr))
		if ok == "true" {
			return
		}
		time.Sleep(250 * time.Millisecond)
		b.do(chromedp.Reload())
		b.do(chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
}

// retype empties a text field and types text into it, as a person
// selecting the old text and typing over it would.
func (b *browser) retype(sel, text string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(document.querySelector(%q).value = "", "ok")`, sel))
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// clickButton clicks the visible button whose text is label.
func (b *browser) clickButton(label string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.Search(fmt.Sprintf(`//button[normalize-space()=%q]`, label)), chromedp.NodeVisible))
}

// nav follows a main navigation link and waits for the page's heading
// (any heading when heading is "").
func (b *browser) nav(section, heading string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#nav a[data-section=%q]`, section))))
	b.waitText("main h1", heading)
}

// shot saves a full-page PNG when OTPD_SCREENSHOTS_DIR is set.
func (b *browser) shot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	var png []byte
	err := b.step(func(ctx context.Context) (err error) {
		// From the top, so the sticky header stays at the top of the
		// image, and after a just-opened dialog or a redrawn chart settles.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
			return err
		}
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		return err
	})
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) assertNoConsoleErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		b.t.Errorf("browser console: %s", e)
	}
}

// TestConsoleDeveloperSignIn signs in with a developer account: the
// console shows only that developer's projects, and signing out ends the
// session on the server.
func TestConsoleDeveloperSignIn(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	if st, res := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "Operator's project"}); st != 201 {
		t.Fatal(st, res)
	}
	if st, res := call(t, "POST", base+"/v1/developers", testAdminToken, map[string]any{"email": "dev@example.com", "password": "correct horse battery", "name": "Dev"}); st != 201 {
		t.Fatal(st, res)
	}
	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	b.do(chromedp.SendKeys(chromedp.CSS("#signin-email"), "dev@example.com"), chromedp.SendKeys(chromedp.CSS("#signin-password"), "wrong password!"))
	b.clickButton("Sign in with your account")
	b.waitText("main", "The email or password is wrong")
	b.retype("#signin-password", "correct horse battery")
	b.clickButton("Sign in with your account")
	b.waitText("main h1", "Projects")
	tok := b.eval(`sessionStorage.getItem("otpd.console.token")`)
	if !strings.HasPrefix(tok, "otpd_session_") {
		t.Fatalf("the console keeps %q, want a session token", tok)
	}
	if strings.Contains(b.text("main"), "Operator's project") {
		t.Error("a developer sees the operator's project")
	}
	b.do(chromedp.SendKeys(chromedp.CSS(`form input[name="name"]`), "Dev project"))
	b.clickButton("Create project")
	b.waitText("main h1", "Dev project")
	b.clickButton("Sign out")
	b.do(chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	if st, _ := call(t, "GET", base+"/v1/projects", tok, nil); st != 401 {
		t.Errorf("the session after signing out: %d, want 401", st)
	}
	b.assertNoConsoleErrors()
}
