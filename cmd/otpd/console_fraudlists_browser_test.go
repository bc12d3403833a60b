package main

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleTestNumbersAndSafelist: a developer adds a test number and a
// safelist on their project's page, sees a wrong code refused next to its
// field, saves, and finds the lists stored, normalised; a live
// verification to the test number then checks with the fixed code.
func TestConsoleTestNumbersAndSafelist(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	if st, res := call(t, "POST", base+"/v1/developers", testAdminToken, map[string]any{"email": "dev@example.com", "password": "correct horse battery", "name": "Dev"}); st != 201 {
		t.Fatal(st, res)
	}
	_, login := call(t, "POST", base+"/v1/auth/login", "", map[string]any{"email": "dev@example.com", "password": "correct horse battery"})
	session, _ := login["data"].(map[string]any)["token"].(string)
	_, p := call(t, "POST", base+"/v1/projects", session, map[string]any{"name": "Shop"})
	projectID := p["data"].(map[string]any)["id"].(string)

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	b.do(chromedp.SendKeys(chromedp.CSS("#signin-email"), "dev@example.com"), chromedp.SendKeys(chromedp.CSS("#signin-password"), "correct horse battery"))
	b.clickButton("Sign in with your account")
	b.waitText("main h1", "Projects")
	b.do(chromedp.Click(chromedp.Search(`//main//table//a[normalize-space()="Shop"]`)))
	b.waitText("main h1", "Shop")
	b.do(chromedp.Click(chromedp.Search(`//nav[@aria-label="Project sections"]//a[normalize-space()="Test numbers & safelist"]`)))
	b.waitText("main", "Save test numbers")

	b.clickButton("Add test number")
	b.do(chromedp.SendKeys(chromedp.CSS(`[data-field="testNumbers[0].to"] input`), "+1 415 555 2671"),
		chromedp.SendKeys(chromedp.CSS(`[data-field="testNumbers[0].code"] input`), "12ab"))
	b.clickButton("Save test numbers")
	b.waitText(`[data-field="testNumbers[0].code"] .field-error`, "4 to 10 digits")
	b.retype(`[data-field="testNumbers[0].code"] input`, "424242")
	b.clickButton("Save test numbers")
	b.waitText("#status", "Test numbers saved (1).")
	if got := b.eval(`document.querySelector('[data-field="testNumbers[0].to"] input').value`); got != "+14155552671" {
		t.Errorf("the destination shown after saving = %q, want it normalised", got)
	}

	b.do(chromedp.SendKeys(chromedp.CSS(`[data-field="safelist"] textarea`), "Ops@Example.com\n+44 20 7946 0958"))
	b.clickButton("Save safelist")
	b.waitText("#status", "Safelist saved (2).")

	_, tn := call(t, "GET", base+"/v1/projects/"+projectID+"/fraud/test-numbers", session, nil)
	_, sl := call(t, "GET", base+"/v1/projects/"+projectID+"/fraud/safelist", session, nil)
	gotTN, _ := json.Marshal(tn["data"])
	gotSL, _ := json.Marshal(sl["data"])
	if string(gotTN) != `{"testNumbers":[{"code":"424242","to":"+14155552671"}]}` || string(gotSL) != `{"safelist":["ops@example.com","+442079460958"]}` {
		t.Errorf("stored: %s and %s", gotTN, gotSL)
	}

	// A reload shows what is stored.
	b.do(chromedp.Reload())
	b.waitText("main", "Save test numbers")
	if got := b.eval(`document.querySelector('[data-field="safelist"] textarea').value`); got != "ops@example.com\n+442079460958" {
		t.Errorf("safelist after a reload = %q", got)
	}

	st, a := call(t, "POST", base+"/v1/applications", session, map[string]any{"name": "web", "projectId": projectID, "environment": "live"})
	if st != 201 {
		t.Fatal(st, a)
	}
	key := a["data"].(map[string]any)["apiKey"].(string)
	st, v := call(t, "POST", base+"/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"})
	if st != 201 {
		t.Fatal(st, v)
	}
	id := v["data"].(map[string]any)["id"].(string)
	if st, r := call(t, "POST", base+"/v1/verifications/"+id+"/check", key, map[string]any{"code": "424242"}); st != 200 || r["data"].(map[string]any)["valid"] != true {
		t.Errorf("check with the fixed code: %d %v", st, r)
	}
	b.assertNoConsoleErrors()
}
