package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleTestSend drives the console as a developer whose application's
// API key was shown once, long ago, and is gone: open the application, send
// a test verification from its page (the console's own session, no key),
// read the code from the test inbox, find the verification in the list and
// its events and messages on its page; then filter the log by event type
// and look a user up by the number as a person types it.
func TestConsoleTestSend(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	if st, res := call(t, "POST", base+"/v1/developers", testAdminToken, map[string]any{"email": "dev@example.com", "password": "correct horse battery", "name": "Dev"}); st != 201 {
		t.Fatal(st, res)
	}
	_, login := call(t, "POST", base+"/v1/auth/login", "", map[string]any{"email": "dev@example.com", "password": "correct horse battery"})
	session, _ := login["data"].(map[string]any)["token"].(string)
	_, p := call(t, "POST", base+"/v1/projects", session, map[string]any{"name": "Shop"})
	projectID := p["data"].(map[string]any)["id"].(string)
	st, a := call(t, "POST", base+"/v1/applications", session, map[string]any{"name": "web", "projectId": projectID, "environment": "test"})
	if st != 201 {
		t.Fatal(st, a)
	}
	// The key stays with the test (standing in for the developer's
	// backend); the browser never sees it.
	apiKey := a["data"].(map[string]any)["apiKey"].(string)

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	b.do(chromedp.SendKeys(chromedp.CSS("#signin-email"), "dev@example.com"), chromedp.SendKeys(chromedp.CSS("#signin-password"), "correct horse battery"))
	b.clickButton("Sign in with your account")
	b.waitText("main h1", "Projects")

	// Open the application and send from its page.
	b.nav("applications", "Applications")
	b.do(chromedp.Click(chromedp.Search(`//main//table//a[normalize-space()="web"]`)))
	b.waitText("main h1", "web")
	b.waitText("main", "Send a test verification")
	b.wantText("label[for='test-to']", "Phone number or email")
	b.do(chromedp.SendKeys(chromedp.CSS("#test-to"), "+1 415 555 2671"))
	b.do(chromedp.Click(chromedp.CSS("#test-send")))
	b.waitText("#test-result", "ver_")
	id := b.text("#test-result a code")
	b.waitMatch("#test-code", regexp.MustCompile(`^\d{6}$`))
	code := b.text("#test-code")
	// Without the key the console cannot check the code, and says how to.
	b.wantText("#test-check-note", "rotate the API key")
	if got := b.eval(`String(document.querySelectorAll('#test-result input[autocomplete="one-time-code"]').length)`); got != "0" {
		t.Errorf("%s check fields without the API key, want none", got)
	}
	// The application checks the code it received (its backend's call).
	st, c := call(t, "POST", base+"/v1/verifications/"+id+"/check", apiKey, map[string]any{"code": code})
	if st != 200 || c["data"].(map[string]any)["valid"] != true {
		t.Fatalf("check of the code the console showed: %d %v", st, c)
	}

	// The verification is in the list.
	b.nav("verifications", "Verifications")
	var row []string
	b.pollJSON(fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll("#verifications-results tbody tr")].find((r) => r.cells[0].textContent === %q);
		return tr ? [...tr.cells].map((c) => c.textContent) : null;
	})()`, id), &row)
	if len(row) < 5 || row[1] != "web" || row[2] != "+14155552671" || row[4] != "verified" {
		t.Errorf("verifications row of %s = %q, want application web, to +14155552671, status verified", id, row)
	}

	// Its page: the events in the order they happened, and the message.
	b.do(chromedp.Click(chromedp.Search(fmt.Sprintf(`//main//table//a[normalize-space()=%q]`, id))))
	b.waitText("main h1", "Verification")
	b.waitText("main", "otp.verified")
	var events []string
	b.pollJSON(`(() => {
		const t = [...document.querySelectorAll("main section")].find((s) => s.querySelector("h2")?.textContent === "Events")?.querySelector("tbody");
		return t ? [...t.rows].map((r) => r.cells[1].textContent) : null;
	})()`, &events)
	if got := strings.Join(events, ","); got != "otp.created,otp.sent,otp.verified" {
		t.Errorf("events on the verification's page = %s, want created, sent, verified", got)
	}
	var message []string
	b.pollJSON(`(() => {
		const t = [...document.querySelectorAll("main section")].find((s) => s.querySelector("h2")?.textContent === "Messages")?.querySelector("tbody");
		return t && t.rows.length ? [...t.rows[0].cells].map((c) => c.textContent) : null;
	})()`, &message)
	// Columns: Channel, To, Provider, Status, ...
	if len(message) < 4 || message[0] != "sms" || message[1] != "+14155552671" || message[3] == "" {
		t.Errorf("message row = %q, want the sms to +14155552671 with a status", message)
	}

	// The log filtered by application and event type, from the keyboard.
	b.nav("logs", "Logs")
	b.do(chromedp.WaitVisible(chromedp.CSS(`select[name="type"]`)))
	b.wantText(fmt.Sprintf("label[for=%q]", b.eval(`document.querySelector('select[name="type"]').id`)), "Event type")
	b.do(chromedp.SetValue(chromedp.CSS(`select[name="type"]`), "otp.sent"),
		chromedp.Focus(chromedp.Search(`//main//form[@role="search"]//button[normalize-space()="Apply filters"]`)),
		chromedp.KeyEvent("\r"))
	// Until the filtered page replaces the whole log: then it must hold
	// the one otp.sent event and nothing else.
	var types []string
	b.pollJSON(`(() => {
		const codes = [...document.querySelectorAll("main .feed li code")].map((c) => c.textContent);
		return location.hash.includes("type=otp.sent") && codes.length > 0 && !codes.includes("otp.created") ? codes : null;
	})()`, &types)
	if got := strings.Join(types, ","); got != "otp.sent" {
		t.Errorf("log filtered by otp.sent shows %q", got)
	}

	// Users: look one up by the number as typed, and one that never verified.
	b.nav("users", "Users")
	b.do(chromedp.WaitVisible(chromedp.CSS(`input[name="to"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="to"]`), "+1 415 555 2671\r"))
	// The lookup answers with a table captioned "User" (the list's is "Users").
	var found []string
	b.pollJSON(`(() => {
		const t = document.querySelector("#users-results table");
		return t && t.caption?.textContent === "User" ? [...t.tBodies[0].rows].map((r) => r.cells[0].textContent) : null;
	})()`, &found)
	if got := strings.Join(found, ","); got != "+14155552671" {
		t.Errorf("user lookup shows %q, want +14155552671", got)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS(`input[name="to"]`)))
	b.retype(`input[name="to"]`, "+1 415 555 2672\r")
	b.waitText("#users-results", "has not verified")

	b.assertNoConsoleErrors()
}
